"""Lua 5.4.8's own test suite on the Python host: every file that applies to a sandboxed Lua
(tests/lua_testes.py lists them, with the line put in front of each and the limits), each as
one eval of a fresh Sandbox under its own chunk name. lua/TESTES.md lists every file of the
suite and why the others do not apply.
"""

import pytest

from wasm_compute import Sandbox
from wasm_compute._wire import encode_value

import lua_testes as testes


def _params():
    for case in testes.CASES:
        reason = testes.known_bug(case.file, "python")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        yield pytest.param(case, id=case.file, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_lua_testes_file(case):
    if testes.missing_testes():
        pytest.fail(testes.missing_testes())
    code, modules = testes.source(case), testes.modules()
    code_bytes = len(code) + sum(len(m.encode()) for m in modules.values())
    with Sandbox(**testes.LIMITS, code_bytes_max=code_bytes) as sandbox:
        r = sandbox.eval(code, name=case.file, modules=modules)
    error = None if r.error is None else {"name": r.error.name, "message": r.error.message,
                                          "traceback": r.error.traceback}
    problem = testes.failure(case, r.output, error, [encode_value(v) for v in r.raw_values])
    if problem:
        pytest.fail(problem, pytrace=False)
