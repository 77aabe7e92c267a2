"""Where things are: the repository, its build outputs, the bench folder."""

from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
ROOT = BENCH.parent
PROGRAMS = BENCH / "programs"
BUILD = BENCH / ".build"
RESULTS = BENCH / "results"
WEB = ROOT / "web"
BENCH_WEB = BENCH / "web"
NODE_MODULES = BENCH / "node_modules"
LUA_SRC = ROOT / "lua" / "lua-5.4.8"
VENV_BIN = ROOT / ".venv" / "bin"
TRIED = BENCH / "tried.md"
