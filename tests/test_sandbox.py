"""The sandbox: what a script cannot reach, and every limit with its clear error.
After each, the next eval works and `_home` is intact."""

import pytest

from wasm_compute import Sandbox, SandboxClosed

from conftest import run


@pytest.fixture
def small():
    with Sandbox(memory_bytes_max=8 * 1024 * 1024, instructions_max=20_000_000, timeout_ms=1500,
                 output_bytes_max=1000, code_bytes_max=100_000, clock=1_700_000_000, random_seed=7) as sb:
        run(sb, "_home.keep = {v = 'safe'}")
        yield sb


def still_fine(sb):
    assert sb.eval("return 1 + 1").values == [2]
    assert dict(sb.home)["keep"] == {"v": "safe"}


def test_only_the_sandbox_libraries_are_there(sb):
    r = run(sb, """
        local names = {}
        for _, lib in ipairs{'io', 'os', 'string', 'table', 'math', 'utf8', 'coroutine', 'ext_table'} do
            local keys = {}
            for k in pairs(_G[lib]) do keys[#keys + 1] = k end
            table.sort(keys)
            names[#names + 1] = lib .. ':' .. #keys
        end
        local function sorted(t) local ks = {} for k in pairs(t) do ks[#ks + 1] = k end table.sort(ks) return ks end
        return table.concat(names, ' '), table.concat(sorted(os), ','), table.concat(sorted(io), ','),
               table.concat(sorted(debug), ','), type(string.dump), table.concat(sorted(package), ','),
               type(require), dofile, loadfile
    """)
    assert r.values[1:5] == ["clock,date,difftime,time", "close,flush,input,lines,output,read,stderr,stdin,stdout,type,write",
                             "gethook,getinfo,getlocal,getmetatable,getupvalue,getuservalue,setcstacklimit,"
                             "sethook,setlocal,setmetatable,setupvalue,setuservalue,traceback,"
                             "upvalueid,upvaluejoin", "function"]
    # ABI §12: require and package without the file and C-library parts.
    assert r.values[5:7] == ["config,loaded,preload,searchers", "function"]
    assert r.values[7:] == [None] * 2


@pytest.mark.parametrize("code, fragment", [
    ("io.open('/etc/passwd')", "attempt to call a nil value (field 'open')"),
    ("io.popen('ls')", "attempt to call a nil value (field 'popen')"),
    ("io.tmpfile()", "attempt to call a nil value (field 'tmpfile')"),
    ("io.lines('/etc/passwd')", "cannot open file '/etc/passwd' (Operation not permitted)"),
    ("os.execute('ls')", "attempt to call a nil value (field 'execute')"),
    ("os.getenv('HOME')", "attempt to call a nil value (field 'getenv')"),
    ("os.exit(1)", "attempt to call a nil value (field 'exit')"),
    ("os.remove('x')", "attempt to call a nil value (field 'remove')"),
    ("require('x.so')", "module 'x.so' not found:\n\tno field package.preload['x.so']\n\tno host module 'x.so'"),
    ("dofile('/etc/passwd')", "attempt to call a nil value (global 'dofile')"),
    ("loadfile('/etc/passwd')", "attempt to call a nil value (global 'loadfile')"),
    ("package.loadlib('x', 'y')", "attempt to call a nil value (field 'loadlib')"),
    ("package.searchpath('x', './?.lua')", "attempt to call a nil value (field 'searchpath')"),
    ("debug.getregistry()", "attempt to call a nil value (field 'getregistry')"),
    ("debug.debug()", "attempt to call a nil value (field 'debug')"),
])
def test_removed_functions_are_absent(small, code, fragment):
    r = small.eval(code)
    assert fragment in r.error.message
    still_fine(small)


def test_load_refuses_binary_chunks_and_runs_text(small):
    r = run(small, r"""
        local f, err = load("\27Lua\84\0\25\147\13\10\26\10")
        local g = load("return 40 + ...")
        return f, err, g(2), select(2, load(string.dump(g), "g", "t"))
    """)
    assert r.values == [None, "attempt to load a binary chunk that string.dump did not return in this eval", 42,
                        "attempt to load a binary chunk (mode is 't')"]
    still_fine(small)


def test_string_metatable_changes_do_not_outlive_the_eval(small):
    run(small, "getmetatable('').__index = {upper = function() return 'hacked' end}")
    assert run(small, "return ('x'):upper()").values == ["X"]


def test_instruction_limit_stops_loops_and_cannot_be_swallowed(small):
    for code in (
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "while true do xpcall(function() while true do end end, function(m) return m end) end",
        "local co = coroutine.wrap(function() while true do end end) co()",
        "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
        "local function f() return f() end f()",  # a tail call runs forever
    ):
        r = small.eval("_home.keep = 'lost' " + code)
        assert r.error.name == "instruction_limit", (code, r.error)
        assert r.error.code == -7
        assert "instruction limit exceeded" in r.error.message
        assert r.stats.instructions == 20_000_000
        still_fine(small)


def test_the_same_script_stops_at_the_same_point_each_time():
    code = "local n = 0 while true do n = n + 1 _home.n = n print(n) end"
    with Sandbox(instructions_max=2_000_000, timeout_ms=60_000) as a, Sandbox(instructions_max=2_000_000, timeout_ms=60_000) as b:
        first = a.eval(code)
        assert first.error.name == "instruction_limit"
        assert a.eval(code).output == first.output == b.eval(code).output


def test_instructions_are_counted_one_by_one_in_every_thread(sb):
    # A numeric for loop with one addition runs two VM instructions an
    # iteration (ADD, FORLOOP): a thousand more iterations cost 2000 more,
    # whether the loop runs in the main thread or in a coroutine.
    def used(n, wrap):
        loop = f"local s = 0 for i = 1, {n} do s = s + i end return s"
        code = f"return coroutine.wrap(function() {loop} end)()" if wrap else loop
        r = sb.eval(code)
        assert r.values == [n * (n + 1) // 2]
        return r.stats.instructions

    for wrap in (False, True):
        assert used(3000, wrap) - used(2000, wrap) == 2000
        # Far past one slice of the budget (2^20), the count stays exact.
        assert used(1_500_000, wrap) - used(500_000, wrap) == 2_000_000


def test_a_budget_is_exact_to_the_instruction(sb):
    # A script that needs n instructions runs with a budget of n and stops
    # with n - 1, for scripts shorter and longer than one slice (2^20).
    for code in ("return 1", "local s = 0 for i = 1, 600000 do s = s + i end return s"):
        needed = sb.eval(code).stats.instructions
        with Sandbox(instructions_max=needed, timeout_ms=60_000) as enough:
            assert enough.eval(code).error is None
            assert enough.eval(code).stats.instructions == needed
        with Sandbox(instructions_max=needed - 1, timeout_ms=60_000) as short:
            for _ in range(2):
                r = short.eval(code)
                assert r.error.name == "instruction_limit"
                assert r.stats.instructions == needed - 1


# Lua code that runs inside one VM instruction: under a metamethod, a C
# function, an error. It runs in a nested call of the VM, whose count must
# add up with the outer one's (bench/tried.md has a VM that lost it there).
NESTED = {
    "metamethods": """
        local mt = {__index = function(t, k) return k end, __newindex = function(t, k, v) rawset(t, k, v) end,
                    __add = function(a, b) return 1 end, __eq = function() return true end,
                    __lt = function() return false end, __concat = function() return "c" end,
                    __len = function() return 3 end, __call = function(self, x) return x end,
                    __close = function() end}
        local a, b = setmetatable({}, mt), setmetatable({}, mt)
        local x = a.k, a + b, a == b, a < b, a .. "s", #a, a(1)
        a.new = 1
        do local c <close> = a end""",
    "library callbacks": """
        local t = {3, 1, 2}
        table.sort(t, function(x, y) return x > y end)
        local s = ("abc"):gsub("%w", function(c) return c:upper() end)
        local n = 0
        for k, v in pairs(setmetatable({}, {__pairs = function(t) return next, {1, 2}, nil end})) do n = n + v end
        local u = tostring(setmetatable({}, {__tostring = function() return "u" end}))""",
    "errors": """
        local ok, e = pcall(error, {})
        local ok2 = pcall(function() local x = nil; return x.y end)
        local ok3 = xpcall(function() error("e") end, function(m) return m .. "!" end)
        local ok4 = pcall(string.rep)""",
}


@pytest.mark.parametrize("name", NESTED)
def test_instructions_run_under_other_calls_are_counted(sb, name):
    # Lua's count hook (every instruction, as in native Lua) is the reference:
    # one more run of the body costs the budget what the hook counted.
    body = f"local function body() {NESTED[name]} end\n"

    def budget(n):
        r = sb.eval(body + f"for _ = 1, {n} do body() end")
        assert r.error is None
        return r.stats.instructions

    def hooked(n):
        r = sb.eval(body + "local c = 0 debug.sethook(function() c = c + 1 end, '', 1) "
                           f"for _ = 1, {n} do body() end debug.sethook() return c")
        assert r.error is None
        return r.values[0]

    per_run = hooked(11) - hooked(10)
    assert per_run > 20
    assert budget(11) - budget(10) == per_run
    assert budget(300) - budget(100) == 200 * per_run


def test_memory_errors_are_catchable_and_the_cap_holds(small):
    r = run(small, """
        local ok, err = pcall(function() local t = {} for i = 1, 1e9 do t[i] = ('y'):rep(100) .. i end end)
        collectgarbage()
        return ok, err
    """)
    assert r.values == [False, "not enough memory"]
    assert r.stats.heap_peak <= 8 * 1024 * 1024
    still_fine(small)


def test_memory_freed_at_one_block_size_serves_later_sizes_within_a_bound(sb):
    """A freed small block serves only its own size class (zig/src/small_heap.zig). A
    script that frees a heap of strings of one length and then builds as much of the
    next, through every length up to 500 bytes, must still leave the module's memory
    within a small multiple of its heap's peak: with a class every 8 bytes it took 37x."""
    r = sb.eval("""
        for len = 1, 500, 7 do
          local t = {}
          for i = 1, 2 * 2^20 // (len + 24) do t[i] = string.rep("x", len) .. i end
          t = nil
          collectgarbage()
        end
    """)
    assert r.error is None
    assert sb.memory_stats()["memory_bytes"] <= 16 * r.stats.heap_peak


def test_stack_overflow_is_an_error_with_position(sb):
    r = sb.eval("local function f(n) return 1 + f(n + 1) end f(1)")
    assert r.error.name == "runtime"
    assert "stack overflow" in r.error.message and r.error.message.startswith("input:1:")
    assert sb.eval("return 1 + 1").values == [2]


@pytest.mark.parametrize("code", [
    "local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) return t[1]",
    "local function f(s) return (s:gsub('.', f)) end return f('abc')",
    "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end}) return tostring(t)",
    "return load(('('):rep(1e5) .. '1' .. (')'):rep(1e5))()",
])
def test_deep_recursion_through_c_ends_in_an_error(small, code):
    r = small.eval(code)
    assert r.error is not None
    assert r.error.name in ("runtime", "syntax", "memory_limit", "instruction_limit"), r.error
    still_fine(small)


def test_timeout_stops_a_script_stuck_inside_one_c_call(small):
    # One string.find with many '.-' over a long subject: no VM instruction runs.
    r = small.eval("_home.keep = 'lost' return string.find(('a'):rep(5000), ('.-'):rep(30) .. 'b')")
    assert r.error.name == "timeout"
    assert r.error.code == -9
    assert "1500 ms" in r.error.message
    still_fine(small)


def test_output_is_capped_with_a_marker(small):
    r = run(small, "for i = 1, 1000 do print(('x'):rep(50)) end return 'done'")
    assert r.values == ["done"]
    assert r.output_bytes.startswith(b"x" * 50 + b"\n")
    assert r.output.endswith("\n[output truncated: more than 1000 bytes]\n")
    assert len(r.output_bytes) == 1000 + len("\n[output truncated: more than 1000 bytes]\n")


def test_stderr_has_the_same_limit_counted_apart_from_the_output(small):
    r = run(small, "warn('@on') print(('o'):rep(600)) for i = 1, 100 do warn(('e'):rep(20)) end print(('o'):rep(300))")
    marker = "\n[output truncated: more than 1000 bytes]\n"
    assert r.output == "o" * 600 + "\n" + "o" * 300 + "\n"
    # 29 lines of 34 bytes, then 14 bytes of the 30th.
    assert r.stderr == ("Lua warning: " + "e" * 20 + "\n") * 29 + "Lua warning: e" + marker
    still_fine(small)


def test_code_larger_than_the_limit_is_refused_before_it_runs(small):
    r = small.eval("_home.keep = 'lost' --" + "x" * 100_000)
    assert r.error.name == "code_size" and r.error.code == -2
    still_fine(small)


def test_scripts_larger_than_64_kib_run():
    with Sandbox() as sb:
        body = "local t = {}\n" + "\n".join(f"t[{i}] = {i}" for i in range(60_000))
        code = body + "\nreturn 'big', #t"
        assert len(code) > 500_000
        assert run(sb, code).values == ["big", 59_999]


def test_output_and_code_keep_every_byte(sb):
    r = run(sb, b"io.write('\\0\\255\\xff', 'caf\xc3\xa9') return '\\0z\\128'")
    assert r.output_bytes == b"\x00\xff\xffcaf\xc3\xa9"
    assert r.output == "\x00\ufffd\ufffdcafé"
    assert r.values == [b"\x00z\x80"]


def test_error_objects_that_are_not_strings(sb):
    assert sb.eval("error({code = 1})").error.message == "(error object is a table value)"
    assert sb.eval("error(setmetatable({}, {__tostring = function() return 'custom' end}))").error.message == "custom"
    assert sb.eval("error(42)").error.message == "42"
    assert sb.eval("error()").error.message == "(error object is a nil value)"
    r = sb.eval("error(setmetatable({}, {__tostring = function() error('again') end}))")
    assert r.error.name == "runtime"
    assert sb.eval("return 1").values == [1]


def test_runtime_errors_carry_position_and_traceback(sb):
    r = sb.eval("local x = 1\nlocal function f()\n  error('boom')\nend\nf()")
    assert r.error.message == "input:3: boom"
    assert r.error.traceback.startswith("stack traceback:")
    assert "input:5: in main chunk" in r.error.traceback


def test_values_keep_trailing_nils_and_table_shapes(sb):
    r = run(sb, "return 1, nil, {1, 2}, {a = {b = true}}, {}, print, nil")
    assert r.values[:6] == [1, None, [1, 2], {"a": {"b": True}}, {}, r.values[5]]
    assert r.values[5].startswith("function: ")
    assert r.values[6] is None and len(r.values) == 7


def test_clock_and_random_come_from_the_host():
    with Sandbox(clock=1_000_000_000, random_seed=5) as a, Sandbox(clock=1_000_000_000, random_seed=5) as b:
        code = "return os.time(), os.date('!%Y-%m-%d', os.time()), math.random(1, 1000000), math.random()"
        ra = run(a, code).values
        assert ra == run(b, code).values == run(a, code).values
        assert ra[:2] == [1_000_000_000, "2001-09-09"]
    with Sandbox() as c:
        first = run(c, "return math.random(1, 2^40)").values
        assert first != run(c, "return math.random(1, 2^40)").values


def test_closed_sandbox_raises():
    sb = Sandbox()
    sb.close()
    with pytest.raises(SandboxClosed):
        sb.eval("return 1")


def test_bad_input_to_the_api_is_refused_clearly():
    with pytest.raises(ValueError, match="memory_bytes_max"):
        Sandbox(memory_bytes_max=0)
    with pytest.raises(ValueError, match="timeout_ms"):
        Sandbox(timeout_ms=-1)
    with Sandbox() as sb, pytest.raises(TypeError, match="code must be str or bytes"):
        sb.eval(42)


def test_wrapped_functions_behave_as_upstream(sb):
    """Regressions found by Lua's own test suite (lua/TESTES.md)."""
    r = run(sb, """
        x = 5
        local gc_read = false
        local mt = setmetatable({}, {__index = function(_, k) gc_read = true end})
        pcall(setmetatable, {}, mt)
        return load("return x")(), select("#", math.randomseed()),
               select(2, load("return 1", "c", "b")), gc_read, select(2, load(function() return {} end))
    """)
    assert r.values[:2] == [5, 2]
    assert r.values[2] == "attempt to load a text chunk (mode is 'b')"
    assert r.values[3] is False
    assert r.values[4] == "input:7: reader function must return a string"
    for code, message in {
        "setmetatable(1, {})": "bad argument #1 to 'setmetatable' (table expected, got number)",
        "math.random('x')": "bad argument #1 to 'random' (number expected, got string)",
        "load({})": "bad argument #1 to 'load' (function expected, got table)",
    }.items():
        r = sb.eval(code)
        assert r.error is not None, code
        assert r.error.message == "input:1: " + message, code
