"""bench/run: the CPU suite on five engines, then the host and page figures.

    bench/run                  # the full run (about 10 minutes): bench/results/latest.{md,png,json}
    bench/run --repeat 3 --programs fib,sort --engines native,wasmtime --no-figures
    bench/run --tiny --out /tmp/b   # every program once with a tiny N, every engine (seconds)

Exits 1 when an engine failed or printed other checksums than native Lua, else 0;
targets met or missed never change the exit status. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from harness import engines as engines_mod, figures as figures_mod, page as page_mod, report, suite
from harness.paths import RESULTS, ROOT, WEB
from harness.suite import Cell


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per program and engine; the median counts (default 5)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds after which an engine stops repeating a program (default 20; at least one run)")
    parser.add_argument("--tiny", action="store_true", help="one run of every program with its tiny N; small figures")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.md, .png and .json go (default bench/results)")
    parser.add_argument("--engines", default=",".join(engines_mod.ALL),
                        help=f"comma-separated, from {','.join(engines_mod.ORDER)} (default: all but "
                             f"{','.join(engines_mod.OPTIONAL)}; native is always run: it is the reference)")
    parser.add_argument("--programs", default="", help="comma-separated program names (default: all of bench/programs)")
    parser.add_argument("--no-figures", action="store_true", help="skip the host and page figures")
    parser.add_argument("--js-flags", default="",
                        help="V8 flags for Chromium, e.g. \"--no-liftoff\" (TurboFan only) or \"--liftoff-only\": what "
                             "the browser columns would be without one of V8's two wasm tiers (named in the report)")
    args = parser.parse_args(argv)
    keys = [k for k in args.engines.split(",") if k]
    unknown = set(keys) - set(engines_mod.ORDER)
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    args.engines = [k for k in engines_mod.ORDER if k in keys or k == "native"]
    args.programs = [p for p in args.programs.split(",") if p] or None
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def machine_facts() -> dict:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    return {"machine": f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}"}


def git_commit() -> str:
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def run_cell(engine, text: str, repeat: int, budget: float) -> Cell:
    cell = Cell()
    for _ in range(repeat):
        try:
            r = engine.run(text)
        except engines_mod.EngineError as e:
            cell.error = f"error: {e}"
            break
        except Exception as e:  # the page crashed or Playwright lost it
            cell.error = f"error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            break
        if cell.output is None:
            cell.output = r.output
        elif r.output != cell.output:
            cell.error = "checksum changed between runs"
            break
        cell.runs.append(r.seconds)
        if sum(cell.runs) >= budget:
            break
    return cell


def open_engines(keys, browser, base_url, problems) -> dict:
    opened = {}
    for key in keys:
        log(f"opening {key}")
        try:
            if key in ("native", "native-hook"):
                opened[key] = engines_mod.NativeEngine(hooked=key == "native-hook")
            elif key == "wasmtime":
                opened[key] = engines_mod.WasmtimeEngine()
            elif key in engines_mod.COLD:
                opened[key] = engines_mod.ColdBrowserEngine(key, browser, base_url)
            else:
                opened[key] = engines_mod.BrowserEngine(key, browser, base_url)
        except Exception as e:
            if key == "native":
                raise
            problems.append(f"{key}: could not start: {type(e).__name__}: {e}")
    return opened


def take_figures(sizes, browser, base_url) -> list:
    F = figures_mod
    taken = []

    def attempt(name, fn, *a):
        log(f"figure: {name}")
        try:
            got = fn(*a)
        except Exception as e:
            got = F.Figure(name, "error", "", F.targets.Verdict(False, f"error: {type(e).__name__}: {e}"[:300]), "")
        taken.extend(got if isinstance(got, list) else [got])

    attempt("Python host eval", F.python_eval_overhead, sizes)
    page_engine = None
    if browser is not None:
        try:
            page_engine = engines_mod.BrowserEngine("chromium", browser, base_url)
        except Exception as e:
            log(f"cannot open the lua.wasm page for the JS figures: {e}")
    if page_engine is not None:
        attempt("JS host eval", F.js_eval_overhead, page_engine.page, sizes)
    attempt("Python host _home", F.python_home_cost, sizes)
    if page_engine is not None:
        attempt("JS host _home", F.js_home_cost, page_engine.page, sizes)
        page_engine.close()
    attempt("Sandbox()", F.sandbox_new, sizes)
    attempt("wasm-compute run", F.cli_run, sizes)
    if browser is not None:
        attempt("playground ready and first Run", page_mod.playground, browser, sizes)
    attempt("lua.wasm size", F.wasm_size)
    attempt("/api/run throughput", F.api_throughput, sizes)
    return taken


def main(argv=None) -> int:
    args = parse_args(argv)
    # The chart needs matplotlib: checked first, so that a long run does not fail at its end.
    if importlib.util.find_spec("matplotlib") is None:
        log("bench/run needs matplotlib: .venv/bin/pip install matplotlib")
        return 2
    started = time.perf_counter()
    load_before = os.getloadavg()
    programs = suite.load(args.programs)
    repeat = 1 if args.tiny else args.repeat
    problems: list[str] = []
    cells = {p.name: {} for p in programs}
    figures: list = []
    wanted_browser = any(k in engines_mod.BROWSER for k in args.engines) or not args.no_figures

    with contextlib.ExitStack() as stack:
        browser = base_url = None
        if wanted_browser:
            from playwright.sync_api import sync_playwright
            from harness.static import StaticServer

            base_url = stack.enter_context(StaticServer()).url
            playwright = stack.enter_context(sync_playwright())
            js_flags = [f"--js-flags={args.js_flags}"] if args.js_flags else []
            browser = playwright.chromium.launch(executable_path=engines_mod.CHROMIUM,
                                                 args=engines_mod.CHROMIUM_ARGS + js_flags)
            stack.callback(browser.close)
        engines = open_engines(args.engines, browser, base_url, problems)
        for e in engines.values():
            stack.callback(e.close)
        keys = [k for k in args.engines if k in engines]

        if not args.tiny:
            log("warming up (every program once with its tiny N)")
            for p in programs:
                for k in keys[1:]:
                    if k in engines_mod.COLD:
                        continue
                    with contextlib.suppress(Exception):
                        engines[k].run(p.text(tiny=True))

        for p in programs:
            text = p.text(args.tiny)
            for k in keys:
                cell = run_cell(engines[k], text, repeat, args.budget)
                reference = cells[p.name].get("native")
                if cell.error is None and reference is not None and reference.output != cell.output:
                    cell.error = "checksum differs"
                if cell.error is not None:
                    got = f"printed {cell.output!r:.200}" if cell.output is not None else ""
                    problems.append(f"{p.name} on {k}: {cell.error} {got}".strip()
                                    + (f" (native printed {reference.output!r:.200})" if reference and reference.output else ""))
                cells[p.name][k] = cell
                shown = f"{cell.median:.3f} s (median of {len(cell.runs)})" if cell.median is not None else cell.error
                log(f"{p.name:13s} {k:11s} {shown}")

        for k in keys:
            for problem in getattr(engines[k], "problems", []):
                problems.append(f"{k}: {problem}")

        if not args.no_figures:
            sizes = figures_mod.Sizes.tiny() if args.tiny else figures_mod.Sizes()
            figures = take_figures(sizes, browser, base_url)
        infos = {k: engines[k].info for k in keys}

    elapsed = time.perf_counter() - started
    wasm = (WEB / "lua.wasm").read_bytes()
    header = {
        "tiny": args.tiny,
        "budget": args.budget,
        "repeat": repeat,
        "facts": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            **machine_facts(),
            "load average (1 min) at start and end": f"{load_before[0]:.2f}, {os.getloadavg()[0]:.2f}",
            "commit": git_commit(),
            **({"V8 flags (--js-flags)": f"`{args.js_flags}`"} if args.js_flags else {}),
            "lua.wasm": f"{len(wasm)} bytes, sha256 {hashlib.sha256(wasm).hexdigest()[:16]}",
            "this run": f"{elapsed / 60:.1f} min (`bench/run{' ' if argv or sys.argv[1:] else ''}"
                        f"{' '.join(argv if argv is not None else sys.argv[1:])}`)",
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    md = args.out / "latest.md"
    summary = report.write_markdown(md, header=header, engines=keys, infos=infos, programs=programs, cells=cells,
                                    repeat=repeat, figures=figures, problems=problems)
    report.write_json(args.out / "latest.json", header=header, engines=keys, infos=infos, programs=programs,
                      cells=cells, figures=figures, problems=problems, summary=summary)
    title = f"wasm-compute: time / native Lua 5.4.8 (gcc -O2), median of {repeat}; {header['facts']['date']}"
    report.write_chart(args.out / "latest.png", engines=keys, infos=infos, programs=programs, summary=summary,
                       title=title + (" — tiny mode" if args.tiny else ""))
    log(f"wrote {md}, latest.png and latest.json in {elapsed:.0f} s")
    for problem in problems:
        log(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
