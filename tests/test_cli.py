"""The `wasm-compute` command."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "lua" / "examples"


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "wasm_compute.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_run_prints_output():
    r = cli("run", str(EXAMPLES / "hello.lua"))
    assert (r.returncode, r.stdout, r.stderr) == (0, "hello\n", "")


def test_run_prints_return_values_one_per_line(tmp_path):
    script = tmp_path / "v.lua"
    script.write_text("print('out') return 1, 2.0, 'x', nil, {1, 2, {a = true}}, 0/0 ~= 0/0")
    r = cli("run", str(script))
    assert r.stdout == "out\n1\n2.0\nx\nnil\n{1, 2, {a = true}}\ntrue\n"


def test_run_error_goes_to_stderr_with_nonzero_exit(tmp_path):
    script = tmp_path / "e.lua"
    script.write_text("print('before')\nerror('bad thing')\n")
    r = cli("run", str(script))
    assert r.returncode == 1
    assert r.stdout == "before\n"
    assert r.stderr.startswith("input:2: bad thing\nstack traceback:")


def test_run_missing_file_is_a_clear_error(tmp_path):
    r = cli("run", str(tmp_path / "nope.lua"))
    assert r.returncode == 2
    assert "cannot read" in r.stderr and "nope.lua" in r.stderr


def test_repl_evaluates_expressions_and_keeps_home(tmp_path):
    db = tmp_path / "h.db"
    r = cli("repl", "--home", str(db), stdin="1 + 1\n_home.x = 'kept'\nfor i = 1, 2 do\nprint(i)\nend\n_home.x\n")
    assert r.returncode == 0
    assert "2\n" in r.stdout and "1\n2\n" in r.stdout and "kept\n" in r.stdout
    assert cli("repl", "--home", str(db), stdin="_home.x\n").stdout.count("kept") == 1
