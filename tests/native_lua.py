"""The judge of "same as lua": the standard `lua` 5.4.8 program, built from the fetched
sources (lua/lua-5.4.8/onelua.c) once per machine, and a way to run a script with it the
way the sandbox runs an eval (chunk name `input`, so messages read `input:3: boom`)."""

import shutil
import subprocess
from pathlib import Path

import pytest

LUA_DIR = Path(__file__).resolve().parents[1] / "lua" / "lua-5.4.8"
NATIVE = Path("/tmp/lua_ref")


@pytest.fixture(scope="session")
def native_lua() -> Path:
    """Path of the native `lua`, built with gcc if it is missing."""
    if not NATIVE.exists():
        if shutil.which("gcc") is None:
            pytest.fail("gcc is needed to build the native reference lua (/tmp/lua_ref)")
        part = NATIVE.with_suffix(".part")
        subprocess.run(["gcc", "-O2", "-o", str(part), str(LUA_DIR / "onelua.c"), "-lm"], check=True)
        part.rename(NATIVE)
    return NATIVE


def run_native(lua: Path, code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Runs `code` as the file `input` (its chunk name) with the native lua."""
    script = tmp_path / "input"
    script.write_text(code)
    return subprocess.run([str(lua), "input"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
