"""The `wasm-compute` command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from native import run_lua

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "lua" / "examples"


def cli(*args, stdin=None, cwd=None, text=True):
    # The package of this checkout, wherever the command runs.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    return subprocess.run([sys.executable, "-m", "wasm_compute.cli", *args], input=stdin, cwd=cwd, env=env,
                          capture_output=True, text=text, timeout=60)


def test_run_prints_output():
    r = cli("run", str(EXAMPLES / "hello.lua"))
    assert (r.returncode, r.stdout, r.stderr) == (0, "hello\n", "")


def test_run_prints_return_values_only_when_asked(tmp_path):
    script = tmp_path / "v.lua"
    script.write_text("print('out') return 1, 2.0, 'x', nil, {1, 2, {a = true}}, 0/0 ~= 0/0")
    assert cli("run", str(script)).stdout == "out\n"
    r = cli("run", "--values", str(script))
    assert r.stdout == "out\n1\n2.0\nx\nnil\n{1, 2, {a = true}}\ntrue\n"


def test_run_error_goes_to_stderr_as_lua_reports_it_with_nonzero_exit(tmp_path):
    code = "print('before')\nio.stderr:write('own\\n')\nerror('bad thing')\n"
    (tmp_path / "e.lua").write_text(code)
    r = cli("run", "e.lua", cwd=tmp_path)
    native = run_lua(tmp_path, code, name="e.lua")
    assert (r.returncode, native.returncode) == (1, 1)
    assert r.stdout == native.stdout.decode() == "before\n"
    assert r.stderr.startswith("own\nwasm-compute: e.lua:3: bad thing\nstack traceback:")
    assert r.stderr.replace("wasm-compute: ", "lua: ") == native.stderr.decode()


def test_run_gives_the_script_its_name_arguments_and_stdin(tmp_path):
    (tmp_path / "f.lua").write_text('print(io.read("n") * 2, ..., arg[0])\nprint(select("#", ...), arg[3])\n')
    r = cli("run", "f.lua", "x", "y", "--home", "-z", stdin="21\n", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "42\tx\tf.lua\n4\t--home\n", "")


@pytest.mark.parametrize("code, stdin", [
    ("for l in io.lines() do io.write(#l, ' ') end print(arg[0], ...)", b"a\nbb\n\nccc"),
    ("io.stdout:setvbuf('full') io.write(io.read('a'):upper()) io.stderr:write('done\\n') os.exit = nil", b"\xff\x00x"),
    ("warn('@on') warn('careful') print(#arg, arg[-1])", b""),
])
def test_run_writes_what_lua_writes(tmp_path, code, stdin):
    (tmp_path / "s.lua").write_text(code)
    r = cli("run", "s.lua", "a b", "", stdin=stdin, cwd=tmp_path, text=False)
    native = run_lua(tmp_path, code, name="s.lua", args=["a b", ""], stdin=stdin)
    assert (r.returncode, r.stdout, r.stderr) == (native.returncode, native.stdout, native.stderr)


def test_run_missing_file_is_a_clear_error(tmp_path):
    r = cli("run", str(tmp_path / "nope.lua"))
    assert r.returncode == 2
    assert "cannot read" in r.stderr and "nope.lua" in r.stderr


def test_run_takes_a_file_and_an_input_larger_than_the_default_limits(tmp_path):
    (tmp_path / "big.lua").write_text("local s = io.read('a') print(#s, s:sub(-3))\n--" + "x" * (1 << 21))
    r = cli("run", "big.lua", stdin="y" * (3 << 20) + "end", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{(3 << 20) + 3}\tend\n", "")


def test_repl_keeps_globals_between_lines_as_lua_does():
    r = cli("repl", stdin="x = 1\nprint(x)\nlocal y = 2\nreturn y\nfunction f() return x + 1 end\nf()\nerror('e')\nx\n")
    assert r.returncode == 0
    # After the banner: the prompts ("> "), then what each line printed or returned.
    assert r.stdout.split("\n", 1)[1].replace("> ", "") == "1\nnil\n2\n1\n\n"
    assert "stdin:1: e\nstack traceback:\n\t[C]: in function 'error'\n\tstdin:1: in main chunk" in r.stderr


def test_repl_evaluates_expressions_and_keeps_home(tmp_path):
    db = tmp_path / "h.db"
    r = cli("repl", "--home", str(db), stdin="1 + 1\n_home.x = 'kept'\nfor i = 1, 2 do\nprint(i)\nend\n_home.x\n")
    assert r.returncode == 0
    assert "2\n" in r.stdout and "1\n2\n" in r.stdout and "kept\n" in r.stdout
    assert cli("repl", "--home", str(db), stdin="_home.x\n").stdout.count("kept") == 1
