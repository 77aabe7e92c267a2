"""The engines bench/run compares. Each one takes a Lua source text and
returns what it printed and the seconds from the source to the end of the
chunk (its compilation included).

- native: bench/.build/lua reading the source from stdin; the time is the
  process's wall time, so it includes its start (about a millisecond).
- wasmtime: lua.wasm in the Python host, `Sandbox.eval`, one Sandbox for all runs.
- chromium: lua.wasm in web/lua-host.js in headless Chromium, one instance for all runs.
- wasmoon, fengari: the peers, in the same Chromium; a new Lua state per run,
  made outside the timed part.
- chromium-cold, wasmoon-cold: what a visitor who opens a page and presses Run
  gets. Each run in a new browser context (an empty cache) and a fresh page:
  the time runs from the start of the engine's creation (fetching its wasm,
  compiling it with nothing tiered up, instantiating it, making the Lua
  state) to the end of the chunk.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from dataclasses import dataclass

from . import native
from .paths import NODE_MODULES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A page that is not in front must run at full speed: each engine has its own.
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
PAGE_READY_TIMEOUT_MS = 60_000

# Limits that never stop a benchmark (the programs are trusted).
SANDBOX_LIMITS = {
    "instructions_max": 10**15,
    "timeout_ms": 3_600_000,
    "memory_bytes_max": 2**31,
}


class EngineError(Exception):
    """The engine could not run the program: the message says what it said."""


@dataclass
class Run:
    output: str
    seconds: float


@dataclass
class EngineInfo:
    key: str
    label: str       # the column title
    detail: str      # what exactly ran, for the report's list of engines


class NativeEngine:
    """hooked: set a count hook every 1000 instructions first, as lua.wasm
    did for its instruction budget before the VM counted instructions itself
    (zig/src/lvm_budget.h): with a hook set, Lua 5.4's VM takes its slow path
    at every instruction. This engine keeps that cost measurable."""

    def __init__(self, hooked: bool = False):
        self.key = "native-hook" if hooked else "native"
        self.lua = native.ensure_built()
        self.prelude = ["-e", "debug.sethook(function() end, '', 1000)"] if hooked else []
        version = subprocess.run([self.lua, "-v"], capture_output=True, text=True).stdout.strip()
        detail = f"{version.split('  ')[0]}, `{native.gcc_version()}` -O2 (bench/.build/lua)"
        if hooked:
            self.info = EngineInfo(self.key, "native + hook",
                                   "the same binary after `debug.sethook(function() end, '', 1000)`: "
                                   "the count hook lua.wasm's budget once was")
        else:
            self.info = EngineInfo(self.key, "native", detail)

    def run(self, source: str) -> Run:
        started = time.perf_counter()
        done = subprocess.run([self.lua, *self.prelude, "-"], input=source.encode(), capture_output=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise EngineError(done.stderr.decode(errors="replace").strip())
        return Run(done.stdout.decode(errors="replace"), seconds)

    def close(self) -> None:
        pass


class WasmtimeEngine:
    key = "wasmtime"

    def __init__(self):
        from wasm_compute import Sandbox

        self.sandbox = Sandbox(**SANDBOX_LIMITS)
        self.info = EngineInfo(self.key, "lua.wasm wasmtime",
                               f"lua.wasm in the Python host (`Sandbox.eval`), wasmtime-py "
                               f"{_dist_version('wasmtime')}, Python {platform.python_version()}")

    def run(self, source: str) -> Run:
        started = time.perf_counter()
        r = self.sandbox.eval(source)
        seconds = time.perf_counter() - started
        if r.error is not None:
            raise EngineError(f"{r.error.name}: {r.error.message}")
        return Run(r.output, seconds)

    def close(self) -> None:
        self.sandbox.close()


class BrowserEngine:
    """One engine of bench/web/bench.js, in a page (and context) of its own."""

    LABELS = {"chromium": "lua.wasm Chromium", "wasmoon": "wasmoon Chromium", "fengari": "fengari Chromium"}
    PAGE_NAMES = {"chromium": "lua.wasm", "wasmoon": "wasmoon", "fengari": "fengari"}

    def __init__(self, key: str, browser, base_url: str):
        self.key = key
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.goto(base_url + "bench/")
        self.page.wait_for_function("document.documentElement.dataset.ready === 'true'",
                                    timeout=PAGE_READY_TIMEOUT_MS)
        opened = self.page.evaluate("name => bench.open(name)", self.PAGE_NAMES[key])
        chromium = f"Chromium {browser.version}"
        detail = {
            "chromium": f"lua.wasm in `web/lua-host.js` (`createLua`, `run`), {chromium}",
            "wasmoon": f"wasmoon {_npm_version('wasmoon')} ({opened['version']}, Emscripten), `doStringSync`, {chromium}",
            "fengari": f"fengari-web {_npm_version('fengari-web')} ({opened['version']} in JavaScript, "
                       f"32-bit integers), {chromium}",
        }[key]
        self.info = EngineInfo(key, self.LABELS[key], detail)
        if not opened["crossOriginIsolated"]:
            self.problems.append("the page is not cross-origin isolated: performance.now() is coarse")

    def run(self, source: str) -> Run:
        r = self.page.evaluate("source => bench.run(source)", source)
        if "error" in r:
            raise EngineError(r["error"])
        return Run(r["output"], r["ms"] / 1000)

    def close(self) -> None:
        self.context.close()


class ColdBrowserEngine:
    """One engine of bench/web/bench.js made anew for every run, in a new
    browser context: nothing compiled, cached or tiered up from a run before."""

    LABELS = {"chromium-cold": "lua.wasm Chromium cold", "wasmoon-cold": "wasmoon Chromium cold"}
    PAGE_NAMES = {"chromium-cold": "lua.wasm", "wasmoon-cold": "wasmoon"}

    def __init__(self, key: str, browser, base_url: str):
        self.key = key
        self.browser = browser
        self.base_url = base_url
        self.problems: list[str] = []
        chromium = f"Chromium {browser.version}"
        what = {"chromium-cold": "lua.wasm in `web/lua-host.js` (`createLua`, `run`)",
                "wasmoon-cold": f"wasmoon {_npm_version('wasmoon')} (`LuaFactory`, `createEngine`, `doStringSync`)"}[key]
        self.info = EngineInfo(key, self.LABELS[key],
                               f"{what}, {chromium}; every run in a new browser context and page, timed from "
                               "the engine's creation (fetch, compile, instantiate, new state) to the end of the chunk")

    def run(self, source: str) -> Run:
        context = self.browser.new_context()
        try:
            page = context.new_page()
            page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
            page.goto(self.base_url + "bench/")
            page.wait_for_function("document.documentElement.dataset.ready === 'true'", timeout=PAGE_READY_TIMEOUT_MS)
            r = page.evaluate("([name, source]) => bench.cold(name, source)", [self.PAGE_NAMES[self.key], source])
        finally:
            context.close()
        if "error" in r:
            raise EngineError(r["error"])
        return Run(r["output"], r["ms"] / 1000)

    def close(self) -> None:
        pass


def _dist_version(name: str) -> str:
    from importlib import metadata
    return metadata.version(name)


def _npm_version(name: str) -> str:
    return json.loads((NODE_MODULES / name / "package.json").read_text())["version"]


ALL = ("native", "wasmtime", "chromium", "wasmoon", "fengari", "chromium-cold", "wasmoon-cold")
OPTIONAL = ("native-hook",)  # run only when asked for with --engines
ORDER = ("native", "native-hook", "wasmtime", "chromium", "wasmoon", "fengari", "chromium-cold", "wasmoon-cold")
BROWSER = ("chromium", "wasmoon", "fengari", "chromium-cold", "wasmoon-cold")
COLD = ("chromium-cold", "wasmoon-cold")  # a fresh context every run: nothing to warm up
