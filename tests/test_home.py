"""`_home` and `ext_table`: every rule of the core issue's section 3."""

import subprocess
import sys
from pathlib import Path

import pytest

from wasm_compute import MemoryStore, Sandbox, SQLiteStore

from conftest import run

ROOT = Path(__file__).resolve().parents[1]


def test_home_persists_across_evals(sb):
    run(sb, "_home.n = 1")
    assert run(sb, "_home.n = _home.n + 1 return _home.n").values == [2]
    assert dict(sb.home) == {"n": 2}


def test_globals_do_not_persist_only_home_does(sb):
    run(sb, "x = 5 string.custom = 1 _home.kept = true")
    assert run(sb, "return x, string.custom, _home.kept").values == [None, None, True]


def test_every_eval_starts_from_the_pristine_libraries(sb):
    # Changed, removed and added fields, in the hash part (names) and the
    # array part (integer keys), of _G and of the libraries, and their metatables.
    pristine = "return math.pi, type(string.upper), type(print), ('x'):upper(), rawget(_G, 1), rawget(string, 1), getmetatable(_G) ~= nil"
    before = run(sb, pristine).values
    run(sb, """
        math.pi = 3  string.upper = nil  print = 42  _G[1] = 'one'  string[1] = 'a'
        getmetatable('').__index = {upper = function() return 'hacked' end}
        setmetatable(math, {__index = function() return 0 end})
        for i = 1, 100 do _G['g' .. i] = i end
    """)
    assert run(sb, pristine).values == before == [3.141592653589793, "function", "function", "X", None, None, True]
    assert run(sb, "return g1, g100, math.nothing, getmetatable(math)").values == [None, None, None, None]


# What the next eval sees of `_G`, its metatable (the `Memory` alias), `arg` and `_home`.
PRISTINE_G = """
    local meta = getmetatable(_G)
    local keys = 0
    for k in next, _G do keys = keys + 1 end
    return keys, type(print), rawget(_G, 'extra'), type(meta.__index), meta.__newindex, getmetatable(meta),
           rawequal(Memory, _home), type(_home), arg[0], arg[1], #arg, math.pi
"""


@pytest.mark.parametrize("change", [
    "",  # nothing: the restore finds `_G` as the last one left it, with new `_home` and `arg`
    "print = 1",
    "print = print extra = 1",
    "extra = 1 extra = nil",
    "print = nil",
    "_G[1] = true",
    "_home = 5 arg = {'x'}",
    "_home = nil arg = nil",
    "arg[0] = 'changed' arg[1] = 'x'",
    "math.pi = 3",
    "getmetatable(_G).__newindex = function() end getmetatable(_G).__index = nil",
    "setmetatable(getmetatable(_G), {__index = function() return 1 end})",
    "setmetatable(_G, nil)",
    "setmetatable(_G, {__index = function() return 'other' end})",
    "for i = 1, 200 do _G['g' .. i] = i end collectgarbage()",
    "collectgarbage() collectgarbage()",
])
def test_every_change_to_the_global_table_is_put_back_after_evals_that_changed_nothing(sb, change):
    # The restore leaves `_G` untouched when only `_home` and `arg` changed (zig/src/sandbox.zig
    # restore): evals before and after the change take that path.
    before = [run(sb, PRISTINE_G).values for _ in range(3)]
    run(sb, change)
    after = [run(sb, PRISTINE_G).values for _ in range(3)]
    assert before == after == [before[0]] * 3
    assert before[0][1:] == ["function", None, "function", None, None, True, "table", "input", None, 0,
                             3.141592653589793]


def test_memory_is_the_same_table_and_warns_once_per_eval_on_stderr(sb):
    r = run(sb, "Memory.a = 1 Memory.b = 2 return rawequal(Memory, _home), _home.a + _home.b")
    assert r.values == [True, 3]
    assert (r.output, r.stderr) == ("", "wasm-compute: _G.Memory is deprecated; use _home\n")
    r = run(sb, "warn('@off') return Memory.a")
    assert (r.output, r.stderr) == ("", "wasm-compute: _G.Memory is deprecated; use _home\n")


def test_scalar_types_and_number_subtypes_survive(sb):
    run(sb, r"""
        _home.i = 3  _home.f = 3.0  _home.neg = -0.0  _home.big = math.maxinteger
        _home.t = true  _home.no = false  _home.s = "a\0b\255"  _home.inf = math.huge
    """)
    r = run(sb, r"""
        return math.type(_home.i), math.type(_home.f), 1/_home.neg, _home.big,
               _home.t, _home.no, _home.s == "a\0b\255", #_home.s, _home.inf
    """)
    assert r.values == ["integer", "float", float("-inf"), 2**63 - 1, True, False, True, 4, float("inf")]
    home = dict(sb.home)
    assert home["s"] == b"a\x00b\xff" and type(home["i"]) is int and type(home["f"]) is float


def test_nil_deletes(sb):
    run(sb, "_home.a = 1 _home.b = 2")
    run(sb, "_home.a = nil")
    assert dict(sb.home) == {"b": 2}
    assert run(sb, "return _home.a, next(_home)").values == [None, "b", 2]


def test_nested_tables_are_deep_copies_and_read_back_live(sb):
    r = run(sb, """
        local src = {name = "x", list = {10, 20, 30}, deep = {a = {b = {c = 1}}}}
        _home.cfg = src
        src.name = "changed"          -- the stored copy is not an alias
        src.list[1] = 99
        _home.cfg.deep.a.b.c = 2      -- reading back gives a live external table
        _home.cfg.list[4] = 40
        return _home.cfg.name, _home.cfg.list[1], rawequal(_home.cfg, src)
    """)
    assert r.values == ["x", 10, False]
    assert dict(sb.home) == {"cfg": {"name": "x", "list": [10, 20, 30, 40], "deep": {"a": {"b": {"c": 2}}}}}
    assert run(sb, "return _home.cfg.deep.a.b.c, #_home.cfg.list").values == [2, 4]


def test_reading_the_same_key_gives_the_same_table(sb):
    run(sb, "_home.t = {1}")
    assert run(sb, "return _home.t == _home.t, rawequal(_home.t, _home.t)").values == [True, True]


def test_external_table_assigned_to_a_second_key_is_copied(sb):
    run(sb, "_home.a = {x = 1, sub = {y = 2}}")
    run(sb, "_home.b = _home.a _home.b.x = 100 _home.b.sub.y = 200")
    assert dict(sb.home) == {"a": {"x": 1, "sub": {"y": 2}}, "b": {"x": 100, "sub": {"y": 200}}}
    # Assigning a key its own table changes nothing.
    run(sb, "_home.a = _home.a")
    assert dict(sb.home)["a"] == {"x": 1, "sub": {"y": 2}}


def test_overwriting_or_deleting_frees_the_whole_subtree():
    store = MemoryStore()
    with Sandbox(home=store) as sb:
        run(sb, "_home.t = {a = {b = {c = {}}}, list = {{}, {}, {}}}")
        assert len(store._tables) == 1 + 8
        run(sb, "_home.t = 5")
        assert len(store._tables) == 1
        run(sb, "_home.t = {x = {}} _home.u = {y = {}}")
        run(sb, "_home.t = nil _home.u = {}")
        assert len(store._tables) == 1 + 1
        run(sb, "for i = 1, 50 do _home.u = {n = {i}} end")
        assert len(store._tables) == 1 + 2


def test_functions_threads_and_cycles_are_refused_naming_the_key(sb):
    run(sb, "_home.cfg = {}")
    cases = {
        "_home.f = print": "input:1: cannot store a function in _home.f",
        "_home.cfg.handler = function() end": "input:1: cannot store a function in _home.cfg.handler",
        "_home.co = coroutine.create(print)": "input:1: cannot store a thread in _home.co",
        "_home.x = {1, {2, print}}": "input:1: cannot store a function in _home.x[2][2]",
        "local t = {} t.self = t _home.c = t": "input:1: cannot store a cyclic table in _home.c.self",
        "_home['a b'] = {f = print}": 'input:1: cannot store a function in _home["a b"].f',
    }
    for code, message in cases.items():
        r = sb.eval(code)
        assert r.error is not None and r.error.message == message, code
    assert dict(sb.home) == {"cfg": {}}


def test_keys_strings_integers_and_normalised_floats(sb):
    run(sb, "_home[1] = 'int' _home['1'] = 'str' _home[2.0] = 'two' _home[-5] = 'neg'")
    assert run(sb, "return _home[1], _home['1'], _home[2], type(next(_home, 1))").values == \
        ["int", "str", "two", "string"]
    for code, fragment in {
        "_home[1.5] = 1": "invalid key 1.5 in _home",
        "_home[true] = 1": "invalid key (a boolean) in _home",
        "_home[{}] = 1": "invalid key (a table) in _home",
        "_home.t = {[false] = 1}": "invalid key (a boolean) in _home.t",
    }.items():
        r = sb.eval(code)
        assert r.error is not None and fragment in r.error.message, (code, r.error)


def test_pairs_and_next_follow_insertion_order(sb):
    run(sb, "_home.z = 1 _home.a = 2 _home[10] = 3 _home.m = 4")
    order = "local o = {} for k in pairs(_home) do o[#o + 1] = tostring(k) end return table.concat(o, ',')"
    assert run(sb, order).values == ["z,a,10,m"]
    # Overwriting keeps the place; a key deleted and set again goes to the end.
    run(sb, "_home.z = 10 _home.a = nil _home.a = 20")
    assert run(sb, order).values == ["z,10,m,a"]
    # Inside one eval, too, and through next().
    r = run(sb, "_home.m = nil _home.new = 1 _home.m = 2 local k, v = next(_home) " + order.replace("return", "return k, v,"))
    assert r.values == ["z", 10, "z,10,a,new,m"]
    assert list(sb.home) == ["z", 10, "a", "new", "m"]


def test_length_ipairs_and_table_library_on_sequences(sb):
    run(sb, "_home.list = {'a', 'b', 'c'}")
    r = run(sb, """
        local l = _home.list
        table.insert(l, 'd')
        local s = {} for i, v in ipairs(l) do s[i] = v end
        table.sort(l, function(x, y) return x > y end)
        return #l, table.concat(s), table.concat(l), table.remove(l), #l
    """)
    assert r.values == [4, "abcd", "dcba", "a", 3]
    assert dict(sb.home)["list"] == ["d", "c", "b"]


def test_an_eval_that_fails_keeps_none_of_its_writes(sb):
    run(sb, "_home.keep = 1 _home.t = {v = 1}")
    r = sb.eval("_home.keep = 2 _home.t.v = 2 _home.new = {} _home.t = nil "
                "assert(_home.keep == 2 and _home.new ~= nil) error('no')")
    assert r.error.message == "input:1: no"
    assert dict(sb.home) == {"keep": 1, "t": {"v": 1}}
    for limit_code in ("_home.keep = 3 while true do end", "_home.keep = 3 local t = {} while true do t[#t+1] = ('x'):rep(1e6) end"):
        assert sb.eval(limit_code).error is not None
        assert dict(sb.home)["keep"] == 1


def test_a_removed_table_can_be_read_but_not_written(sb):
    run(sb, "_home.old = {a = 1}")
    r = run(sb, "local old = _home.old _home.old = {a = 2} return old.a, _home.old.a")
    assert r.values == [1, 2]
    r = sb.eval("local old = _home.old _home.old = nil old.a = 5")
    assert "cannot write to _home.old: it was removed from its table" in r.error.message


def test_ext_table_library(sb):
    r = run(sb, """
        local id = ext_table.id(_home)
        ext_table.set(id, 'a', 1)
        ext_table.set(_home, 'b', {1, 2})
        local t = ext_table.new()
        t.x = 1
        _home.c = t
        ext_table.delete(id, 'a')
        return id, ext_table.get(id, 'b')[2], ext_table.size(id), table.concat(ext_table.keys(_home), ','),
               ext_table.id(t) < 0
    """)
    assert r.values == [1, 2, 2, "b,c", True]
    assert dict(sb.home) == {"b": [1, 2], "c": {"x": 1}}
    child = run(sb, "return ext_table.id(_home.b)").values[0]
    assert child > 1
    assert run(sb, f"return ext_table.get({child}, 2), ext_table.size({child})").values == [2, 2]
    for code in ("return ext_table.get(99999, 'x')", "return ext_table.size(-3)", "return ext_table.keys({})"):
        r = sb.eval(code)
        assert r.error is not None, code
    assert "no external table with id 99999" in sb.eval("return ext_table.get(99999, 'x')").error.message


def test_raw_functions_act_on_the_external_data(sb):
    r = run(sb, "rawset(_home, 'r', 1) return rawget(_home, 'r'), rawlen(_home), _home.r")
    assert r.values == [1, 0, 1]
    assert dict(sb.home) == {"r": 1}
    r = sb.eval("setmetatable(_home, {})")
    assert "cannot change a protected metatable" in r.error.message
    assert run(sb, "return getmetatable(_home)").values == ["external table"]


def test_reads_are_cached_and_writes_batched_within_an_eval():
    calls = []

    class Counting(MemoryStore):
        def __getattribute__(self, name):
            if name in ("get", "entries", "size", "set", "set_new_table", "delete"):
                calls.append(name)
            return super().__getattribute__(name)

    with Sandbox(home=Counting()) as sb:
        run(sb, "_home.n = 0")
        calls.clear()
        run(sb, "for i = 1, 100000 do _home.n = _home.n + 1 end")
        assert calls == ["get", "entries", "set"]
        assert dict(sb.home) == {"n": 100000}


def test_a_write_the_vm_makes_in_place_is_one_nothing_can_tell_from_newindex(sb):
    # The VM writes a scalar over a scalar of this eval without calling __newindex
    # (zig/src/lvm_home.h). A call hook sees what it saw (ABI §8: the sandbox's own C
    # functions make no events, so only sethook's own call), the budget counts what a
    # plain table's loop counts, and any other write still takes every check.
    run(sb, "_home.n = 0 _home.s = 'a'")
    r = run(sb, """
        _home.n = _home.n + 1
        local calls = 0
        debug.sethook(function() calls = calls + 1 end, "c")
        for i = 1, 10 do _home.n = _home.n + 1 end
        debug.sethook()
        return calls, _home.n
    """)
    assert r.values == [1, 11]
    loop = "G = {{n = 0}} for i = 1, 1000 do {t}.n = {t}.n + 1 end"
    assert run(sb, loop.format(t="_home")).stats.instructions == run(sb, loop.format(t="G")).stats.instructions
    r = sb.eval("for i = 1, 3 do _home.n = _home.n + 1 end _home.s = 'b' _home.s = true _home.s = print")
    assert r.error.message == "input:1: cannot store a function in _home.s"
    r = run(sb, "for i = 1, 3 do _home.n = _home.n + 1 _home.s = i .. '' end _home.n = 1.5 _home.n = 2.5 "
                "local t = _home.n _home.n = nil return t, _home.n")
    assert r.values == [2.5, None]
    assert dict(sb.home) == {"s": "3"}
    # The VM remembers where its last key sits; a delete, a table that grows and
    # another table writing the same key move or clear that place.
    r = run(sb, """
        _home.n = 0
        for i = 1, 3 do _home.n = _home.n + 1 end
        _home.n = nil
        _home.n = 10 _home.n = _home.n + 1
        for i = 1, 100 do _home['k' .. i] = i end
        local t = ext_table.new() t.n = 0
        for i = 1, 3 do _home.n = _home.n + 1 t.n = t.n + 2 end
        _home.t = t
        return _home.n, t.n, _home.k100
    """)
    assert r.values == [14, 6, 100]
    home = dict(sb.home)
    assert (home["n"], home["t"], home["k1"], len(home)) == (14, {"n": 6}, 1, 103)


def test_start_from_a_snapshot_and_read_it_back():
    with Sandbox(home={"user": {"name": "ada", "tags": ["x", "y"]}, "n": 1.5}) as sb:
        r = run(sb, "return _home.user.name, _home.user.tags[2], math.type(_home.n)")
        assert r.values == ["ada", "y", "float"]


def test_sqlite_home_persists_across_processes(tmp_path):
    db = tmp_path / "h.db"
    script = tmp_path / "counter.lua"
    script.write_text("_home.counter = (_home.counter or 0) + 1\nprint(_home.counter)\n")
    cli = [sys.executable, "-m", "wasm_compute.cli", "run", "--home", str(db), str(script)]
    outputs = [subprocess.run(cli, capture_output=True, text=True, check=True).stdout for _ in range(2)]
    assert outputs == ["1\n", "2\n"]
    with Sandbox(home=SQLiteStore(str(db))) as sb:
        assert dict(sb.home) == {"counter": 2}
