"""Lua 5.4.8's own test suite on the page's two in-browser engines: the JS host (lua.wasm in a
worker, the browser engine) and the Python host in Pyodide (the pyodide engine). The files, the
line put in front of each, the limits and what a pass looks like come from tests/lua_testes.py,
which tests/test_lua_testes.py runs on the Python host; lua/TESTES.md lists every file.

The page's own client keeps the playground's limits, so each engine's page makes a LuaClient of
its own (the module the page uses, `/lua-client.js`) with the suite's limits, and runs each
file as one run under its own chunk name. The server engine is not here: its limits are the
server's, and it is the Python host that tests/test_lua_testes.py already runs.
"""

import importlib.util
import json
from pathlib import Path

import pytest

_TESTES = Path(__file__).resolve().parents[1] / "tests" / "lua_testes.py"
_spec = importlib.util.spec_from_file_location("lua_testes", _TESTES)
testes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(testes)

ENGINES = ("browser", "pyodide")
LIMITS = testes.LIMITS
# The largest file with its line in front is far below this; the limit is the client's, per run.
CODE_BYTES_MAX = 1024 * 1024
STORAGE_KEY = "e2e-testes:home"

MAKE_CLIENT = """async ([limits, randomSeed, timeoutMs, storageKey]) => {
  const { LuaClient } = await import("/lua-client.js");
  window.testesClient = new LuaClient({ wasm: "/lua.wasm", storageKey, timeoutMs,
                                        options: { limits, randomSeed } });
}"""

# Values travel as JSON text: typed JSON (zig/ABI.md §10) is compared as written.
RUN = """async ([code, engine, name]) => {
  const r = await window.testesClient.run(code, { engine, name });
  return { engine: r.engine, output: r.output, error: r.error, values: JSON.stringify(r.values) };
}"""


@pytest.fixture(scope="module")
def pages(open_page):
    """One page per engine, with its client, made at the engine's first file."""
    opened = {}
    yield opened
    for page in opened.values():
        page.context.close()


@pytest.fixture
def engine_page(pages, open_page, engine):
    if engine not in pages:
        page = open_page()
        limits = {"memoryBytesMax": LIMITS["memory_bytes_max"],
                  "instructionsMax": LIMITS["instructions_max"],
                  "outputBytesMax": LIMITS["output_bytes_max"],
                  "codeBytesMax": CODE_BYTES_MAX}
        page.evaluate(MAKE_CLIENT, [limits, LIMITS["random_seed"], LIMITS["timeout_ms"], STORAGE_KEY])
        pages[engine] = page
    return pages[engine]


@pytest.mark.parametrize("engine, case", [(e, c) for e in ENGINES for c in testes.CASES],
                         ids=[f"{e}-{c.file}" for e in ENGINES for c in testes.CASES])
def test_lua_testes_file(engine_page, engine, case):
    if testes.missing_testes():
        pytest.fail(testes.missing_testes())
    code = testes.source(case)
    assert len(code) <= CODE_BYTES_MAX
    r = engine_page.evaluate(RUN, [code.decode("latin-1"), engine, case.file])
    assert r["engine"] == engine, f"run() answered for engine {r['engine']!r}"
    problem = testes.failure(case, r["output"], r["error"], json.loads(r["values"], parse_int=float))
    if problem:
        pytest.fail(f"[{engine} engine] {problem}", pytrace=False)
