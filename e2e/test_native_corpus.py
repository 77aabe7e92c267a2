"""The native corpus (lua/native/) in the page, on every engine: the browser engine (lua.wasm in
a worker), the server engine (POST /api/run) and the pyodide engine (the Python host in
Pyodide) each run every case through `window.wasmCompute.run(code, {engine, stdin, args,
name})` and print what the standard `lua` 5.4.8 printed for it (the case's expected file, which
tests/test_native_corpus.py holds the Python host to).

One page per engine serves all cases, as in test_parity.py. Output and stderr are compared
byte for byte: a result gives them as text, with their bytes in base64 when they are not UTF-8.
"""

import base64
import importlib.util
from pathlib import Path

import pytest

from .engine_pages import engine_page, pages  # fixtures, requested by name

_REGEN = Path(__file__).resolve().parents[1] / "lua" / "native" / "regen.py"
_spec = importlib.util.spec_from_file_location("native_regen", _REGEN)
native = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(native)

ENGINES = ("browser", "server", "pyodide")

# Standard input crosses as base64 and reaches run() as bytes: some cases read bytes that are
# not UTF-8.
RUN_CASE = """async ([code, engine, stdinBase64, args, name]) => {
  const api = window.wasmCompute;
  await api.ready;
  const stdin = Uint8Array.from(atob(stdinBase64), (c) => c.charCodeAt(0));
  const r = await api.run(code, { engine, stdin, args, name });
  return { engine: r.engine, output: r.output, outputBase64: r.outputBase64 ?? null,
           stderr: r.stderr, stderrBase64: r.stderrBase64 ?? null,
           error: r.error && { message: r.error.message, traceback: r.error.traceback } };
}"""


def exact(text, text_base64):
    """A stream's exact bytes: the base64 the result carries when they are not UTF-8, else the
    text (zig/ABI.md §10's rule, as web/lua-host.js gives output and stderr)."""
    return base64.b64decode(text_base64) if text_base64 is not None else text.encode("utf-8")


def _params():
    for engine in ENGINES:
        for name in native.cases():
            reason = native.known_bug(name, engine)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            yield pytest.param(engine, name, id=f"{engine}-{name}", marks=marks)


@pytest.mark.parametrize("engine, name", list(_params()))
def test_case(engine_page, engine, name):
    case = native.read_case(name)
    r = engine_page.evaluate(RUN_CASE, [case.code.decode("utf-8"), engine,
                                        base64.b64encode(case.stdin).decode("ascii"),
                                        case.args, case.chunk_name])
    assert r["engine"] == engine, f"run() answered for engine {r['engine']!r}"
    assert isinstance(r["stderr"], str), f"run() gave no stderr: {r['stderr']!r}"
    host = {"output": exact(r["output"], r["outputBase64"]), "stderr": exact(r["stderr"], r["stderrBase64"]),
            "error": r["error"]}
    difference = native.first_difference(name, host)
    if difference:
        pytest.fail(f"[{engine} engine] {difference}", pytrace=False)
