"""Lua 5.4.8's own test suite on the page's two in-browser engines: the JS host (lua.wasm in a
worker, the browser engine) and the Python host in Pyodide (the pyodide engine). The files, the
line put in front of each, the limits and what a pass looks like come from tests/lua_testes.py,
which tests/test_lua_testes.py runs on the Python host; lua/TESTES.md lists every file.

Each file is one `window.wasmCompute.run(code, {engine, name, modules, limits, timeoutMs})` on one page
per engine, with the suite's limits for that run. The server engine is not here: it runs under
the server's own limits, and it is the Python host, which tests/test_lua_testes.py runs.
"""

import base64
import importlib.util
import json
from pathlib import Path

import pytest

from .engine_pages import engine_page, pages  # fixtures, requested by name

_TESTES = Path(__file__).resolve().parents[1] / "tests" / "lua_testes.py"
_spec = importlib.util.spec_from_file_location("lua_testes", _TESTES)
testes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(testes)

ENGINES = ("browser", "pyodide")
LIMITS = testes.LIMITS
RUN_LIMITS = {"memoryBytesMax": LIMITS["memory_bytes_max"], "instructionsMax": LIMITS["instructions_max"],
              "outputBytesMax": LIMITS["output_bytes_max"], "codeBytesMax": 1024 * 1024}

# The code crosses as text when it is UTF-8, else as bytes (strings.lua holds Latin-1 bytes);
# values travel as JSON text: typed JSON (zig/ABI.md §10) is compared as written.
RUN = """async ([code, codeBase64, engine, name, modules, limits, timeoutMs]) => {
  const api = window.wasmCompute;
  await api.ready;
  const source = codeBase64 === null ? code : Uint8Array.from(atob(codeBase64), (c) => c.charCodeAt(0));
  const r = await api.run(source, { engine, name, modules, limits, timeoutMs });
  return { engine: r.engine, output: r.output, error: r.error, values: JSON.stringify(r.values) };
}"""


def _params():
    for engine in ENGINES:
        for case in testes.CASES:
            reason = testes.known_bug(case.file, engine)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(engine, case, id=f"{engine}-{case.file}", marks=marks)


@pytest.mark.parametrize("engine, case", list(_params()))
def test_lua_testes_file(engine_page, engine, case):
    if testes.missing_testes():
        pytest.fail(testes.missing_testes())
    code = testes.source(case)
    assert len(code) <= RUN_LIMITS["codeBytesMax"]
    try:
        text, code_base64 = code.decode("utf-8"), None
    except UnicodeDecodeError:
        text, code_base64 = None, base64.b64encode(code).decode("ascii")
    r = engine_page.evaluate(RUN, [text, code_base64, engine, case.file, testes.modules(), RUN_LIMITS,
                                  LIMITS["timeout_ms"]])
    assert r["engine"] == engine, f"run() answered for engine {r['engine']!r}"
    problem = testes.failure(case, r["output"], r["error"], json.loads(r["values"], parse_int=float))
    if problem:
        pytest.fail(f"[{engine} engine] {problem}", pytrace=False)
