"""The debug library in the sandbox (ABI §3, §8): the same output as the native `lua` for the
same script, hooks beside the instruction budget, and nothing of the sandbox reachable or
lasting beyond its eval."""

import pytest

from wasm_compute import Sandbox

from native_lua import native_lua, run_native  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def sb():
    with Sandbox() as sandbox:
        yield sandbox


def same_as_native(sb, native_lua, tmp_path, code):
    """Runs `code` in the sandbox and in native lua; their outputs must be equal."""
    native = run_native(native_lua, code, tmp_path)
    assert native.returncode == 0, native.stderr
    r = sb.eval(code)
    assert r.error is None, f"{r.error!r}\n{r.error.traceback}"
    assert r.output == native.stdout
    return r


AS_NATIVE = {
    "traceback_of_xpcall": """
print(xpcall(error, debug.traceback, "boom"))
print(debug.traceback("msg", 1))
print(debug.traceback(42))
local function f() return debug.traceback("in f", 1) end
print(f())
""",
    "getinfo_fields": """
local function show(i)
  local keys = {}
  -- (`source` is left to the chunk-name tests: `@input`.)
  for k in pairs(i) do if k ~= "func" and k ~= "activelines" and k ~= "source" then keys[#keys + 1] = k end end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(i[k]) end
  if i.activelines then
    local lines = {}
    for l in pairs(i.activelines) do lines[#lines + 1] = l end
    table.sort(lines)
    out[#out + 1] = "activelines=" .. table.concat(lines, ",")
  end
  print(table.concat(out, " "))
end
local function f(a, b, ...)
  local x = a
  show(debug.getinfo(1))
  show(debug.getinfo(2, "nSl"))
  return x
end
f(1, 2, 3)
local t = {m = function(self) show(debug.getinfo(1, "nSlutr")) end}
t:m()
show(debug.getinfo(print))
show(debug.getinfo(f, "SLu"))
show(debug.getinfo(1, "SlL"))
local co = coroutine.create(function(x) coroutine.yield(x) end)
coroutine.resume(co, 1)
show(debug.getinfo(co, 1, "Sl"))
print(debug.getinfo(100), pcall(debug.getinfo, 1, ">"))
local function tail() return debug.getinfo(1, "t").istailcall end
local function caller() return tail() end
print(caller())
""",
    "getlocal_and_setlocal": """
local function f(a, b, ...)
  local c = a + b
  local i = 1
  while true do
    local name, value = debug.getlocal(1, i)
    if not name then break end
    print(i, name, value)
    i = i + 1
  end
  print(debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3), debug.getlocal(1, -4))
  print(debug.setlocal(1, -2, "changed"), debug.setlocal(1, 3, 100), debug.setlocal(1, 99, 0))
  print(..., c)
  return (debug.getlocal(2, 1))
end
local outer = "outer"
print(f(1, 2, "x", "y", "z"))
print(debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3))
print(debug.getlocal(print, 1))
print(pcall(debug.getlocal, 50, 1))
local co = coroutine.create(function(p) local q = p * 2; coroutine.yield() end)
coroutine.resume(co, 21)
print(debug.getlocal(co, 1, 1), debug.getlocal(co, 1, 2))
print(debug.setlocal(co, 1, 2, 7), debug.getlocal(co, 1, 2))
""",
    "upvalues_of_lua_closures": """
local a, b, c = 1, 2, 3
local function f1() return a + b end
local function f2() return b + c end
print(debug.getupvalue(f1, 1), debug.getupvalue(f1, 2), debug.getupvalue(f1, 3))
print(debug.setupvalue(f1, 1, 10), a, f1())
print(debug.upvalueid(f1, 2) == debug.upvalueid(f2, 1), debug.upvalueid(f1, 1) == debug.upvalueid(f2, 2))
print(debug.upvalueid(f1, 3), pcall(debug.upvalueid, f1, 0))
debug.upvaluejoin(f1, 1, f2, 2)
print(f1(), debug.upvalueid(f1, 1) == debug.upvalueid(f2, 2))
print(pcall(debug.upvaluejoin, f1, 5, f2, 1))
print(pcall(debug.upvaluejoin, f1, 1, print, 1))
""",
    "traceback_of_coroutines": """
local function deep(n) if n == 0 then coroutine.yield() else deep(n - 1) end end
local co = coroutine.create(function() deep(3) end)
coroutine.resume(co)
print(debug.traceback(co))
print(debug.traceback(co, "message"))
print(debug.traceback(co, "level 2", 2))
local dead = coroutine.create(function() error("dies") end)
print(coroutine.resume(dead))
print(debug.traceback(dead))
print(debug.traceback(coroutine.running(), "main", 1))
""",
    "hook_totals": """
local counts = {}
local function hook(event, line) counts[event] = (counts[event] or 0) + 1 end
local function work()
  local s = 0
  for i = 1, 2000 do
    s = s + i % 3
    if i % 100 == 0 then s = s + math.floor(i / 7) end
  end
  local co = coroutine.wrap(function() for i = 1, 10 do coroutine.yield(i) end end)
  for i = 1, 10 do s = s + co() end
  return s
end
for _, set in ipairs{{"", 1}, {"", 7}, {"", 1000}, {"l"}, {"c"}, {"r"}, {"cr"}, {"crl", 13}} do
  counts = {}
  debug.sethook(hook, set[1], set[2])
  local s = work()
  debug.sethook()
  print(set[1], set[2], s, counts.count, counts.line, counts.call, counts["return"], counts["tail call"])
end
""",
    "count_hook_across_slices": """
-- More instructions than the budget's slice (2^20): the budget's events must not move the
-- script's count hook.
local n = 0
debug.sethook(function() n = n + 1 end, "", 3)
local s = 0
for i = 1, 1500000 do s = s + i end
debug.sethook()
local m = 0
debug.sethook(function() m = m + 1 end, "", 1)
for i = 1, 1100000 do end
debug.sethook()
print(n, m, s)
""",
    "hooks_of_coroutines_across_slices": """
local counts = {}
local function mk(name) return function(e) counts[name] = (counts[name] or 0) + 1 end end
local co = coroutine.create(function()
  local s = 0
  for i = 1, 900000 do s = s + i; if i % 50000 == 0 then coroutine.yield(s) end end
  return s
end)
debug.sethook(co, mk("co"), "", 5)
debug.sethook(mk("main"), "", 11)
local r
repeat
  local ok, v = coroutine.resume(co)
  r = v
  for i = 1, 30000 do end
until coroutine.status(co) == "dead"
debug.sethook()
local w = coroutine.wrap(function()
  debug.sethook(mk("inner"), "l", 3)
  for i = 1, 400000 do local x = i * 2 end
  debug.sethook()
  return 1
end)
w()
print(r, counts.co, counts.main, counts.inner)
""",
    "gethook": """
print(debug.gethook())
local function h() end
debug.sethook(h, "cl", 5)
local f, mask, count = debug.gethook()
print(f == h, mask, count)
debug.sethook(h, "r")
print(select(2, debug.gethook()))
debug.sethook(h, "", 0)
print(debug.gethook())
debug.sethook()
print(debug.gethook())
local co = coroutine.create(function() end)
debug.sethook(co, h, "l")
print(debug.gethook(), select(2, debug.gethook(co)))
""",
    "hook_error_propagates": """
debug.sethook(function(e, line) if line == 4 then error("from the hook") end end, "l")
local ok, e = pcall(function()
  local x = 1
  return x
end)
debug.sethook()
print(ok, e)
print(pcall(debug.sethook, 1, "l"))
""",
    "metatables": """
print(debug.getmetatable(1), debug.getmetatable("").__index == string)
debug.setmetatable(10, {__index = function(n, k) return k .. n end})
print((5).x, (2.5).y)
debug.setmetatable(nil, {__len = function() return 0 end})
print(#nil)
print(type(debug.setmetatable({}, nil)), pcall(debug.setmetatable, {}, 1))
""",
    "dump_and_load": """
local function f(a, b) local c = a * b; return c + 1 end
local d = string.dump(f)
print(load(d)(6, 7), load(d, "d", "b")(1, 2))
print(load(d, "d", "t"))
print(load(string.dump(f, true))(2, 3))
local i = 0
print(load(function() i = i + 1; return d:sub(i * 4 - 3, i * 4) end)(2, 2))
print(load("return 1", "x", "b"))
""",
}


@pytest.mark.parametrize("name", AS_NATIVE)
def test_as_native(sb, native_lua, tmp_path, name):
    same_as_native(sb, native_lua, tmp_path, AS_NATIVE[name])


def test_the_script_hook_does_not_outlive_its_eval(sb):
    r = sb.eval("debug.sethook(function() print('hooked') end, 'crl', 1) local x = 1")
    assert r.error is None and "hooked" in r.output
    r = sb.eval("local x = 1 for i = 1, 3 do x = x + i end return x, debug.gethook()")
    assert r.output == "" and r.values == [7, None]


def test_type_metatables_do_not_outlive_their_eval(sb):
    r = sb.eval("""
        debug.setmetatable("", {__index = function() return "pwned" end})
        for _, v in ipairs{0, true, print, coroutine.running()} do debug.setmetatable(v, {}) end
        debug.setmetatable(nil, {})
        local up = 1
        debug.setmetatable(debug.upvalueid(function() return up end, 1), {})
        return ("x").upper
    """)
    assert r.values == ["pwned"]
    r = sb.eval("""
        local up = 1
        return ("x"):upper(), getmetatable("").__index == string, debug.getmetatable(0),
               debug.getmetatable(true), debug.getmetatable(print), debug.getmetatable(nil),
               debug.getmetatable(coroutine.running()),
               debug.getmetatable(debug.upvalueid(function() return up end, 1))
    """)
    assert r.values == ["X", True, None, None, None, None, None, None]


def test_protected_metatables_stay_protected(sb):
    # Unlike native lua's debug library (ABI §8): _home's proxies keep their metatable.
    r = sb.eval("return debug.getmetatable(_home), pcall(debug.setmetatable, _home, {})")
    assert r.values == ["external table", False, "cannot change a protected metatable"]
    r = sb.eval("""
        local t = setmetatable({}, {__metatable = "locked"})
        return getmetatable(t), debug.getmetatable(t), pcall(debug.setmetatable, t, {})
    """)
    assert r.values == ["locked", "locked", False, "cannot change a protected metatable"]


def test_a_dump_from_an_earlier_eval_does_not_load(sb):
    r = sb.eval("_home.code = string.dump(function() return 'earlier' end) return load(_home.code)()")
    assert r.error is None and r.values == ["earlier"]
    r = sb.eval("return load(_home.code)")
    assert r.values == [None, "attempt to load a binary chunk that string.dump did not return in this eval"]
    r = sb.eval("local i = 0 return load(function() i = i + 1 return i == 1 and _home.code or nil end)")
    assert r.values == [None, "attempt to load a binary chunk that string.dump did not return in this eval"]
    sb.eval("_home.code = nil")


def test_the_sandbox_functions_are_not_on_the_stack(sb):
    r = sb.eval("""
        local found = {}
        for level = 0, 10 do
          local i = debug.getinfo(level, "Sf")
          if not i then break end
          found[#found + 1] = i.what .. ":" .. tostring(i.func ~= nil)
        end
        return table.concat(found, " ")
    """)
    assert r.values == ["C:true main:true C:false"]
    r = sb.eval("local i = debug.getinfo(2, 'fL') return i.func, i.activelines, debug.getinfo(1, 'fL').func ~= nil")
    assert r.values == [None, None, True]


SCRIPT = """
local f = {hook}
debug.sethook(f, "crl", 3)
local s = 0
for i = 1, 30000 do s = s + i % 7 end
local co = coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i) end end)
for i = 1, 5 do s = s + co() end
debug.sethook()
return s
"""


def test_the_budget_is_exact_with_and_without_hooks():
    # `type` as the hook runs no VM instruction: the counts must be the same.
    with Sandbox() as sb:
        without = sb.eval(SCRIPT.format(hook="nil"))
        with_hook = sb.eval(SCRIPT.format(hook="type"))
    assert without.error is None and with_hook.error is None
    n = without.stats.instructions
    assert with_hook.stats.instructions == n
    for hook in ("nil", "type"):
        with Sandbox(instructions_max=n) as sb:
            r = sb.eval(SCRIPT.format(hook=hook))
            assert r.error is None and r.stats.instructions == n
        with Sandbox(instructions_max=n - 1) as sb:
            r = sb.eval(SCRIPT.format(hook=hook))
            assert r.error is not None and r.error.name == "instruction_limit"


def test_the_hook_s_own_instructions_count():
    code = "debug.sethook(function() local x = 0 for i = 1, 100 do x = x + i end end, '', 1000) " \
           "for i = 1, 100000 do end debug.sethook()"
    with Sandbox() as sb:
        hooked = sb.eval(code).stats.instructions
        plain = sb.eval(code.replace("debug.sethook(function()", "local _ = (function()")).stats.instructions
    # About 200 hook calls of about 400 instructions each.
    assert hooked > plain + 200 * 300


@pytest.mark.parametrize("code", [
    "debug.sethook(function() while true do end end, 'l')\nlocal x = 1",
    "debug.sethook(function() pcall(function() while true do end end) while true do end end, '', 100) while true do end",
    "while true do pcall(function() while true do end end) debug.sethook() end",
    "local function h() while true do debug.sethook() debug.sethook(h, 'l') end end debug.sethook(h, 'l') while true do end",
])
def test_hooks_cannot_escape_the_budget(code):
    with Sandbox(instructions_max=1_000_000, timeout_ms=20_000) as sb:
        r = sb.eval(code)
        assert r.error is not None and r.error.name == "instruction_limit", r.error
        assert sb.eval("return 1 + 1").values == [2]
