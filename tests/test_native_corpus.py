"""The native corpus (lua/native/) on the Python host: each case, run as one eval with its
name, arguments and stdin (zig/ABI.md §2.2), prints what the standard `lua` 5.4.8 printed for
it (its expected file, written by lua/native/regen.py). And the expected files are what
standard Lua prints today, so none of them is stale or edited by hand.
"""

import importlib.util
from pathlib import Path

import pytest

from wasm_compute import Sandbox

_REGEN = Path(__file__).resolve().parents[1] / "lua" / "native" / "regen.py"
_spec = importlib.util.spec_from_file_location("native_regen", _REGEN)
native = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(native)


def run_python(case) -> dict:
    """One eval of a fresh Sandbox with default limits, as `first_difference` reads it."""
    with Sandbox() as sb:
        r = sb.eval(case.code, name=case.chunk_name, args=case.args, stdin=case.stdin)
    error = None if r.error is None else {"message": r.error.message, "traceback": r.error.traceback}
    return {"output": r.output_bytes, "stderr": r.stderr_bytes, "error": error}


def _params():
    for name in native.cases():
        reason = native.known_bug(name, "python")
        yield pytest.param(name, marks=[pytest.mark.xfail(reason=reason, strict=True)] if reason else [])


@pytest.mark.parametrize("name", list(_params()))
def test_case(name):
    difference = native.first_difference(name, run_python(native.read_case(name)))
    if difference:
        pytest.fail(difference, pytrace=False)


def test_expected_files_are_what_standard_lua_prints():
    stale = [name for name in native.cases()
             if native.format_expected(native.run_native(native.read_case(name)))
             != native.expected_path(name).read_text(encoding="utf-8")]
    assert stale == [], f"run lua/native/regen.py for {stale}"


def test_every_case_is_checked():
    """A case with a stdin or args file but no script, or no expected file, is a mistake."""
    names = set(native.cases())
    extra = sorted(p.name for p in native.NATIVE.iterdir()
                   if p.suffix in (".stdin", ".args", ".json") and p.name.split(".")[0] not in names)
    missing = sorted(n for n in names if not native.expected_path(n).exists())
    assert (extra, missing) == ([], [])
    assert len(names) >= 30


def test_the_comparison_takes_only_what_lua_printed():
    """first_difference accepts a run that gives exactly what lua printed, split as a host
    splits it, and refuses every single change of it."""
    name = "03-error-position"
    traceback = ("stack traceback:\n\t[C]: in function 'error'\n\t03-error-position.lua:6: in upvalue 'inner'\n"
                 "\t03-error-position.lua:8: in local 'outer'\n\t03-error-position.lua:9: in main chunk\n\t[C]: in ?")
    good = {"output": b"before\n", "stderr": b"to stderr first\n",
            "error": {"message": "03-error-position.lua:6: boom now", "traceback": traceback}}
    assert native.first_difference(name, good) is None
    changes = [
        {"output": b"before\n\n"},
        {"stderr": b""},
        {"stderr": b"to stderr first\nlua: 03-error-position.lua:6: boom now\n"},
        {"error": None},
        {"error": {"message": "03-error-position.lua:6: boom", "traceback": traceback}},
        {"error": {"message": "03-error-position.lua:6: boom now", "traceback": traceback.replace(":8:", ":7:")}},
        {"error": {"message": "03-error-position.lua:6: boom now", "traceback": ""}},
    ]
    for change in changes:
        assert native.first_difference(name, {**good, **change}) is not None, change
    # An error object with __tostring: lua prints no traceback, whatever the host's is.
    assert native.first_difference("04-error-tostring-object", {
        "output": b"start\nfalse\ttrue\tcustom error 7\n", "stderr": b"",
        "error": {"message": "custom error 7", "traceback": "stack traceback:\n\t[C]: in ?"}}) is None
