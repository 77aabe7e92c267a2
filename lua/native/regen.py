"""The native corpus: run every case on standard Lua 5.4.8, write what it printed, compare a host.

    .venv/bin/python lua/native/regen.py                 # rewrite every NN-name.expected.json
    .venv/bin/python lua/native/regen.py 28-read-lines   # only these cases
    .venv/bin/python lua/native/regen.py --check         # compare, write nothing; exit 1 on a difference

A case is `NN-name.lua`, with an optional `NN-name.stdin` (its standard input, bytes) and an
optional `NN-name.args` (its arguments, one per line). Its expected file is what
`lua NN-name.lua ARGS < NN-name.stdin` prints with the standard `lua` program, built from the
sources the sandbox is built from (`lua/lua-5.4.8/onelua.c`, compiled with gcc into
`/tmp/lua_ref` when that file is missing). It runs in this folder, so the chunk is named
`NN-name.lua` as the sandbox names it, with `argv[0] = "lua"` (so `arg[-1]` and the error
prefix are `lua`), TZ=UTC and LC_ALL=C. The expected files are never edited by hand.

tests/test_native_corpus.py (the Python host) and e2e/test_native_corpus.py (the page's three
engines) import this file for `cases`, `read_case`, `first_difference` and `known_bug`, so a
host is compared with standard Lua one way everywhere.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

NATIVE = Path(__file__).resolve().parent
LUA_SOURCES = NATIVE.parent / "lua-5.4.8"
LUA_REF = Path(os.environ.get("WASM_COMPUTE_LUA_REF", "/tmp/lua_ref"))  # as tests/native.py
CASE_NAME = re.compile(r"\d\d-[a-z0-9-]+")
NATIVE_TIMEOUT_S = 60

# lua.c reports an error that escapes the script as `lua: <message>` on stderr, then, when its
# message handler added one, the traceback (zig/ABI.md §4 gives the two apart).
ERROR_PREFIX = "lua: "


# Cases that show a difference from lua which a host still has: the hosts it shows on
# ("python": the Sandbox; "browser", "server", "pyodide": the page's engines) and why. The tests
# mark them as expected failures, strictly, so a fix shows up and its entry must go.
KNOWN_BUGS: dict = {}


def known_bug(name: str, host: str) -> str | None:
    """Why `name` fails on `host` today, or None."""
    hosts, reason = KNOWN_BUGS.get(name, ((), ""))
    return reason if host in hosts else None


class Case(NamedTuple):
    name: str          # "28-read-lines"
    chunk_name: str    # "28-read-lines.lua", the name the host is given (ABI §2.2)
    code: bytes
    stdin: bytes
    args: list[str]


def cases() -> list[str]:
    """Every case name (`28-read-lines`), in order."""
    names = sorted(p.name[:-len(".lua")] for p in NATIVE.glob("*.lua"))
    bad = [n for n in names if not CASE_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"native corpus files not named NN-name.lua: {bad}")
    return names


def read_args(text: str) -> list[str]:
    """One argument per line; an empty line is an empty argument."""
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def read_case(name: str) -> Case:
    stdin_path, args_path = NATIVE / f"{name}.stdin", NATIVE / f"{name}.args"
    return Case(
        name=name,
        chunk_name=f"{name}.lua",
        code=(NATIVE / f"{name}.lua").read_bytes(),
        stdin=stdin_path.read_bytes() if stdin_path.exists() else b"",
        args=read_args(args_path.read_text(encoding="utf-8")) if args_path.exists() else [],
    )


def expected_path(name: str) -> Path:
    return NATIVE / f"{name}.expected.json"


def encode_bytes(b: bytes):
    """A JSON string when `b` is valid UTF-8, else `{"b": "<base64>"}` (zig/ABI.md §10)."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"b": base64.b64encode(b).decode("ascii")}


def decode_bytes(v) -> bytes:
    return base64.b64decode(v["b"]) if isinstance(v, dict) else v.encode("utf-8")


def load_expected(name: str) -> dict:
    """{"stdout": bytes, "stderr": bytes, "status": int}."""
    raw = json.loads(expected_path(name).read_text(encoding="utf-8"))
    return {"stdout": decode_bytes(raw["stdout"]), "stderr": decode_bytes(raw["stderr"]),
            "status": raw["status"]}


# ---------------------------------------------------------------- standard Lua

def lua_ref() -> Path:
    """The standard `lua` program, built from the sandbox's own Lua sources when missing."""
    if not LUA_REF.exists():
        # Built aside and moved in place, so that a run at the same time never finds half a file.
        part = LUA_REF.with_name(f"{LUA_REF.name}.{os.getpid()}.part")
        subprocess.run(["gcc", "-O2", "-o", str(part), str(LUA_SOURCES / "onelua.c"), "-lm"],
                       check=True, timeout=300)
        os.replace(part, LUA_REF)
    return LUA_REF


def run_native(case: Case) -> dict:
    """What `lua NN-name.lua ARGS < stdin` prints and its exit status."""
    proc = subprocess.run(["lua", case.chunk_name, *case.args], executable=str(lua_ref()),
                          cwd=NATIVE, input=case.stdin, capture_output=True,
                          timeout=NATIVE_TIMEOUT_S,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC", "LC_ALL": "C"})
    return {"stdout": proc.stdout, "stderr": proc.stderr, "status": proc.returncode}


def format_expected(result: dict) -> str:
    """One field per line, each as compact JSON: readable in a diff."""
    fields = [f'  "{k}": {json.dumps(encode_bytes(result[k]) if k != "status" else result[k], ensure_ascii=False)}'
              for k in ("stdout", "stderr", "status")]
    return "{\n" + ",\n".join(fields) + "\n}\n"


# ---------------------------------------------------------------- comparing a host

def _as_bytes(v) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8")


def _split_error_report(stderr: bytes, message: bytes, traceback: bytes) -> bytes | None:
    """Native stderr without lua.c's report of the error: `lua: <message>\\n`, followed by
    `<traceback>\\n` when its message handler added one (it does not for an error object
    with __tostring, nor for a syntax error). The report is found at a line start; what the
    script's finalizers write after it (lua_close runs them after the report) stays.
    None when no such report is there."""
    head = ERROR_PREFIX.encode() + message + b"\n"
    reports = ([head + traceback + b"\n"] if traceback else []) + [head]
    for report in reports:
        start = stderr.find(report)
        while start != -1:
            if start == 0 or stderr[start - 1:start] == b"\n":
                rest = stderr[start + len(report):]
                if report == head and rest.startswith(b"stack traceback:\n"):
                    break  # native has a traceback here, and the host's differs
                return stderr[:start] + rest
            start = stderr.find(report, start + 1)
    return None


def first_difference(name: str, host: dict) -> str | None:
    """Compares one host run with the expected file; None when they agree, else what differs.

    `host`: {"output", "stderr"} as bytes (text is taken as its UTF-8 bytes) and
    "error": None or {"message", "traceback"}. The host's output must be native stdout; with
    no error, its stderr is native stderr and native exited with 0; with an error, native
    exited with 1 and its stderr is the host's stderr plus `lua: ` + message (+ the host's
    traceback when native printed one)."""
    want = load_expected(name)
    output = _as_bytes(host["output"])
    stderr = _as_bytes(host["stderr"])
    want_stdout, want_stderr = want["stdout"], want["stderr"]
    error = host["error"]
    if error is None and want["status"] != 0:
        return (f"{name}: the host ran without an error, native exited with {want['status']}:\n"
                f"  native stderr: {_show(want_stderr)}")
    message = traceback = b""
    if error is not None:
        message, traceback = _as_bytes(error["message"]), _as_bytes(error.get("traceback") or b"")
        if want["status"] != 1:
            return _error_mismatch(f"{name}: the host failed, native exited with {want['status']}",
                                   message, traceback, want_stderr)
    if output != want_stdout:
        return _diff(name, "stdout", want_stdout, output)
    if error is None:
        return _diff(name, "stderr", want_stderr, stderr) if stderr != want_stderr else None
    before = _split_error_report(want_stderr, message, traceback)
    if before is None:
        return _error_mismatch(f"{name}: native stderr has no report of the host's error",
                               message, traceback, want_stderr)
    if stderr != before:
        return _diff(name, "stderr (besides the error report)", before, stderr)
    return None


def _error_mismatch(title: str, message: bytes, traceback: bytes, native_stderr: bytes) -> str:
    return (f"{title}\n"
            f"  host error:     {_show(ERROR_PREFIX.encode() + message)}\n"
            f"  host traceback: {_show(traceback)}\n"
            f"  native stderr:  {_show(native_stderr)}")


def _show(b: bytes, limit: int = 3000) -> str:
    text = json.dumps(b.decode("utf-8", "backslashreplace"), ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _diff(name: str, field: str, want: bytes, got: bytes) -> str:
    want_lines, got_lines = want.split(b"\n"), got.split(b"\n")
    line = next((i for i, (a, b) in enumerate(zip(want_lines, got_lines)) if a != b),
                min(len(want_lines), len(got_lines)))
    want_near, got_near = b"\n".join(want_lines[line:line + 3]), b"\n".join(got_lines[line:line + 3])
    return (f"{name}: {field} differs from line {line + 1}\n"
            f"  native: {_show(want_near)}\n"
            f"  host:   {_show(got_near)}\n"
            f"  whole native: {_show(want)}\n"
            f"  whole host:   {_show(got)}")


# ---------------------------------------------------------------- writing the expected files

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    args = parser.parse_args(argv)
    names = args.names or cases()
    changed = 0
    for name in names:
        text = format_expected(run_native(read_case(name)))
        path = expected_path(name)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        changed += 1
        if args.check:
            print(f"{name}: differs from {path.name}")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{name}: {'written' if old is None else 'rewritten'}")
    print(f"{len(names)} cases, {changed} {'differ' if args.check else 'written'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
