"""The request record (zig/ABI.md §2.2): its checks in the module, and what Sandbox.eval
makes of name, args, stdin and keep_globals, compared with standard Lua where Lua has a say."""

import struct

import pytest

from wasm_compute import CodeTooLarge, Sandbox
from wasm_compute import _abi

from conftest import run
from native import run_lua

U32 = struct.Struct("<I")


def field(data: bytes) -> bytes:
    return U32.pack(len(data)) + data


def record(code=b"return 1", *, flags=0, name=b"", stdin=b"", args=(), modules=()) -> bytes:
    return (U32.pack(flags) + field(name) + field(code) + field(stdin) + U32.pack(len(args)) + b"".join(map(field, args))
            + U32.pack(len(modules)) + b"".join(field(n) + field(s) for n, s in modules))


@pytest.fixture
def tight():
    with Sandbox(code_bytes_max=16, input_bytes_max=8) as sb:
        yield sb


def raw(sb, request: bytes):
    status, data = sb._engine.compute(request)
    return _abi.parse_record(status, data)


@pytest.mark.parametrize("request_bytes, message", [
    (b"", "the request record is malformed: its flags runs past its end"),
    (U32.pack(0) + U32.pack(5) + b"f.lu", "the request record is malformed: its name runs past its end"),
    (U32.pack(0) + field(b"") + U32.pack(9) + b"return", "the request record is malformed: its code runs past its end"),
    (U32.pack(0) + field(b"") + field(b"return 1") + U32.pack(1), "the request record is malformed: its stdin runs past its end"),
    (U32.pack(0) + field(b"") + field(b"return 1") + field(b""), "the request record is malformed: its argument count runs past its end"),
    (U32.pack(0) + field(b"") + field(b"return 1") + field(b"") + U32.pack(2) + field(b"a"),
     "the request record is malformed: its arguments runs past its end"),
    (U32.pack(0) + field(b"") + field(b"return 1") + field(b"") + U32.pack(0xFFFFFFFF),
     "the request record is malformed: its arguments runs past its end"),
    (U32.pack(0) + field(b"") + field(b"return 1") + field(b"") + U32.pack(0),
     "the request record is malformed: its module count runs past its end"),
    (U32.pack(0) + field(b"") + field(b"return 1") + field(b"") + U32.pack(0) + U32.pack(1) + field(b"m"),
     "the request record is malformed: its modules runs past its end"),
    (record(modules=[(b"", b"return 1")]), "the request record is malformed: a module name is empty or holds a NUL byte"),
    (record(modules=[(b"a\0b", b"return 1")]), "the request record is malformed: a module name is empty or holds a NUL byte"),
    (record() + b"xyz", "the request record is malformed: 3 bytes are left over after the modules"),
    (record(b"return 1", modules=[(b"m", b"return 'x'")]), "the code and its modules are 18 bytes; the limit is 16"),
    (record(flags=6), "the request record is malformed: unknown flags 0x6"),
    (record(b"return 'seventeen'"), "the code is 18 bytes; the limit is 16"),
    (record(stdin=b"123456789"), "the input is 9 bytes; the limit is 8"),
])
def test_the_module_refuses_a_bad_record_saying_why(tight, request_bytes, message):
    r = raw(tight, request_bytes)
    assert (r.status, r.message.decode(), r.output, r.stderr, r.values) == (-2, message, b"", b"", [])
    assert raw(tight, record(b"return 1 + 1")).values == [2]


def test_the_module_refuses_a_record_outside_its_buffer(tight):
    engine = tight._engine
    status = engine._compute(engine._store, engine._buffer + engine.buffer_size - 2, 4)
    assert status == -2
    header = engine._read(engine._buffer, 8)
    ptr, length = struct.unpack("<II", header)
    r = _abi.parse_record(status, engine._read(ptr, length))
    assert r.message == b"the request record is outside the buffer"


def test_the_buffer_holds_the_largest_request_the_limits_allow(tight):
    assert tight._engine.buffer_size == 16 + 8 + 64 * 1024
    r = raw(tight, record(b"return ..., #arg", stdin=b"8 bytes!", name=b"n" * 30000, args=(b"a" * 30000,)))
    assert r.status == 0 and r.values == [b"a" * 30000, 1]


def test_the_host_refuses_oversized_code_input_and_request_before_the_module(tight):
    r = tight.eval("return 'seventeen'")
    assert isinstance(r.error, CodeTooLarge) and r.error.message == "the code is 18 bytes; the limit is 16"
    r = tight.eval("return 1", stdin="123456789")
    assert r.error.code == -2 and r.error.message == "the input is 9 bytes; the limit is 8"
    r = tight.eval("return 1", args=["x" * 70000])
    assert r.error.code == -2 and r.error.message.startswith("the request is 70036 bytes; the buffer holds 65560")
    assert tight.eval("return 1").values == [1]


@pytest.mark.parametrize("kwargs, error", [
    ({"stdin": 5}, TypeError),
    ({"args": "a b"}, TypeError),
    ({"args": ["a", 1]}, TypeError),
    ({"args": 3}, TypeError),
    ({"name": ["f"]}, TypeError),
    ({"name": "f\0g"}, ValueError),
    ({"keep_globals": 1}, TypeError),
])
def test_eval_refuses_arguments_of_the_wrong_type(sb, kwargs, error):
    with pytest.raises(error):
        sb.eval("return 1", **kwargs)


def test_stdin_args_and_name_accept_str_and_bytes(sb):
    r = run(sb, "return arg[0], ...", args=(b"\xff", "é"), name=b"b.lua", stdin=b"\x00")
    assert r.raw_values == [b"b.lua", b"\xff", "é".encode()]


def test_the_chunk_is_named_as_lua_names_a_file(sb, tmp_path):
    code = "local x = 1\nerror('boom')\n"
    r = sb.eval(code, name="f.lua")
    assert r.error.message == "f.lua:2: boom"
    assert "f.lua:2: in main chunk" in r.error.traceback
    native = run_lua(tmp_path, code)
    assert native.stderr.decode().splitlines()[0] == "lua: " + r.error.message
    assert sb.eval(code).error.message == "input:2: boom"
    assert sb.eval("x = = 1", name="s.lua").error.message == "s.lua:1: unexpected symbol near '='"


def test_arg_and_varargs_are_what_lua_gives_a_script(sb, tmp_path):
    code = ("print(select('#', ...), ...)\n"
            "for i = -1, #arg do io.write(i, '=', tostring(arg[i]), ' ') end print()\n"
            "print(arg[-2], arg[#arg + 1])\n")
    args = ["a", "", "b c", "-x"]
    r = run(sb, code, name="f.lua", args=args)
    assert r.output_bytes == run_lua(tmp_path, code, args=args).stdout
    r = run(sb, code)
    assert r.output == "0\n-1=lua 0=input \nnil\tnil\n"


def test_a_first_line_starting_with_hash_is_skipped_as_lua_skips_it(sb, tmp_path):
    for code in ("#!/usr/bin/env lua\nprint('ran')\nerror('x')\n", "\ufeff#!lua\nprint('ran')\nerror('x')\n",
                 "\ufeffprint('ran')\nerror('x')\n", "# no newline"):
        r = sb.eval(code, name="f.lua")
        native = run_lua(tmp_path, code)
        assert r.output_bytes == native.stdout
        if r.error is not None:
            assert native.stderr.decode().splitlines()[0] == "lua: " + r.error.message


def test_keep_globals_keeps_one_evals_globals_for_the_next(sb):
    run(sb, "x = 1 string.extra = 'kept' function f() return x + 1 end", keep_globals=True)
    assert run(sb, "x = x + 1 return x, f(), string.extra", keep_globals=True).values == [2, 3, "kept"]
    # An eval without the flag still sees them, and the restore after it removes them.
    assert run(sb, "return x, string.extra").values == [2, "kept"]
    assert run(sb, "return x, f, string.extra").values == [None, None, None]


def test_keep_globals_keeps_the_warning_state_but_not_the_budget(sb):
    run(sb, "warn('@on')", keep_globals=True)
    assert run(sb, "warn('kept on')").stderr == "Lua warning: kept on\n"
    assert run(sb, "warn('off again')").stderr == ""
    small = Sandbox(instructions_max=100_000)
    for _ in range(3):
        r = small.eval("for i = 1, 20000 do end", keep_globals=True)
        assert r.error is None, r.error


RETIRED = "this _home table belongs to an earlier eval"


@pytest.mark.parametrize("use", [
    "return old.a", "old.a = 2", "return #old", "for k in pairs(old) do end", "return next(old)",
    "return rawget(old, 'a')", "rawset(old, 'a', 1)", "return rawlen(old)", "return ext_table.id(old)",
    "return ext_table.get(old, 'a')", "ext_table.set(old, 'a', 1)", "ext_table.delete(old, 'a')",
    "return ext_table.size(old)", "return ext_table.keys(old)", "_home.copy = old", "return old",
    "return fresh.x", "return sub.x", "for k in pairs(sub) do end",
])
def test_a_kept_proxy_of_an_earlier_eval_raises_on_every_use(sb, use):
    run(sb, "_home.t = {a = 1, sub = {x = 1}} _home.n = 1")
    run(sb, "old = _home.t sub = old.sub fresh = ext_table.new() fresh.x = 1 home = _home", keep_globals=True)
    r = sb.eval(use, keep_globals=True)
    assert r.error is not None and r.error.message.endswith(RETIRED), r.error
    # The proxies of the current eval work; `_home` is a new proxy every eval.
    assert run(sb, "return _home.t.a, _home.t.sub.x, rawequal(home, _home)").values == [1, 1, False]
    assert dict(sb.home)["t"] == {"a": 1, "sub": {"x": 1}}


def test_a_result_record_cut_short_or_with_bytes_left_over_is_malformed():
    with Sandbox() as sb:
        status, data = sb._engine.compute(record(b"print('hi') return 1, 'two', {3}, nil"))
    r = _abi.parse_record(status, data)
    assert (r.output, r.values[:2], r.values[3]) == (b"hi\n", [1, b"two"], None)
    for end in range(len(data)):
        with pytest.raises(_abi.MalformedError, match="record ends early"):
            _abi.parse_record(status, data[:end])
    with pytest.raises(_abi.MalformedError, match="trailing bytes"):
        _abi.parse_record(status, data + b"\0")


def test_a_result_record_whose_values_do_not_fill_their_bytes_is_malformed():
    with Sandbox() as sb:
        status, data = sb._engine.compute(record(b"return 1, 'two'"))
    head = struct.Struct("<IIIIII")
    n_output, n_stderr, count, n_values, n_message, n_traceback = head.unpack_from(data)
    assert count == 2
    # One value fewer than the bytes hold; one more than they hold.
    for fewer_or_more in (1, 3):
        bad = head.pack(n_output, n_stderr, fewer_or_more, n_values, n_message, n_traceback) + data[head.size:]
        with pytest.raises(_abi.MalformedError, match="trailing bytes after the values" if fewer_or_more == 1
                           else "record ends early"):
            _abi.parse_record(status, bad)


def test_an_eval_with_every_default_sends_the_record_the_long_form_makes():
    assert _abi.encode_request(b"return 1") == _abi.encode_plain(b"return 1") == record(b"return 1")
    assert _abi.encode_request(b"x", keep_globals=True) == record(b"x", flags=1)
    assert _abi.encode_request(b"x", name=b"n", args=[b"a"]) == record(b"x", name=b"n", args=[b"a"])
