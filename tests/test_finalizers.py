"""Finalizers (`__gc`) in the sandbox (ABI §8): they run as in the native `lua` (the same order
and output, also the ones `lua` runs when it closes the state at exit), under the instruction
budget, and all within their eval: their output and `_home` writes belong to it, and none runs
during a later eval."""

import pytest

from wasm_compute import Sandbox

from native_lua import native_lua, run_native  # noqa: F401 (a fixture)


@pytest.fixture
def sb():
    with Sandbox(instructions_max=50_000_000) as sandbox:
        yield sandbox


AS_NATIVE = {
    "order_at_exit": """
local mt = {__gc = function(o) print("gc", o.name) end}
A = setmetatable({name = "A"}, mt)
local b = setmetatable({name = "B"}, mt)
setmetatable({name = "C"}, mt)
local list = {}
for i = 1, 5 do list[i] = setmetatable({name = "L" .. i}, mt) end
setmetatable({name = "D"}, mt)
print("end of chunk")
""",
    "order_in_collections": """
local mt = {__gc = function(o) print("gc", o.name) end}
for i = 1, 5 do setmetatable({name = "first" .. i}, mt) end
collectgarbage()
print("after the first collection")
local keep = setmetatable({name = "kept"}, mt)
for i = 1, 3 do setmetatable({name = "second" .. i}, mt) end
collectgarbage()
print("after the second collection")
keep = nil
collectgarbage()
print("after the third collection")
""",
    "resurrection_and_new_objects": """
local mt = {}
local runs = 0
mt.__gc = function(o)
  runs = runs + 1
  print("gc", o.name, runs)
  if runs < 3 then setmetatable(o, mt) end
  if o.name == "spawner" then setmetatable({name = "spawned"}, mt) end
end
setmetatable({name = "phoenix"}, mt)
collectgarbage()
collectgarbage()
setmetatable({name = "spawner"}, mt)
S = setmetatable({name = "spawner"}, mt)
collectgarbage()
print("end", runs)
""",
    "errors_and_generational_mode": """
warn("@off")  -- (on, lua writes the errors to stderr as warnings)
collectgarbage("generational")
local mt = {__gc = function(o) print("gc", o.n) if o.n % 2 == 0 then error("in gc " .. o.n) end end}
for i = 1, 6 do setmetatable({n = i}, mt) end
collectgarbage()
for i = 7, 9 do setmetatable({n = i}, mt) end
print("end")
""",
    "closing_state_as_gc_lua": """
local u = setmetatable({}, {__gc = function() print(">>> closing state <<<") end})
local t = setmetatable({}, {__gc = function(o) print("t", collectgarbage("isrunning")) end})
print(collectgarbage("count") > 0)
""",
}


@pytest.mark.parametrize("name", AS_NATIVE)
def test_as_native(sb, native_lua, tmp_path, name):
    native = run_native(native_lua, AS_NATIVE[name], tmp_path)
    assert native.returncode == 0, native.stderr
    r = sb.eval(AS_NATIVE[name])
    assert r.error is None, f"{r.error!r}\n{r.error.traceback}"
    assert r.output == native.stdout


def test_finalizers_run_when_the_chunk_fails(sb, native_lua, tmp_path):
    code = "G = setmetatable({}, {__gc = function() print('finalized') end}) error('boom')"
    native = run_native(native_lua, code, tmp_path)
    r = sb.eval(code)
    assert r.error is not None and r.error.message == "input:1: boom"
    assert r.output == native.stdout == "finalized\n"


def test_a_kept_object_is_finalized_in_its_own_eval_only(sb):
    r = sb.eval("KEPT = setmetatable({}, {__gc = function() print('gc of the first eval') end}) print('first')")
    assert r.output == "first\ngc of the first eval\n"
    for _ in range(3):
        r = sb.eval("collectgarbage() collectgarbage() print('later')")
        assert r.output == "later\n"
    sb.collect_garbage()
    assert sb.eval("return 1").output == ""


def test_finalizers_write_home_in_their_eval(sb):
    r = sb.eval("""
        _home.log = {}
        local mt = {__gc = function(o) local log = _home.log log[#log + 1] = o.name end}
        setmetatable({name = "a"}, mt)
        collectgarbage()
        KEEP = setmetatable({name = "b"}, mt)
        setmetatable({name = "c"}, mt)
    """)
    assert r.error is None
    assert dict(sb.home)["log"] == ["a", "c", "b"]


def test_finalizer_writes_are_rolled_back_with_a_failed_eval(sb):
    sb.eval("_home.n = 1")
    r = sb.eval("setmetatable({}, {__gc = function() _home.n = 2 end}) error('fails')")
    assert r.error is not None
    assert dict(sb.home)["n"] == 1


@pytest.mark.parametrize("code", [
    "setmetatable({}, {__gc = function() while true do end end})",
    "setmetatable({}, {__gc = function() while true do end end}) collectgarbage()",
    "local mt = {} mt.__gc = function(o) for i = 1, 5 do setmetatable({}, mt) end end "
    "setmetatable({}, mt) while true do collectgarbage() end",
    "local mt = {} mt.__gc = function(o) setmetatable(o, mt) while true do pcall(error) end end "
    "setmetatable({}, mt) error('then the end')",
])
def test_finalizers_run_under_the_budget(code):
    with Sandbox(instructions_max=2_000_000, timeout_ms=20_000) as sb:
        r = sb.eval("warn('@off') " + code)
        assert r.error is not None and r.error.name == "instruction_limit", r.error
        assert sb.eval("return 1 + 1").values == [2]


def test_finalizer_instructions_count():
    code = "setmetatable({}, {__gc = function() local x = 0 for i = 1, 1000 do x = x + i end end})"
    with Sandbox() as sb:
        n = sb.eval(code).stats.instructions
        assert n > 2000
    with Sandbox(instructions_max=n) as sb:
        assert sb.eval(code).error is None
    with Sandbox(instructions_max=n - 1) as sb:
        assert sb.eval(code).error.name == "instruction_limit"


def test_finalizers_writing_home_while_the_script_does(sb):
    # A finalizer can run at any allocation, also inside the external tables' own code: the
    # writes of both must all land, and nothing else.
    r = sb.eval("""
        _home.fin = {}
        _home.main = {}
        local mt = {__gc = function(o)
          _home.fin[o.i] = {o.i, ("f"):rep(o.i % 7)}
          _home.fin.count = (_home.fin.count or 0) + 1
        end}
        for i = 1, 2000 do
          setmetatable({i = i, pad = {1, 2, 3}}, mt)
          _home.main[i] = {i, tostring(i)}
          _home.main.last = ("m"):rep(i % 11)
          if i % 500 == 0 then _home.main[i - 250] = nil end
        end
    """)
    assert r.error is None, r.error
    home = dict(sb.home)
    fin, main = home["fin"], home["main"]
    assert fin["count"] == 2000
    assert {k: v for k, v in fin.items() if k != "count"} == {i: [i, "f" * (i % 7)] for i in range(1, 2001)}
    expected = {i: [i, str(i)] for i in range(1, 2001) if i not in (250, 750, 1250, 1750)}
    assert {k: v for k, v in main.items() if k != "last"} == expected
    assert main["last"] == "m" * (2000 % 11)


def test_no_finalizer_runs_while_a_table_loads():
    # Loading a large table allocates much; with the collector always running, finalizers are
    # due in the middle of it. One that wrote to the table being loaded used to hang the eval.
    with Sandbox(instructions_max=50_000_000, timeout_ms=20_000) as sb:
        assert sb.eval("_home.big = {} local big = _home.big for i = 1, 5000 do big[i] = {i} end").error is None
        r = sb.eval("""
            collectgarbage("incremental", 100, 1000)
            local mt = {__gc = function(o) _home.big["f" .. o.i] = o.i end}
            for i = 1, 100 do setmetatable({i = i}, mt) end
            local n = 0
            for k, v in pairs(_home.big) do if type(k) == "number" then n = n + 1 end end
            return n
        """)
        assert r.error is None, r.error
        assert r.values == [5000]
        big = dict(sb.home)["big"]
        assert big == {**{i: [i] for i in range(1, 5001)}, **{f"f{i}": i for i in range(1, 101)}}
