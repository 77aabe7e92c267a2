"""Lua 5.4.8's own test suite (lua/lua-5.4.8/testes, fetched by ./build.sh) run in the sandbox.

Only the files that apply to a sandboxed Lua are here, each run as it is, as ONE eval, with a
single line of Lua prepended on the same line as the file's first line (so line numbers in
errors are the file's own). lua/TESTES.md lists every file of the suite, why the others do not
apply, and what the prepended line provides and why.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from wasm_compute import Sandbox

TESTES = Path(__file__).resolve().parents[1] / "lua" / "lua-5.4.8" / "testes"

_MiB = 1024 * 1024


def lua_string(data: bytes) -> str:
    """A one-line Lua string literal holding `data` exactly."""
    out = []
    for byte in data:
        if byte == 0x5C:
            out.append("\\\\")
        elif byte == 0x22:
            out.append('\\"')
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03d}")
        else:
            out.append(chr(byte))
    return '"' + "".join(out) + '"'


# Stand-ins for what Lua's test harness (all.lua, run by the standalone `lua` in the testes
# directory) gives these files and the sandbox has not: see lua/TESTES.md. They are not what
# the files test.
#   - `package.loaded` / `package.preload` / `require`: only the documented lookup in
#     package.loaded then package.preload. package.loaded holds the libraries the sandbox
#     already has as globals, so `require "utf8"` gives `utf8`; anything else ("debug", a file)
#     is "module 'x' not found", as in a Lua without it.
#   - `tracegc`: all.lua's GC tracer, which only writes a '.' to io.stderr at each collection;
#     a no-op here.
#   - `bwcoercion`: the suite's own fixture file (string coercion for bitwise operators, what
#     bitwise.lua tests with), loaded from testes/bwcoercion.lua as it is.
_LIBS = ("_G", "coroutine", "table", "string", "math", "utf8", "os", "io")


def _stand_ins() -> str:
    loaded = ",".join(f"{name}={name}" for name in _LIBS)
    bwcoercion = (TESTES / "bwcoercion.lua").read_bytes()
    return (
        f"package={{loaded={{{loaded}}},preload={{}}}} "
        "function require(n) local v=package.loaded[n] if v==nil then "
        "local f=package.preload[n] or error(\"module '\"..n..\"' not found\",2) "
        "v=f(n) if v==nil then v=true end package.loaded[n]=v end return v end "
        "package.preload.tracegc=function() return {start=function() end,stop=function() end} end "
        f"package.preload.bwcoercion=assert(load({lua_string(bwcoercion)},'@bwcoercion.lua','t',_G)) "
    )


@dataclass(frozen=True)
class Case:
    file: str
    marker: str | None = "OK"      # the last line the file prints when it passes
    settings: str = ""             # suite globals set before the file runs
    values: tuple = ()             # what the file returns, as all.lua checks it


CASES = [
    Case("bitwise.lua"),
    Case("cstack.lua"),
    Case("math.lua"),
    Case("pm.lua"),
    Case("sort.lua"),
    Case("tpack.lua"),
    Case("utf8.lua", marker="ok"),
    Case("vararg.lua"),
    # _soft: the file's second half writes a generated program to a temporary file and dofile's
    # it; all.lua's "soft" mode stops before that and the file returns 10.
    Case("verybig.lua", marker=None, settings="_soft=true ", values=(10,)),
]


def _testes_dir() -> Path:
    if not (TESTES / "all.lua").is_file():
        pytest.fail(f"Lua's test suite is missing: {TESTES}. ./build.sh fetches it with the Lua "
                    "sources (if lua/lua-5.4.8 exists without testes/, remove it and run ./build.sh)")
    return TESTES


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_lua_testes_file(case: Case):
    source = (_testes_dir() / case.file).read_bytes()
    prefix = (case.settings + _stand_ins()).encode()
    assert b"\n" not in prefix
    sandbox = Sandbox(instructions_max=2_000_000_000, memory_bytes_max=512 * _MiB,
                      timeout_ms=60_000, output_bytes_max=4 * _MiB,
                      code_bytes_max=len(prefix) + len(source), random_seed=20250101)
    with sandbox:
        result = sandbox.eval(prefix + source)
    error = result.error
    assert error is None, (f"{case.file}: {type(error).__name__}: {error.message}\n{error.traceback}\n"
                           f"--- output (last 2000 chars) ---\n{result.output[-2000:]}")
    if case.marker is not None:
        lines = result.output.rstrip("\n").split("\n")
        assert lines[-1] == case.marker, f"{case.file} did not end with {case.marker!r}:\n{result.output[-2000:]}"
    assert tuple(result.values) == case.values
