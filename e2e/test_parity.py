"""The parity corpus (lua/corpus/) in the page, on every engine: for every case, the browser
engine (lua.wasm in a worker), the server engine (POST /api/run) and the pyodide engine (the
Python host in Pyodide, in a worker) give exactly the expected file, which
tests/test_corpus.py holds the Python host to. So all four agree.

One page per engine serves all cases (loading the page per case would cost more than the
cases, and Pyodide loads once per page); each case starts from `setHome({"t": []})` and runs
its steps one `run` at a time, through the page's `window.wasmCompute`.
"""

import importlib.util
import json
from pathlib import Path

import pytest

from wasm_compute import Sandbox

from .engine_pages import engine_page, pages  # fixtures, requested by name

_REGEN = Path(__file__).resolve().parents[1] / "lua" / "corpus" / "regen.py"
_spec = importlib.util.spec_from_file_location("corpus_regen", _REGEN)
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

ENGINES = ("browser", "server", "pyodide")

# Values and home come back as JSON text: Playwright would hand a float such as 2^63 to Python
# as the int 9223372036854776000. In typed JSON every bare number is a float (ABI §10), so
# the text is parsed with parse_int=float.
RUN_STEP = """async ([code, engine]) => {
  const api = window.wasmCompute;
  await api.ready;
  const r = await api.run(code, { engine });
  return { output: r.output, stderr: r.stderr, error: r.error, engine: r.engine,
           typed: JSON.stringify({ values: r.values, home: r.home, current: api.home() }) };
}"""

RESET_HOME = """async () => {
  await window.wasmCompute.ready;
  await window.wasmCompute.setHome({ t: [] });
  return window.wasmCompute.home();
}"""


def _params():
    for engine in ENGINES:
        for name in corpus.cases():
            reason = corpus.known_bug(name, engine)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(engine, name, id=f"{engine}-{name}", marks=marks)


def run_steps(page, engine, steps):
    """Yields each step's result as the page gives it, one step at a time."""
    for code in steps:
        r = page.evaluate(RUN_STEP, [code, engine])
        assert r["engine"] == engine, f"run() answered for engine {r['engine']!r}"
        typed = json.loads(r.pop("typed"), parse_int=float)
        assert "values" in typed and "home" in typed, f"run() gave no values or no home: {sorted(typed)}"
        assert typed["home"] == typed["current"], "run()'s home differs from home() after the run"
        yield {**r, "values": typed["values"], "home": typed["home"]}


@pytest.mark.parametrize("engine, name", list(_params()))
def test_case(engine_page, engine, name):
    assert engine_page.evaluate(RESET_HOME) == {"t": []}
    difference = corpus.first_difference(name, run_steps(engine_page, engine, corpus.read_steps(name)))
    if difference:
        pytest.fail(f"[{engine} engine] {difference}", pytrace=False)


# The instruction budget counts in the module, so every engine counts the same instructions
# and a script stops at the same point everywhere (zig/ABI.md §3).
COUNTED = [
    "local s = 0 for i = 1, 100000 do s = s + i % 7 end return s",
    "local co = coroutine.wrap(function() for i = 1, 1000 do coroutine.yield(i) end end) "
    "local n = 0 for i = 1, 1000 do n = n + co() end return n",
    "local ok = pcall(error, 'x') local t = {} for w in ('a b c d'):gmatch('%a') do t[#t + 1] = w:upper() end "
    "table.sort(t, function(a, b) return a > b end) _home.w = table.concat(t) return ok, _home.w",
]

RUN_COUNTED = """async ([code, engine]) => {
  const api = window.wasmCompute;
  await api.ready;
  await api.setHome({ t: [] });
  const r = await api.run(code, { engine });
  return { error: r.error, instructions: r.stats.instructions };
}"""


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_counts_the_same_instructions(engine_page, engine):
    with Sandbox() as sb:
        want = [sb.eval(code).stats.instructions for code in COUNTED]
    got = [engine_page.evaluate(RUN_COUNTED, [code, engine]) for code in COUNTED]
    assert [g["error"] for g in got] == [None] * len(COUNTED)
    assert [g["instructions"] for g in got] == want
    assert min(want) > 0
