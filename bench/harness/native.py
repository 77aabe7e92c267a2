"""Native Lua 5.4.8, built with gcc -O2 from the same sources as lua.wasm."""

from __future__ import annotations

import subprocess

from .paths import BUILD, LUA_SRC

LUA = BUILD / "lua"
# The whole build in one command; it is kept beside the binary so that a
# change of flags rebuilds it too.
COMMAND = ["gcc", "-O2", "-DLUA_USE_LINUX", "-o", str(LUA), str(LUA_SRC / "onelua.c"), "-lm", "-ldl"]
STAMP = BUILD / "lua.cmd"


def _sources_mtime() -> float:
    return max(p.stat().st_mtime for p in LUA_SRC.iterdir() if p.suffix in (".c", ".h"))


def ensure_built(log=print) -> str:
    """Builds bench/.build/lua when it is missing, older than a Lua source, or
    built by another command; returns its path."""
    command = " ".join(COMMAND)
    fresh = (LUA.exists() and STAMP.exists() and STAMP.read_text() == command
             and LUA.stat().st_mtime >= _sources_mtime())
    if not fresh:
        log(f"building native Lua: {command}")
        BUILD.mkdir(parents=True, exist_ok=True)
        subprocess.run(COMMAND, check=True)
        STAMP.write_text(command)
    return str(LUA)


def gcc_version() -> str:
    out = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else "gcc"
