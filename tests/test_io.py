"""The io library (zig/ABI.md §8): upstream's, over the eval's stdin, stdout and stderr.
Each script runs in the sandbox and in standard Lua (`lua f.lua < stdin`), and both must
write the same bytes to stdout and stderr and fail with the same message."""

import pytest

from wasm_compute import Sandbox

from conftest import run
from native import run_lua

# (id, script, stdin)
SAME_AS_LUA = [
    ("formats", 'print(io.read("n", "n", "l", "L", "a"))', b"12 3.5e2\nrest of line\nnext\nall the rest"),
    ("counts", "print(io.read(3, 0, 5)) print(io.read(0)) print(io.read(100)) print(io.read(0))", b"abcdefghij"),
    ("at-eof", 'print(io.read("a")) print(io.read("a")) print(io.read("l")) print(io.read("n"))'
               ' print(io.read(0)) print(io.read(1)) print(io.read("L")) print(io.read())', b""),
    ("numbers", 'for i = 1, 12 do print(io.read("n"), io.read(1)) end',
     b" 0x1F -3 .5 1e 12abc  +7 nan 0x1p4 -0x10 \n\t 42 1e+2 --5 0x"),
    ("long-number", 'print(io.read("n")) print(#io.read("a"))', b"1" * 250),
    ("old-formats", 'print(io.read("*n", "*l", "*L", "*a"))', b"7 seven\nline\nrest"),
    ("lines", 'for l in io.lines() do io.write("[", l, "]") end print() print(io.read())',
     b"a\r\nb\n\nlast"),
    ("lines-formats", 'for a, b in io.lines(nil, 1, "l") do print(a, b) end', b"xyz\nabc\nq"),
    ("lines-after-eof", "local it = io.lines() print(it()) print(it()) print(it())", b"x"),
    ("stdin-lines-n", 'for n in io.stdin:lines("n") do print(n, math.type(n)) end print(io.read("a"))',
     b"1 2.0 3 0x10 x"),
    ("binary-stdin", 'local s = io.read("a") print(#s, s:byte(1, -1))', b"\x00\xff\r\n\x1a"),
    ("long-line", 'local l = io.read("l") print(#l, l:sub(-3)) print(#io.read("L"))',
     b"x" * 5000 + b"end\n" + b"y" * 3000 + b"\n"),
    ("setvbuf-full-with-print", 'io.stdout:setvbuf("full") io.write("a") print("b") io.write("c", 1, 2.5, "\\n")'
     ' io.stdout:setvbuf("no") io.write("d") print("e") io.stdout:setvbuf("line") io.write("f\\ng") print("h")'
     ' io.write("unflushed at the end")', b""),
    ("stderr", 'io.stderr:write("err1\\n") io.stderr:setvbuf("full") io.stderr:write("err2 ") warn("@on")'
     ' warn("w") io.stderr:write("err3\\n") print(io.stderr:write("x") == io.stderr)', b""),
    ("type", "print(io.type(io.stdin), io.type(io.stdout), io.type(io.stderr), io.type(42), io.type({}),"
     " io.type(nil))", b""),
    ("close-standard-files", 'print(io.close()) print(io.stdout:close()) print(io.stdin:close())'
     ' print(io.stderr:close()) print(pcall(io.close, 42)) io.write("still open\\n") print(io.read())', b"in\n"),
    ("chaining", 'print(io.write("a"):write("b") == io.stdout) print(io.output():write("c") == io.output())'
     " print(io.output() == io.stdout, io.input() == io.stdin)", b""),
    ("output-to-stderr", 'io.output(io.stderr) io.write("to stderr\\n") print("print still goes to stdout")'
     ' io.output(io.stdout) io.write("back\\n") print(io.output() == io.stdout)', b""),
    ("input-from-stdout", "io.input(io.stdout) print(io.read()) io.input(io.stdin) print(io.read())", b"line\n"),
    ("seek", 'print(io.stdin:seek("cur")) print(io.read(2)) print(io.stdin:seek()) print(io.stdin:seek("set", 1))'
     ' print(io.read("a")) print(io.stdin:seek("end", -2)) print(io.read("a")) print(io.stdin:seek("set", -1))'
     ' print(io.stdin:seek("end", 10)) print(io.read(1)) print(io.stdout:seek()) print(io.stderr:seek("set"))',
     b"abcdef"),
    # (How far past its end a file can seek depends on the file system: not compared.)
    ("seek-overflow", 'io.read(1) print(io.stdin:seek("cur", math.maxinteger))'
     ' print(io.stdin:seek("cur", math.mininteger)) print(io.read(1)) print(io.stdin:seek("end", 1))', b"abc"),
    ("wrong-way", 'print(io.stdout:read()) print(io.stdin:write("x")) print(io.stderr:read("a"))'
     ' print(io.stdin:read("a"))', b"ok"),
    ("flush", 'io.write("a") print(io.flush()) print(io.stdout:flush()) print(io.stderr:flush())'
     ' print(io.stdin:flush())', b""),
    ("write-numbers", "io.write(1, ' ', 1.0, ' ', -0.0, ' ', 1e100, ' ', math.mininteger, ' ', 2^63, ' ', 0/0 ~= 0/0,"
     " '\\n')", b""),
    ("setvbuf-results", 'print(io.stdout:setvbuf("no")) print(io.stdout:setvbuf("full", 1024))'
     ' print(io.stdin:setvbuf("line"))', b""),
    ("bad-format", 'print(pcall(io.read, "x")) print(pcall(io.read, {})) print(pcall(io.lines(nil, "q")))'
     ' print(pcall(io.write, {})) print(pcall(io.stdout.write, 42)) print(pcall(io.stdin.seek, io.stdin, "x"))'
     ' print(pcall(io.stdout.setvbuf, io.stdout, "big"))', b""),
    ("lines-error", 'for n in io.lines(nil, "n") do print(n) end', b"1 2 x"),
    ("error-after-buffered-write", 'io.stdout:setvbuf("full") io.write("partial") error("boom")', b""),
    ("too-many-formats", "print(select('#', io.read(" + ", ".join(["1"] * 300) + ")))", b"abc"),
]


def native_stderr_without_error(stderr: bytes, message: str | None) -> bytes:
    """What standard Lua wrote to stderr before the error it reported, if it reported one."""
    if message is None:
        return stderr
    at = stderr.index(("lua: " + message).encode())
    return stderr[:at]


@pytest.mark.parametrize("script, stdin", [pytest.param(s, i, id=n) for n, s, i in SAME_AS_LUA])
def test_io_writes_what_lua_writes(sb, tmp_path, script, stdin):
    r = sb.eval(script, stdin=stdin, name="f.lua")
    native = run_lua(tmp_path, script, stdin=stdin)
    message = r.error.message if r.error is not None else None
    assert (native.returncode != 0) == (message is not None), native.stderr
    assert r.output_bytes == native.stdout
    assert r.stderr_bytes == native_stderr_without_error(native.stderr, message)


def test_each_eval_starts_with_its_own_stdin_and_the_files_as_lua_starts(sb):
    run(sb, 'io.read(2) io.stdout:setvbuf("no") io.stderr:setvbuf("full") io.output(io.stderr) io.input(io.stdout)',
        stdin="abcdef")
    r = run(sb, 'return io.read("a"), io.output() == io.stdout, io.input() == io.stdin', stdin="second")
    assert r.values == ["second", True, True]
    r = run(sb, 'return io.read("a"), io.read("a"), io.read("l")')
    assert r.values == ["", "", None]


def test_a_changed_io_library_and_file_metatable_do_not_outlive_the_eval(sb):
    run(sb, """
        local mt = getmetatable(io.stdout)
        mt.__index.write = function() error('replaced') end
        mt.__index.extra = 1
        mt.__tostring = nil
        mt.__name = 'changed'
        io.write = nil
        io.stdout = 'not a file'
    """)
    r = run(sb, "io.stdout:write('a') io.write('b') return io.type(io.stdout), getmetatable(io.stdout).__index.extra,"
                " tostring(io.stdout):match('^file %(') ~= nil, getmetatable(io.stdout).__name")
    assert r.output == "ab"
    assert r.values == ["file", None, True, "FILE*"]


def test_file_names_are_refused_and_files_cannot_be_opened(sb):
    r = run(sb, """
        for _, f in ipairs{io.lines, io.input, io.output} do print(pcall(f, 'f.txt')) end
        print(io.open, io.popen, io.tmpfile)
        io.write('still writing')
    """)
    refusal = "false\tcannot open file 'f.txt' (Operation not permitted)\n"
    assert r.output == refusal * 3 + "nil\tnil\tnil\nstill writing"


def test_stdout_keeps_print_and_io_write_in_order_up_to_the_limit():
    with Sandbox(output_bytes_max=18) as small:
        r = run(small, 'io.stdout:setvbuf("full") for i = 1, 5 do io.write(i, "-") print(i) end io.stderr:write("e")')
        assert r.output == "1-1\n2-2\n3-3\n4-4\n5-\n[output truncated: more than 18 bytes]\n"
        assert r.stderr == "e"


def test_kept_globals_keep_io_state_but_stdin_is_per_eval(sb):
    run(sb, "io.output(io.stderr) first = io.read('l')", stdin="one\ntwo\n", keep_globals=True)
    r = run(sb, "io.write('where?') return first, io.read('a')", stdin="three")
    assert (r.output, r.stderr, r.values) == ("", "where?", ["one", "three"])
    assert run(sb, "io.write('back')").output == "back"
