"""The pyodide engine: the Python host (`wasm_compute`, the server's own code) in Pyodide, in a
worker of the page. Its agreement with the other engines on the whole corpus is in
test_parity.py; here: the Server engine falling back to it when no server answers, Stop, and
the engine's failures mapped as on the server (ABI §5: a store failure, a trap).

Pyodide takes seconds to load, so each test loads it once.
"""

import json

from playwright.sync_api import expect
from wasm_compute.app import CONTENT_SECURITY_POLICY

from .conftest import take_problems

SCRIPT = """_home.n = (_home.n or 0) + 1
_home.log = _home.log or {}
table.insert(_home.log, ("run %d"):format(_home.n))
print("n =", _home.n, 2^53, 7 // 2, "\\u{e9}")
return _home.n, 1.5, {1, 2, x = "y"}, #_home.log
"""

START_HOME = {"t": [["n", {"i": "41"}], ["keep", {"f": 0.5}]]}

RUN = """async ([code, engine]) => {
  const r = await window.wasmCompute.run(code, { engine });
  return { engine: r.engine, fallbackFrom: r.fallbackFrom ?? null,
           typed: JSON.stringify({ output: r.output, values: r.values, error: r.error, home: r.home }) };
}"""

SET_HOME = "async (home) => { await window.wasmCompute.ready; window.wasmCompute.setHome(home); }"


def run(page, code, engine):
    """{engine, fallbackFrom, output, values, error, home}; numbers as in test_parity.py."""
    r = page.evaluate(RUN, [code, engine])
    typed = json.loads(r.pop("typed"), parse_int=float)
    if typed["error"] is not None:
        typed["error"] = {k: typed["error"][k] for k in ("code", "name", "message")}
    return {**r, **typed}


def same_result(a, b):
    return {k: a[k] for k in ("output", "values", "error", "home")} == {k: b[k] for k in ("output", "values", "error", "home")}


def only_expected_problems(page, url_part):
    """The page's problems, less the failed requests to `url_part` that the test caused."""
    return [p for p in take_problems(page) if not ("Failed to load resource" in p and url_part in p)]


def test_server_unreachable_falls_back_to_pyodide(page, server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    policies = {}
    page.on("response", lambda r: policies.setdefault(r.url, r.headers.get("content-security-policy")))
    page.route("**/api/run", lambda route: route.abort())
    page.evaluate(SET_HOME, START_HOME)
    want = run(page, SCRIPT, "browser")
    assert want["error"] is None, want

    page.evaluate(SET_HOME, START_HOME)
    page.evaluate("([code]) => { window.fallbackRun = window.wasmCompute.run(code, { engine: 'server' }); }", [SCRIPT])
    output = page.locator("#output")
    # Python loads on first need, and the page says so while it does.
    expect(output).to_contain_text("Loading Python (Pyodide)", timeout=10_000)
    expect(output.get_by_role("note")).to_have_text("Server unreachable — running in Pyodide (Python in the browser).")
    expect(output.get_by_role("note")).to_have_text("Server unreachable — ran in Pyodide (Python in the browser).", timeout=60_000)
    expect(output).to_contain_text("✓ ok", timeout=60_000)
    page.evaluate("() => window.fallbackRun")
    page.evaluate(SET_HOME, START_HOME)
    got = run(page, SCRIPT, "server")
    assert (got["engine"], got["fallbackFrom"]) == ("pyodide", "server")
    assert same_result(got, want), (got, want)
    assert got["home"]["t"][0] == ["n", {"i": "42"}]

    # Pyodide stays loaded: the next run starts at once.
    page.evaluate(SET_HOME, got["home"])
    again = run(page, SCRIPT, "pyodide")
    assert again["values"][0] == {"i": "43"}
    # Pyodide ran in its worker under the page's own policy: no 'unsafe-eval' (app.py).
    assert policies[server + "dist/pyodide-worker.js"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    # Nothing came from anywhere but the page's own server.
    assert [u for u in requests if not u.startswith(server) and not u.startswith("data:")] == []
    assert only_expected_problems(page, "/api/run") == []


def test_a_runaway_pyodide_script_is_stopped(page):
    page.select_option("#engine", "pyodide")
    page.evaluate("() => { window.runaway = window.wasmCompute.run('while true do end', { engine: 'pyodide' }); }")
    output = page.locator("#output")
    expect(output).to_contain_text("Running in Pyodide", timeout=60_000)
    page.get_by_role("button", name="Stop").click()
    expect(output).to_contain_text("Stopped: the script was ended by the user")
    assert page.evaluate("async () => (await window.runaway).error.code") == -9
    # The worker was replaced: Python loads again, and runs the next script.
    page.evaluate(SET_HOME, {"t": []})
    r = run(page, "_home.after = true return 6 * 7", "pyodide")
    assert r["error"] is None and r["values"] == [{"i": "42"}], r
    assert r["home"] == {"t": [["after", True]]}


# A worker of the page's own origin (so under the page's Content-Security-Policy) that loads
# Pyodide and the wheel as web/pyodide-worker.js does, then runs CHECKS in Python.
CHECK_WORKER = """
import { compileLua } from "../lua-host.js";
self.onmessage = async ({ data: { root, checks } }) => {
  try {
    const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", root).href);
    const py = await loadPyodide({ indexURL: new URL("pyodide/", root).href });
    const wheel = await (await fetch(new URL("python/wasm_compute.whl", root))).arrayBuffer();
    py.unpackArchive(wheel, "wheel", { extractDir: py.runPython("import sysconfig; sysconfig.get_paths()['purelib']") });
    py.globals.set("module", await compileLua(new URL("lua.wasm", root).href));
    py.runPython(`
from wasm_compute._engine_pyodide import PyodideEngine
ENGINE = {"wasm_path": module, "engine_factory": PyodideEngine}`);
    self.postMessage({ answer: py.runPython(checks) });
  } catch (e) {
    self.postMessage({ failure: String(e) });
  }
};
"""

# ENGINE: the Sandbox's engine arguments, PyodideEngine's in the worker, none (wasmtime) here.
CHECKS = """
import gc
import json
import weakref
from wasm_compute import MemoryStore, Sandbox, StoreError

class FailingStore(MemoryStore):
    def set(self, tid, key, value):
        raise StoreError("the disk is full")

class BrokenStore(MemoryStore):
    def get(self, tid, key):
        raise ZeroDivisionError("boom")

def error(r):
    return None if r.error is None else [r.error.code, r.error.name, r.error.message]

answers = {}
sb = Sandbox(FailingStore(), **ENGINE)
answers["store"] = error(sb.eval("_home.x = 1"))
answers["after_store"] = sb.eval("return 1 + 1").values
sb = Sandbox(BrokenStore({"x": 1}), **ENGINE)
trapped = weakref.ref(sb._engine)
answers["trap"] = error(sb.eval("return _home.x"))
gc.collect()
answers["freed"] = trapped() is None  # the replaced instance, its imports with it
answers["after_trap"] = sb.eval("return 'still here'").values
sb = Sandbox({"kept": 1}, **ENGINE, random_seed=7)
# Memory grows during this eval: the engine reads and writes across the grown memory.
r = sb.eval("local t = {} for i = 1, 20000 do t[i] = ('x'):rep(100) .. i end"
            " _home.big = table.concat(t) return #_home.big, math.random(1000)")
answers["grown"] = [error(r), r.values, len(sb.home["big"]), sb.home["kept"]]
stats = sb.memory_stats()
sb.collect_garbage()
answers["stats"] = [sorted(stats), sb.memory_stats()["gc_count"] - stats["gc_count"]]
# Host functions and modules (ABI §11, §12): the imports are the same Python code in both.
sb = Sandbox(functions={"price": lambda sku: {"sku": sku, "n": 2**62, "f": -0.0}, "fail": lambda: 1 / 0,
                        "big": lambda: "z" * 70000, "log.info": lambda *a: list(a)},
             modules={"util": "return {f = function() error('u') end}"}, **ENGINE)
r = sb.eval("local p = price('a') local ok, e = pcall(fail) "
            "return p.sku, p.n, 1 / p.f, ok, e, #big(), log.info(1, nil, 'x'), pcall(require('util').f)")
answers["host"] = [error(r), r.values]
json.dumps(answers)
"""


def test_python_host_failures_in_pyodide(page, server):
    """The engine maps what happens under it as the wasmtime engine does: a StoreError raised
    in an import is a store failure (-8), anything else a trap (-10); the Sandbox replaces the
    instance and goes on. The same checks on the server's engine give the same answers."""
    page.route("**/pyodide-check-worker.js", lambda route: route.fulfill(
        body=CHECK_WORKER, content_type="text/javascript",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY}))
    answer = page.evaluate("""async ([root, checks]) => {
      const worker = new Worker(new URL("dist/pyodide-check-worker.js", root), { type: "module" });
      const data = await new Promise((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ failure: `the worker failed: ${e.message}` });
        worker.postMessage({ root, checks });
      });
      worker.terminate();
      return data;
    }""", [server, CHECKS])
    assert "failure" not in answer, answer["failure"]
    in_pyodide = json.loads(answer["answer"])

    namespace = {"ENGINE": {}}
    exec(CHECKS, namespace)
    on_server = json.loads(json.dumps(namespace["answers"]))
    assert in_pyodide.pop("freed") is True
    on_server.pop("freed")
    assert in_pyodide["store"] == [-8, "store", "the _home store failed: the disk is full"]
    assert in_pyodide["trap"][:2] == [-10, "trap"] and "boom" in in_pyodide["trap"][2]
    assert in_pyodide["host"] == [None, ["a", 2**62, float("-inf"), False, "fail: ZeroDivisionError: division by zero",
                                         70000, {"1": 1, "3": "x"}, False, "util.lua:1: u"]]
    assert in_pyodide == on_server
