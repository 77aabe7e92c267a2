"""Standard Lua 5.4.8, the judge of "the same as lua": built from the fetched sources
(`gcc -O2 -o /tmp/lua_ref lua/lua-5.4.8/onelua.c -lm`) when it is missing, and run on a
script the way the tests run the sandbox on it."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LUA_REF = Path(os.environ.get("WASM_COMPUTE_LUA_REF", "/tmp/lua_ref"))


def lua_ref() -> Path:
    """The native `lua`, built once if missing (gcc is part of the test machine)."""
    if not LUA_REF.exists():
        tmp = LUA_REF.with_name(LUA_REF.name + f".{os.getpid()}.part")
        subprocess.run(["gcc", "-O2", "-o", str(tmp), str(ROOT / "lua" / "lua-5.4.8" / "onelua.c"), "-lm"],
                       check=True, timeout=300)
        os.replace(tmp, LUA_REF)
    return LUA_REF


@dataclass(frozen=True)
class Run:
    stdout: bytes
    stderr: bytes
    returncode: int


def run_lua(directory: Path, code: str | bytes, *, name: str = "f.lua", args=(), stdin: bytes = b"") -> Run:
    """`lua NAME ARGS... < STDIN` in `directory`, with the script written to NAME there and
    standard input read from a file (the sandbox's stdin can seek, as a file can); standard
    output and standard error are pipes (the captured streams cannot)."""
    data = code.encode("utf-8") if isinstance(code, str) else code
    (directory / name).write_bytes(data)
    stdin_path = directory / (name + ".stdin")
    stdin_path.write_bytes(stdin)
    with open(stdin_path, "rb") as stdin_file:
        # argv[0] is "lua", as when `lua` is found on the PATH: its messages start with "lua: ".
        proc = subprocess.run(["lua", name, *args], executable=str(lua_ref()), cwd=directory, stdin=stdin_file,
                              capture_output=True, timeout=60, env={**os.environ, "LC_ALL": "C"})
    return Run(proc.stdout, proc.stderr, proc.returncode)
