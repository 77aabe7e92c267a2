"""The hostile corpus (lua/hostile/, read by tests/hostile.py) through the browser's JS host,
under the limits tests/test_hostile.py gives the Python host.

The page's own `window.wasmCompute` runs with the page's default limits, so each test drives
the host itself: it imports `/lua-client.js` (the module the page uses, served by the app) and
makes a `LuaClient` with the corpus's limits (memory, instructions, output). Scripts run in
the client's Web Worker, the browser path users have. For every script: the documented
outcome (`Case.check`), then the host still answers (`return 1 + 1, ('x'):upper()`), and the
`_home.keep` written before the script is intact.

The wall clock: a JS host has no clock inside one call, so the client's `timeoutMs` is the
limit, and it terminates the worker. The `timeout` cases run with the corpus's 2000 ms. Every
other case ends on a limit that does not depend on the machine's speed (instructions, memory,
an error), so it runs with a wall clock that only guards against a hang: with 2000 ms, a busy
2-core machine could turn one of them into a timeout (18-ten-megabyte-source takes 1-2 s in
Chromium, 0.5 s in the Python host), and so does Playwright's inspector, which makes
exception-heavy scripts in the worker about ten times slower: 05-coroutine-wrap-pcall takes
6-14 s here, 0.5 s in a browser nobody inspects. The worker calls `host.run` straight from its
message event; after an `await null` (from a microtask) the same script takes 0.5 s under the
inspector too. (Likely cause: Blink runs event handlers under a verbose TryCatch, so with an
inspector attached every wasm throw, i.e. every Lua error, pcall unwind and yield, builds a
message with a stack trace.)
"""

import importlib.util
import json
from pathlib import Path

import pytest

_HOSTILE = Path(__file__).resolve().parents[1] / "tests" / "hostile.py"
_spec = importlib.util.spec_from_file_location("hostile_corpus", _HOSTILE)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

CASES = hostile.cases()
LIMITS = hostile.LIMITS
# A key of its own: the page's client (same origin) keeps `_home` under wasm-compute:home.
STORAGE_KEY = "e2e-hostile:home"
# The wall clock of the cases whose outcome is not `timeout`: only against a hang (see above).
HANG_TIMEOUT_MS = 60_000

MAKE_CLIENT = """async ([limits, timeoutMs, storageKey]) => {
  const { LuaClient } = await import("/lua-client.js");
  window.hostileClient = new LuaClient({ wasm: "/lua.wasm", storageKey, timeoutMs, options: { limits } });
}"""

# Values and home travel as JSON text: typed JSON (zig/ABI.md §10) is compared as written.
RUN = """async (code) => {
  const client = window.hostileClient;
  const r = await client.run(code);
  return {
    output: r.output,
    error: r.error,
    values: JSON.stringify(r.values),
    home: JSON.stringify(client.home()),
  };
}"""

KEEP = {"t": [["v", "safe"], ["n", {"i": "1"}]]}


def _table(snapshot):
    """A typed-JSON table as a dict of its entries (nested tables too), ignoring order."""
    return {json.dumps(k): _table(v) if isinstance(v, dict) and "t" in v else v for k, v in snapshot["t"]}


def _keep(home_text):
    home = _table(json.loads(home_text))
    return home.get(json.dumps("keep"))


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30


def make_client(page, timeout_ms):
    """Makes `window.hostileClient` in `page` under the corpus's limits and sets `_home.keep`."""
    limits = {"memoryBytesMax": LIMITS["memory_bytes_max"],
              "instructionsMax": LIMITS["instructions_max"],
              "outputBytesMax": LIMITS["output_bytes_max"]}
    page.evaluate(MAKE_CLIENT, [limits, timeout_ms, STORAGE_KEY])
    r = page.evaluate(RUN, "_home.keep = {v = 'safe', n = 1}")
    assert r["error"] is None, r["error"]
    assert _keep(r["home"]) == _table(KEEP)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_script(page, case):
    make_client(page, LIMITS["timeout_ms"] if case.kind == "timeout" else HANG_TIMEOUT_MS)
    r = page.evaluate(RUN, case.source)
    error = r["error"] and {"name": r["error"]["name"], "message": r["error"]["message"]}
    case.check(r["output"], error)

    after = page.evaluate(RUN, "return 1 + 1, ('x'):upper()")
    assert after["error"] is None, f"{case.name}: the host failed after it: {after['error']}"
    assert json.loads(after["values"]) == [{"i": "2"}, "X"]
    assert _keep(after["home"]) == _table(KEEP), f"{case.name}: _home.keep changed"
    # The client saved what it holds.
    saved = page.evaluate("(key) => localStorage.getItem(key)", STORAGE_KEY)
    assert _keep(saved) == _table(KEEP)
