"""Host functions (zig/ABI.md §11) on the Python host: registration, values both ways,
errors at the call, the limits around a call, and the pristine environment."""

import asyncio
import math
import struct
import threading
import time

import pytest

from wasm_compute import (InstructionLimitExceeded, LuaRuntimeError, MemoryLimitExceeded, Sandbox,
                          TimeoutExceeded)

from conftest import run


def echo(*args):
    return args


@pytest.fixture
def host():
    calls = []

    def record(*args):
        calls.append(args)
        return len(args)

    # `echo` answers what the test sets in `sb.reply`, its arguments by default.
    with Sandbox(functions={"echo": lambda *a: sb.reply(*a), "record": record, "log.info": record,
                            "deep.a.b": lambda: "deep", "string.shout": lambda s: s.upper() + "!"}) as sb:
        sb.calls = calls
        sb.reply = echo
        yield sb


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# ---------------------------------------------------------------- values, Python to Lua


def test_python_values_reach_lua_with_their_types(host):
    host.reply = lambda: (None, True, False, 2**63 - 1, -2**63, 0, -0.0, math.inf, -math.inf,
                                        math.nan, 1.5, "héllo", b"a\0b\xff", [], [1, [2, [3]]], {"k": {"n": 1}})
    r = run(host, """
        local n, t, f, big, small, zero, negzero, inf, ninf, nan, x, s, b, empty, nested, map = echo()
        assert(select('#', echo()) == 16)
        assert(n == nil and t == true and f == false)
        assert(big == math.maxinteger and small == math.mininteger and math.type(zero) == 'integer')
        assert(math.type(negzero) == 'float' and 1 / negzero == -math.huge)
        assert(inf == math.huge and ninf == -math.huge and nan ~= nan and x == 1.5)
        assert(s == 'h\\u{e9}llo' and #s == 6)
        assert(b == 'a\\0b\\255' and #b == 4)
        assert(type(empty) == 'table' and next(empty) == nil)
        assert(nested[1] == 1 and nested[2][1] == 2 and nested[2][2][1] == 3 and #nested == 2)
        assert(map.k.n == 1 and math.type(map.k.n) == 'integer')
        return 'ok'
    """)
    assert r.values == ["ok"]


def test_dict_keys_of_every_kind_become_lua_keys(host):
    host.reply = lambda: {1: "int", 2.0: "float-int", 2.5: "float", "s": "str", b"\xff": "bytes",
                                        True: "bool"}
    r = run(host, """
        local t = echo()
        local two
        for k in pairs(t) do if k == 2 then two = math.type(k) end end
        return t[1], t[2], two, t[2.5], t.s, t['\\255'], t[true]
    """)
    # True and 1 are one key in a Python dict; 2.0 becomes the integer key 2, as in Lua.
    assert r.values == ["bool", "float-int", "integer", "float", "str", "bytes", None]


@pytest.mark.parametrize("value, message", [
    (2**63, "echo: OverflowError: the integer 9223372036854775808 does not fit in 64 bits (the result)"),
    (-2**63 - 1, "echo: OverflowError: the integer -9223372036854775809 does not fit in 64 bits (the result)"),
    ({1, 2}, "echo: TypeError: cannot pass a set to Lua (the result)"),
    ([object], "echo: TypeError: cannot pass a type to Lua (the result)"),
    ({None: 1}, "echo: TypeError: None cannot be a Lua table key (the result)"),
    ({math.nan: 1}, "echo: ValueError: nan cannot be a Lua table key (the result)"),
    ((1, {2j}), "echo: TypeError: cannot pass a set to Lua (result 2)"),
])
def test_a_value_lua_cannot_hold_is_an_error_naming_the_function(host, value, message):
    host.reply = lambda: value
    r = host.eval("local ok, e = pcall(echo) return ok, e")
    assert r.values == [False, message]


def test_a_cycle_or_deep_nesting_returned_is_an_error(host):
    cyclic = [1]
    cyclic.append(cyclic)
    deep = []
    for _ in range(101):
        deep = [deep]
    for value, message in ((cyclic, "echo: ValueError: a list that contains itself cannot pass to Lua (the result)"),
                           (deep, "echo: ValueError: tables nested deeper than 100 cannot pass to Lua (the result)")):
        host.reply = lambda v=value: v
        assert host.eval("return pcall(echo)").values == [False, message]
    shared = [1]
    host.reply = lambda: [shared, shared]
    assert run(host, "local t = echo() return t[1][1] + t[2][1]").values == [2]


# ---------------------------------------------------------------- values, Lua to Python


def test_lua_values_reach_python_as_results_do(host):
    run(host, """
        record(nil, true, false, math.maxinteger, math.mininteger, -0.0, 1/0, -1/0, 0/0, 2^53,
               'héllo', 'a\\0b', '\\255\\254', {}, {1, 2, {3}}, {x = {y = 'z'}, [10] = 1})
    """)
    (args,) = host.calls
    assert args[:5] == (None, True, False, 2**63 - 1, -2**63)
    assert bits(args[5]) == bits(-0.0) and args[6] == math.inf and args[7] == -math.inf and math.isnan(args[8])
    assert type(args[9]) is float and args[9] == 2.0**53
    assert args[10:13] == ("héllo", "a\0b", b"\xff\xfe")
    assert args[13:] == ({}, [1, 2, [3]], {"x": {"y": "z"}, 10: 1})


def test_trailing_nils_are_arguments_and_results_count(host):
    r = run(host, "return record(1, nil, nil), select('#', echo(nil, nil)), select('#', echo())")
    assert host.calls == [(1, None, None)]
    assert r.values == [3, 2, 0]


def test_none_is_one_nil_and_the_empty_tuple_no_value(host):
    host.reply = lambda *a: None if a else ()
    assert run(host, "return select('#', echo(1)), select('#', echo())").values == [1, 0]


def test_home_tables_are_read_through(host):
    run(host, "_home.cfg = {a = 1, list = {'x', 'y'}}")
    run(host, "record(_home.cfg, _home)")
    assert host.calls[-1] == ({"a": 1, "list": ["x", "y"]}, {"cfg": {"a": 1, "list": ["x", "y"]}})


@pytest.mark.parametrize("code, message", [
    ("record(1, print)", "input:1: bad argument #2 to 'record' (cannot pass a function to the host)"),
    ("record(coroutine.create(print))", "input:1: bad argument #1 to 'record' (cannot pass a thread to the host)"),
    ("record(io.stdout)", "input:1: bad argument #1 to 'record' (cannot pass a userdata to the host)"),
    ("record({f = {g = print}})", "input:1: bad argument #1 to 'record' (cannot pass a function to the host)"),
    ("record({[{}] = 1})", "input:1: bad argument #1 to 'record' (cannot pass a table as a key to the host)"),
    ("local t = {} t[1] = {t} record(1, 2, t)",
     "input:1: bad argument #3 to 'record' (cannot pass a table that contains itself to the host)"),
    ("local t = {} for i = 1, 100 do t = {t} end record(t)",
     "input:1: bad argument #1 to 'record' (cannot pass tables nested deeper than 100 to the host)"),
    ("\nlog.info(print)", "input:2: bad argument #1 to 'log.info' (cannot pass a function to the host)"),
])
def test_the_module_refuses_arguments_before_the_call(host, code, message):
    r = host.eval(code)
    assert isinstance(r.error, LuaRuntimeError) and r.error.message == message
    assert host.calls == []
    # 100 levels of tables cross; the 101st is refused (above).
    assert run(host, "local t = {} for i = 1, 99 do t = {t} end return record(t, {1, {2}})").values == [2]


# ---------------------------------------------------------------- errors


def test_an_exception_is_a_lua_error_at_the_call():
    def price(sku):
        raise ValueError(f"no such sku: {sku}")

    with Sandbox(functions={"price": price, "bare": lambda: exec("raise KeyError")}) as sb:
        r = sb.eval("local x = 1\nlocal p = price('abc')\nreturn p")
        assert r.error.message == "input:2: price: ValueError: no such sku: abc"
        assert "input:2: in main chunk" in r.error.traceback
        assert "Traceback" not in r.error.message
        r = run(sb, "local ok, e = pcall(function() return price('x') end) return ok, e, bare ~= nil")
        assert r.values == [False, "input:1: price: ValueError: no such sku: x", True]
        assert sb.eval("bare()").error.message == "input:1: bare: KeyError"
        assert run(sb, "return 1 + 1").values == [2]


def test_an_exception_every_tenth_call_of_ten_thousand():
    count = [0]

    def flaky(i):
        count[0] += 1
        if i % 10 == 0:
            raise RuntimeError(f"call {i}")
        return i * 2

    with Sandbox(functions={"flaky": flaky}) as sb:
        r = run(sb, """
            local sum, failures, last = 0, 0
            for i = 1, 10000 do
              local ok, v = pcall(flaky, i)
              if ok then sum = sum + v else failures = failures + 1 last = v end
            end
            return sum, failures, last
        """)
        expected = sum(2 * i for i in range(1, 10001) if i % 10)
        assert r.values == [expected, 1000, "flaky: RuntimeError: call 10000"]
        assert count[0] == 10000


def test_a_host_function_cannot_use_its_own_sandbox():
    box = {}
    with Sandbox(functions={"inner": lambda: box["sb"].eval("return 1")}) as sb:
        box["sb"] = sb
        r = sb.eval("return pcall(inner)")
        assert r.values == [False, "inner: RuntimeError: a host function cannot use the Sandbox that called it"]


# ---------------------------------------------------------------- registration and the pristine environment


def test_dotted_names_and_library_fields(host):
    r = run(host, "return log.info(1, 2), deep.a.b(), ('hi'):shout(), string.shout('a')")
    assert r.values == [2, "deep", "HI!", "A!"]


def test_a_script_replaces_or_removes_a_host_function_for_its_eval_only(host):
    r = run(host, """
        echo = function() return 'mine' end
        log.info = nil
        deep.a = nil
        string.shout = nil
        record = nil
        return echo(), log.info, deep.a, string.shout
    """)
    assert r.values == ["mine", None, None, None]
    r = run(host, "return echo('back'), log.info(1), deep.a.b(), ('x'):shout(), record()")
    assert r.values == ["back", 1, "deep", "X!", 0]
    run(host, "log = nil deep = 5")
    assert run(host, "return log.info(), deep.a.b()").values == [0, "deep"]


@pytest.mark.parametrize("functions, error", [
    ({"": echo}, ValueError), ({"a.": echo}, ValueError), ({"1x": echo}, ValueError),
    ({"a-b": echo}, ValueError), ({"é": echo}, ValueError), ({"_home": echo}, ValueError),
    ({"arg.x": echo}, ValueError), ({"log": echo, "log.info": echo}, ValueError),
    ({"f": 1}, TypeError), ({1: echo}, TypeError),
])
def test_bad_registrations_are_refused(functions, error):
    with pytest.raises(error):
        Sandbox(functions=functions)


def test_a_path_through_a_value_that_is_not_a_table_fails_init():
    with pytest.raises(RuntimeError, match="init failed .* runs through a global that is not a table"):
        Sandbox(functions={"print.x": echo})


def test_a_host_function_may_replace_a_global(host):
    with Sandbox(functions={"print": lambda *a: "replaced"}) as sb:
        assert run(sb, "return print(1)").values == ["replaced"]


# ---------------------------------------------------------------- limits and transactions


def test_the_budget_is_exact_across_host_calls():
    code = "local s = 0 for i = 1, 50 do s = s + echo(i) end return s"
    with Sandbox(functions={"echo": lambda x: x}) as sb:
        n = run(sb, code).stats.instructions
    with Sandbox(functions={"echo": lambda x: x}, instructions_max=n) as sb:
        assert run(sb, code).values == [1275]
    with Sandbox(functions={"echo": lambda x: x}, instructions_max=n - 1) as sb:
        assert isinstance(sb.eval(code).error, InstructionLimitExceeded)


def test_a_huge_reply_is_luas_own_not_enough_memory():
    big = "x" * (16 * 1024 * 1024)
    with Sandbox(functions={"big": lambda: big, "medium": lambda: "y" * 200_000},
                 memory_bytes_max=8 * 1024 * 1024) as sb:
        r = sb.eval("local s = big() return #s")
        assert isinstance(r.error, MemoryLimitExceeded) and r.error.message == "not enough memory"
        r = run(sb, "local ok, e = pcall(big) return ok, e, #medium()")
        assert r.values == [False, "not enough memory", 200_000]
        assert run(sb, "return #medium() + #medium()").values == [400_000]


def test_replies_past_the_inline_buffer_take_a_second_crossing(host):
    host.reply = lambda n: ("z" * n, {"k": "w" * n})
    r = run(host, "local s, t = echo(70000) local u = echo(10) return #s, #t.k, #u")
    assert r.values == [70000, 70000, 10]
    assert host._host._kept == {}


def test_time_in_the_host_counts_toward_timeout_ms():
    with Sandbox(functions={"nap": lambda: time.sleep(0.6)}, timeout_ms=200) as sb:
        started = time.monotonic()
        r = sb.eval("nap() return 1")
        assert isinstance(r.error, TimeoutExceeded)
        assert time.monotonic() - started < 2
        assert run(sb, "return 2").values == [2]


def test_host_functions_run_outside_the_home_transaction():
    effects = []
    with Sandbox(functions={"send": effects.append}) as sb:
        r = sb.eval("_home.n = 1 send('mail') error('after')")
        assert r.error is not None
        assert effects == ["mail"] and dict(sb.home) == {}


# ---------------------------------------------------------------- async


def test_eval_async_runs_async_host_functions_on_the_loop():
    async def fetch(x):
        await asyncio.sleep(0.01)
        return {"x": x, "thread": threading.current_thread() is threading.main_thread()}

    async def main():
        with Sandbox(functions={"fetch": fetch}) as sb:
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.001)
                    ticks += 1

            task = asyncio.create_task(ticker())
            r = await sb.eval_async("local a = fetch(1) local b = fetch(2) return a.x + b.x, a.thread")
            task.cancel()
            return r, ticks

    r, ticks = asyncio.run(main())
    assert r.values == [3, True]
    assert ticks > 0


def test_an_async_host_function_under_plain_eval():
    async def later(x):
        await asyncio.sleep(0)
        return x + 1

    with Sandbox(functions={"later": later}) as sb:
        assert run(sb, "return later(41)").values == [42]


def test_calls_failing_in_coroutines_that_die_leave_nothing_behind():
    # A coroutine that dies in an error never closes its to-be-closed slots: the call's own
    # errors give its buffers back before they are raised (ABI §11 "Nesting").
    def fail():
        raise ValueError("x")

    with Sandbox(functions={"fail": fail, "one": lambda *a: 1}) as sb:
        r = run(sb, """
            for i = 1, 500 do
              assert(not coroutine.resume(coroutine.create(function() fail() end)))
              assert(not coroutine.resume(coroutine.create(function() one(print) end)))
            end
            return one({1, {2}}, 'x')
        """)
        assert r.values == [1]


@pytest.mark.parametrize("reply", [
    b"\x07\x00\x00\x00\x00",                          # an unknown kind
    b"\x00\x01\x00\x00\x00",                          # one value announced, none sent
    b"\x00\x01\x00\x00\x00\x06\x01\x00\x00\x00",      # a table ref, which replies never hold
    b"\x00\x00\x00\x00\x00\x00",                      # a byte left over
    b"\x00\x01\x00\x00\x00\x08\x01\x00\x00\x00\x00\x02",  # a nil key
    b"\x00\x01\x00\x00\x00\x08\x01\x00\x00\x00\x04" + struct.pack("<d", math.nan) + b"\x02",  # a nan key
    b"\x00\x01\x00\x00\x00\x08\x01\x00\x00\x00\x08\x00\x00\x00\x00\x02",  # a table as a key
    b"\x00\x01\x00\x00\x00\x08\xff\xff\xff\xff",      # more pairs than bytes
    b"\x01\x09\x00\x00\x00abc",                       # an error message past the end
    b"\x00\x01\x00\x00\x00" + b"".join([b"\x08\x01\x00\x00\x00\x03" + struct.pack("<q", 1)] * 101) + b"\x02",
])
def test_a_malformed_reply_is_an_error_at_the_call(host, reply):
    host._host.call = lambda index, args: reply
    r = host.eval("local ok, e = pcall(echo) return ok, e, 1")
    assert r.values == [False, "echo: the host's reply is malformed", 1]


def test_a_reply_of_tables_nested_100_deep_is_read(host):
    nested = b"".join([b"\x08\x01\x00\x00\x00\x03" + struct.pack("<q", 1)] * 100) + b"\x02"
    host._host.call = lambda index, args: b"\x00\x01\x00\x00\x00" + nested
    r = run(host, "local t, n = echo(), 0 while type(t) == 'table' do t, n = t[1], n + 1 end return n, t")
    assert r.values == [100, True]


def test_a_base_exception_goes_up_and_the_sandbox_goes_on():
    def interrupt():
        raise KeyboardInterrupt

    with Sandbox(functions={"interrupt": interrupt}) as sb:
        with pytest.raises(KeyboardInterrupt):
            sb.eval("_home.x = 1 interrupt()")
        assert run(sb, "return _home.x, 1 + 1").values == [None, 2]


def test_a_coroutine_that_died_in_a_call_can_be_closed_later():
    # Lua's own "not enough memory" inside a call ends the coroutine without closing the
    # call's slot; closing the coroutine later, in this eval or the next, closes it then.
    with Sandbox(functions={"big": lambda: "x" * (4 << 20), "one": lambda: 1}, memory_bytes_max=2 << 20) as sb:
        r = run(sb, "co = coroutine.create(function() big() end) local ok, e = coroutine.resume(co) "
                    "return ok, e, one()", keep_globals=True)
        assert r.values == [False, "not enough memory", 1]
        r = run(sb, "local ok, e = coroutine.close(co) return ok, e, one(), one()")
        assert r.values == [False, "not enough memory", 1, 1]
        r = run(sb, "local co = coroutine.create(function() big() end) coroutine.resume(co) "
                    "local t = {one(), one()} coroutine.close(co) return t[1] + t[2] + one()")
        assert r.values == [3]
