"""Host functions and modules (zig/ABI.md §11, §12) on the JavaScript host, in Chromium,
against the Python host: the same script with the same functions (written once in Python, once
in JavaScript) and the same modules gives the same output, values, error and instruction count
on both (web/lua-host.js `createLua`, server/wasm_compute `Sandbox`). Then what only the
JavaScript host has: its value refusals, async functions through JSPI, and LuaClient's page
functions called from the worker, with Stop and timeouts while a call is pending.

The JavaScript functions are sources evaluated in the page, whose context bypasses the page's
CSP for that (`bypass_csp`). An error class of JavaScript named as Python's (ValueError) makes
the two hosts' messages the same words (`price: ValueError: no such sku`, ABI §11).
"""

import json
import math
from concurrent.futures import ThreadPoolExecutor

import pytest

from wasm_compute import Sandbox
from wasm_compute._wire import encode_value

# Error classes whose String() reads as the Python exception's: `ValueError: text`.
JS_PRELUDE = """
const named = (name) => class extends Error { get name() { return name; } };
const ValueError = named("ValueError"), KeyError = named("KeyError"), RuntimeError = named("RuntimeError");
"""

RUN_JS = """async ([functions, modules, code, evalModules, isAsync, limits]) => {
  const m = await import("/lua-host.js");
  const fns = new Function("multiple", `${PRELUDE} return (${functions});`)(m.multiple);
  const lua = await m.createLua({ functions: fns, modules, async: isAsync, limits: limits ?? {} });
  const r = isAsync ? await lua.runAsync(code, { modules: evalModules })
                    : lua.run(code, { modules: evalModules });
  return JSON.stringify({ output: r.output, values: r.values, instructions: r.stats.instructions,
                          error: r.error && { code: r.error.code, message: r.error.message, traceback: r.error.traceback } });
}""".replace("${PRELUDE}", JS_PRELUDE.replace("`", "\\`").replace("\n", " "))


@pytest.fixture(scope="module")
def host_page(open_page):
    page = open_page(bypass_csp=True)
    yield page
    page.context.close()


def run_js(page, functions="{}", code="", modules=None, eval_modules=None, is_async=False, limits=None):
    return json.loads(page.evaluate(RUN_JS, [functions, modules or {}, code, eval_modules, is_async, limits]),
                      parse_int=float)


def run_py(functions=None, code="", modules=None, eval_modules=None, is_async=False, limits=None, **py_limits):
    """The Python host's run (is_async and limits are the JavaScript host's: plain eval awaits
    an async function, and py_limits are the Sandbox's names for the limits). In a thread of
    its own: Playwright's event loop runs in this one, and plain eval runs an async host
    function with asyncio.run."""
    with Sandbox(functions=functions, modules=modules, **py_limits) as sb:
        with ThreadPoolExecutor(1) as pool:
            r = pool.submit(sb.eval, code, modules=eval_modules).result()
    error = r.error and {k: r.error.to_dict()[k] for k in ("code", "message", "traceback")}
    return json.loads(json.dumps({"output": r.output, "values": [encode_value(v) for v in r.raw_values],
                                  "instructions": r.stats.instructions, "error": error}), parse_int=float)


def same(page, py_functions, js_functions, code, **options):
    """Runs `code` on both hosts; asserts the results are equal and returns them."""
    want = run_py(py_functions, code, **options)
    got = run_js(page, js_functions, code, **options)
    assert got == want
    return got


# Describes each argument as both hosts see it: the value convention (web/README.md).
def py_describe(*args):
    def d(v):
        if v is None:
            return "nil"
        if isinstance(v, bool):
            return f"bool:{str(v).lower()}"
        if isinstance(v, int):
            return f"int:{v}"
        if isinstance(v, float):
            return "float:" + ("nan" if math.isnan(v) else "-0" if v == 0 and math.copysign(1, v) < 0
                               else repr(v).replace("inf", "Infinity"))
        if isinstance(v, str):
            return f"str:{v}"
        if isinstance(v, bytes):
            return f"bytes:{list(v)}"
        if isinstance(v, list):
            return "list[" + ",".join(d(x) for x in v) + "]"
        return "dict{" + ",".join(f"{d(k)}={d(x)}" for k, x in sorted(v.items(), key=lambda kv: d(kv[0]))) + "}"
    return " ".join(d(a) for a in args)


JS_DESCRIBE = """{ describe: (...args) => {
  const d = (v) => {
    if (v === null) return "nil";
    if (typeof v === "boolean") return `bool:${v}`;
    if (typeof v === "bigint") return `int:${v}`;
    if (typeof v === "number") {
      if (Number.isNaN(v)) return "float:nan";
      if (Object.is(v, -0)) return "float:-0";
      return "float:" + (Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v));
    }
    if (typeof v === "string") return `str:${v}`;
    if (v instanceof Uint8Array) return `bytes:[${[...v].join(", ")}]`;
    if (Array.isArray(v)) return "list[" + v.map(d).join(",") + "]";
    const entries = v instanceof Map ? [...v] : Object.entries(v);
    return "dict{" + entries.map(([k, x]) => [d(k), d(x)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, x]) => `${k}=${x}`).join(",") + "}";
  };
  return args.map(d).join(" ");
} }"""


# ---------------------------------------------------------------- values both ways


def test_lua_values_reach_both_hosts_alike(host_page):
    r = same(host_page, {"describe": py_describe}, JS_DESCRIBE, r"""
        return describe(nil, true, false, math.maxinteger, math.mininteger, 0, -0.0, 1/0, -1/0, 0/0, 2^53, 1.5),
               describe('héllo', 'a\0b', '\255\254', '', {}, {1, 2, {3}}, {x = {y = 'z'}, [10] = 1}),
               describe({[true] = 1, [2.5] = 'f', [3] = 'i'}, {1, nil, 3}, {n = 1, 'a'}), select('#', describe(1, nil, nil))
    """)
    assert r["values"][0] == ("nil bool:true bool:false int:9223372036854775807 int:-9223372036854775808 int:0 "
                              "float:-0 float:Infinity float:-Infinity float:nan float:9007199254740992.0 float:1.5")
    assert r["values"][1] == "str:héllo str:a\0b bytes:[255, 254] str: dict{} list[int:1,int:2,list[int:3]] " \
                             "dict{int:10=int:1,str:x=dict{str:y=str:z}}"


PY_VALUES = (None, True, False, 2**63 - 1, -2**63, 0, -0.0, math.inf, -math.inf, math.nan, 1.5, "héllo",
             b"a\0b\xff", [], [1, [2, [3]]], {"k": {"n": 1}}, {1: "int", 2.0: "float-int", 2.5: "float", "s": "str"})
JS_VALUES = """multiple(null, true, false, 2n ** 63n - 1n, -(2n ** 63n), 0n, -0, Infinity, -Infinity, NaN, 1.5, "héllo",
  new Uint8Array([97, 0, 98, 255]), [], [1n, [2n, [3n]]], { k: { n: 1n } },
  new Map([[1n, "int"], [2, "float-int"], [2.5, "float"], ["s", "str"]]))"""

VALUES_SCRIPT = r"""
    local n, t, f, big, small, zero, negzero, inf, ninf, nan, x, s, b, empty, nested, map, keys = values()
    assert(select('#', values()) == 17)
    local two
    for k in pairs(keys) do if k == 2 then two = math.type(k) end end
    return n, t, f, big, small, math.type(zero), 1 / negzero, inf, ninf, nan ~= nan, x, s, #s, b, #b,
           next(empty), #nested, nested[2][2][1], math.type(map.k.n), keys[1], keys[2], two, keys[2.5], keys.s
"""


def test_host_values_reach_lua_alike(host_page):
    r = same(host_page, {"values": lambda: PY_VALUES}, f"{{ values: () => {JS_VALUES} }}", VALUES_SCRIPT)
    assert r["error"] is None


def test_values_make_the_round_trip_with_their_types(host_page):
    same(host_page, {"echo": lambda *a: a}, "{ echo: (...a) => multiple(...a) }", r"""
        local function show(...)
          local out = {}
          for i = 1, select('#', ...) do
            local v = select(i, ...)
            out[i] = (math.type(v) or type(v)) .. ':' .. (type(v) == 'table' and #v or tostring(v))
          end
          return table.concat(out, ' ')
        end
        return show(echo(nil, 1, 1.0, -0.0, 2^63, math.mininteger, 'x', '\255', {1, {2}}, nil)),
               select('#', echo()), select('#', echo(nil, nil))
    """)


def test_none_and_undefined_are_one_nil_and_multiple_none(host_page):
    same(host_page, {"one": lambda *a: None, "none": lambda: ()},
         "{ one: () => undefined, none: () => multiple() }",
         "return select('#', one()), select('#', none()), one()")


@pytest.mark.parametrize("code", [
    "record(1, print)", "record(coroutine.create(print))", "record(io.stdout)",
    "record({f = {g = print}})", "record({[{}] = 1})", "local t = {} t[1] = {t} record(1, 2, t)",
    "local t = {} for i = 1, 100 do t = {t} end record(t)", "\nlog.info(print)",
    "local t = {} for i = 1, 99 do t = {t} end return record(t, {1, {2}})",
])
def test_the_module_refuses_the_same_arguments(host_page, code):
    same(host_page, {"record": lambda *a: len(a), "log.info": lambda *a: len(a)},
         "{ record: (...a) => BigInt(a.length), 'log.info': (...a) => BigInt(a.length) }", code)


@pytest.mark.parametrize("value, message", [
    ("2n ** 63n", "echo: RangeError: the integer 9223372036854775808 does not fit in 64 bits (the result)"),
    ("-(2n ** 63n) - 1n", "echo: RangeError: the integer -9223372036854775809 does not fit in 64 bits (the result)"),
    ("new Set([1])", "echo: TypeError: cannot pass a Set to Lua (the result)"),
    ("[() => 1]", "echo: TypeError: cannot pass a function to Lua (the result)"),
    ("[Symbol('s')]", "echo: TypeError: cannot pass a symbol to Lua (the result)"),
    ("new Map([[null, 1]])", "echo: TypeError: null cannot be a Lua table key (the result)"),
    ("new Map([[NaN, 1]])", "echo: TypeError: NaN cannot be a Lua table key (the result)"),
    ("multiple(1, new Date(0))", "echo: TypeError: cannot pass a Date to Lua (result 2)"),
    ("(() => { const a = [1]; a.push(a); return a; })()",
     "echo: TypeError: an Array that contains itself cannot pass to Lua (the result)"),
    ("(() => { let a = []; for (let i = 0; i < 101; i++) a = [a]; return a; })()",
     "echo: RangeError: tables nested deeper than 100 cannot pass to Lua (the result)"),
])
def test_a_value_lua_cannot_hold_is_an_error_naming_the_function(host_page, value, message):
    # The Python host's words for its own types (tests/test_host_functions.py); these are JavaScript's.
    r = run_js(host_page, f"{{ echo: () => {value} }}", "local ok, e = pcall(echo) return ok, e")
    assert r["values"] == [False, message]


def test_a_value_shared_twice_is_no_cycle(host_page):
    shared = [1]
    same(host_page, {"echo": lambda: [shared, shared]},
         "{ echo: () => { const s = [1n]; return [s, s]; } }", "local t = echo() return t[1][1] + t[2][1]")


# ---------------------------------------------------------------- errors


def py_price(sku):
    raise ValueError(f"no such sku: {sku}")


def py_bare():
    raise KeyError


JS_PRICE = "{ price: (sku) => { throw new ValueError(`no such sku: ${sku}`); }, bare: () => { throw new KeyError(); } }"


@pytest.mark.parametrize("code", [
    "local x = 1\nlocal p = price('abc')\nreturn p",
    "local ok, e = pcall(function() return price('x') end) return ok, e, bare ~= nil",
    "bare()",
    "return select('#', pcall(price, 1)), xpcall(price, function(m) return 'handled: ' .. m end, 2)",
    "local co = coroutine.wrap(function() price('in a coroutine') end) return pcall(co)",
])
def test_an_exception_is_a_lua_error_at_the_call(host_page, code):
    same(host_page, {"price": py_price, "bare": py_bare}, JS_PRICE, code)


def test_a_thrown_value_that_is_no_error_reads_as_string_does(host_page):
    r = run_js(host_page, "{ s: () => { throw 'plain'; }, o: () => { throw { toString() { return 'custom'; } }; } }",
               "local a, b = pcall(s) return a, b, pcall(o)")
    assert r["values"] == [False, "s: plain", False, "o: custom"]


def test_an_exception_every_tenth_of_ten_thousand_calls(host_page):
    def flaky(i):
        if i % 10 == 0:
            raise RuntimeError(f"call {i}")
        return i * 2

    r = same(host_page, {"flaky": flaky},
             "{ flaky: (i) => { if (i % 10n === 0n) throw new RuntimeError(`call ${i}`); return i * 2n; } }", """
        local sum, failures, last = 0, 0
        for i = 1, 10000 do
          local ok, v = pcall(flaky, i)
          if ok then sum = sum + v else failures = failures + 1 last = v end
        end
        return sum, failures, last
    """)
    assert r["values"] == [{"i": str(sum(2 * i for i in range(1, 10001) if i % 10))}, {"i": "1000"},
                           "flaky: RuntimeError: call 10000"]


def test_a_host_function_cannot_start_an_eval_of_its_host(host_page):
    r = host_page.evaluate("""async () => {
      const m = await import("/lua-host.js");
      let lua;
      lua = await m.createLua({ functions: { inner: () => lua.run("return 1") } });
      return lua.run("return pcall(inner)").values;
    }""")
    assert r[0] is False and r[1].startswith("inner: Error: an eval of this instance is under way")


# ---------------------------------------------------------------- registration and the environment


PY_NAMED = {"echo": lambda *a: a, "record": lambda *a: len(a), "log.info": lambda *a: len(a),
            "deep.a.b": lambda: "deep", "string.shout": lambda s: s.upper() + "!"}
JS_NAMED = """{ echo: (...a) => multiple(...a), record: (...a) => BigInt(a.length), "log.info": (...a) => BigInt(a.length),
  "deep.a.b": () => "deep", "string.shout": (s) => s.toUpperCase() + "!" }"""


@pytest.mark.parametrize("code", [
    "return log.info(1, 2), deep.a.b(), ('hi'):shout(), string.shout('a')",
    "echo = function() return 'mine' end log.info = nil deep.a = nil string.shout = nil record = nil "
    "return echo(), log.info, deep.a, string.shout",
    "log = nil deep = 5 return 1",
])
def test_dotted_names_and_a_script_s_own_copies(host_page, code):
    same(host_page, PY_NAMED, JS_NAMED, code)


def test_every_eval_gets_the_functions_back(host_page):
    r = host_page.evaluate("""async () => {
      const m = await import("/lua-host.js");
      const lua = await m.createLua({ functions: { "log.info": () => 1n, f: () => 2n } });
      lua.run("log = nil f = nil string = nil");
      return lua.run("return log.info(), f(), type(string)").values;
    }""")
    assert r == [{"i": "1"}, {"i": "2"}, "table"]


@pytest.mark.parametrize("functions, message", [
    ('{ "": () => 1 }', "host function name '' is not Lua names joined by dots"),
    ('{ "a.": () => 1 }', "host function name 'a.' is not Lua names joined by dots"),
    ('{ "1x": () => 1 }', "host function name '1x' is not Lua names joined by dots"),
    ('{ "é": () => 1 }', "host function name 'é' is not Lua names joined by dots"),
    ('{ _home: () => 1 }', "host function name '_home': every eval sets '_home'"),
    ('{ "arg.x": () => 1 }', "host function name 'arg.x': every eval sets 'arg'"),
    ('{ log: () => 1, "log.info": () => 1 }', "host function 'log' would replace the table that holds 'log.info'"),
    ('{ f: 1 }', "host function 'f' is not a function: number"),
    ('{ "print.x": () => 1 }', "lua.wasm init failed with status -1 (or a host function's name runs through a global"
                               " that is not a table, as 'print.x' would)"),
])
def test_bad_registrations_are_refused(host_page, functions, message):
    r = host_page.evaluate("""async (functions) => {
      const m = await import("/lua-host.js");
      try { await m.createLua({ functions: new Function(`return (${functions});`)() }); return null; }
      catch (e) { return e.message; }
    }""", functions)
    assert r == message


# ---------------------------------------------------------------- limits


def test_the_same_instructions_and_an_exact_budget_across_calls(host_page):
    code = "local s = 0 for i = 1, 50 do s = s + echo(i) end return s"
    r = same(host_page, {"echo": lambda x: x}, "{ echo: (x) => x }", code)
    n = int(r["instructions"])
    for budget in (n, n - 1):
        want = run_py({"echo": lambda x: x}, code, instructions_max=budget)
        got = run_js(host_page, "{ echo: (x) => x }", code, limits={"instructionsMax": budget})
        assert got == want
    assert want["error"]["message"] == "instruction limit exceeded"


def test_replies_past_the_inline_buffer_and_past_the_heap(host_page):
    code = "local s, t = echo(70000) local ok, e = pcall(big) return #s, #t.k, #echo(10), ok, e"
    want = run_py({"echo": lambda n: ("z" * n, {"k": "w" * n}), "big": lambda: "x" * (16 << 20)}, code,
                  memory_bytes_max=8 << 20)
    got = run_js(host_page, '{ echo: (n) => multiple("z".repeat(Number(n)), { k: "w".repeat(Number(n)) }),'
                            ' big: () => "x".repeat(16 << 20) }', code, limits={"memoryBytesMax": 8 << 20})
    assert got == want
    assert got["values"] == [{"i": "70000"}, {"i": "70000"}, {"i": "10"}, False, "not enough memory"]


# ---------------------------------------------------------------- modules (ABI §12)


UTIL = """local M = {}
print('loading', ...)
function M.twice(x) return 2 * x end
function M.fail() error('boom') end
return M
"""
MODULES = {"util": UTIL, "a.b": "return 'dotted ' .. ..."}


@pytest.mark.parametrize("code, eval_modules", [
    ("local u, where = require 'util' local again = require 'util' "
     "return u.twice(21), where, again == u, package.loaded.util == u", None),
    ("return require 'a.b'", None),
    ("local u = require 'util'\nprint(u.twice(4))\nprint(pcall(u.fail))\nu.fail()\n", None),
    ("print(pcall(require, 'bad'))", {"bad": "local x = 1\nlocal y = = 2\n"}),
    ("require 'bin'", {"bin": "\x1bLua"}),
    ("require 'nope'", None),
    ("""package.preload.a = function(...) local b = require 'b' return {b = b} end
        package.preload.b = function(...) local a = require 'a' return {a = a} end
        print(pcall(require, 'a'))""", None),
    ("print(pcall(require, 'a'))", {"a": "local b = require 'b' return {b = b}", "b": "local a = require 'a' return {a = a}"}),
    ("print(require 'm', package.loaded.m) print(require 'n') print(require 'o')",
     {"m": "package.loaded.m = 'early' local again = require 'm' return again .. '!'", "n": "return nil", "o": "return false"}),
    ("return require 'string' == string, require '_G' == _G, require 'package' == package, package.config", None),
    ("package.preload.util = function(name, extra) return name .. ' ' .. extra end return require 'util'", None),
    ("""local seen = {}
        table.insert(package.searchers, function(name) seen[#seen + 1] = name return 'no custom ' .. name end)
        local ok, e = pcall(require, 'zz')
        package.searchers[3] = function(name) return function(n, extra) return n .. '/' .. extra end, 'data' end
        return seen[1], e, require 'zz'""", None),
    ("return require('util'), require('mine')", {"util": "return 'override'", "mine": "return 5"}),
    ("return require 'm' -- a long comment, long enough to pass the limit" + "!" * 1000,
     {"m": "return 7" + " " * (1024 * 1024 - 1000)}),
])
def test_modules_give_the_same_results(host_page, code, eval_modules):
    same(host_page, None, "{}", code, modules=MODULES, eval_modules=eval_modules)


def test_package_tables_and_eval_modules_are_restored(host_page):
    r = host_page.evaluate("""async () => {
      const m = await import("/lua-host.js");
      const lua = await m.createLua({ modules: { util: "return 'u'" } });
      lua.run("package.loaded.string = nil package.loaded.extra = 1 package.searchers[2] = nil require = nil",
              { modules: { mine: "return 5" } });
      return lua.run("return package.loaded.string == string, package.loaded.extra, #package.searchers, " +
                     "require 'util', pcall(require, 'mine')").values;
    }""")
    assert r[:5] == [True, None, {"i": "2"}, "u", False]


# ---------------------------------------------------------------- async functions (JSPI)


def test_an_async_function_is_waited_for(host_page):
    async def later(x):
        return x + 1

    r = same(host_page, {"later": later, "echo": lambda *a: a},
             "{ later: async (x) => { await new Promise((r) => setTimeout(r, 20)); return x + 1n; },"
             "  echo: (...a) => multiple(...a) }",
             "local a = later(41) local ok, e = pcall(later, nil) return a, math.type(a), echo(1, 2), ok",
             is_async=True)
    assert r["values"][:3] == [{"i": "42"}, "integer", {"i": "1"}]


def test_async_rejections_and_many_awaits(host_page):
    async def fail(i):
        raise ValueError(f"late {i}")

    async def inc(x):
        return x + 1

    same(host_page, {"fail": fail, "inc": inc},
         "{ fail: async (i) => { await null; throw new ValueError(`late ${i}`); }, inc: async (x) => x + 1n }",
         "local n = 0 for i = 1, 1000 do n = inc(n) end return n, pcall(fail, 7)", is_async=True)


def test_a_promise_in_a_host_that_is_not_async_is_an_error_at_the_call(host_page):
    r = run_js(host_page, "{ p: () => Promise.resolve(1) }", "return pcall(p)")
    assert r["values"] == [False, "p: TypeError: a Promise was returned where the host is not async"
                                  " (createLua's async: true waits for it)"]
    r = run_js(host_page, "{ p: () => new Promise((r) => setTimeout(() => r(5n), 10)) }", "return p()", is_async=True)
    assert r["values"] == [{"i": "5"}]


def test_an_async_host_has_no_synchronous_run(host_page):
    r = host_page.evaluate("""async () => {
      const m = await import("/lua-host.js");
      const lua = await m.createLua({ functions: { f: async () => 1n } });
      try { lua.run("return 1"); return null; } catch (e) { return [lua.isAsync, e.message]; }
    }""")
    assert r == [True, "this host has async functions: its evals run through runAsync"]


# ---------------------------------------------------------------- LuaClient: page functions in the worker


CLIENT_JS = """async ([code, options]) => {
  const { LuaClient } = await import("/lua-client.js");
  const named = (name) => class extends Error { get name() { return name; } };
  const ValueError = named("ValueError");
  window.calls = [];
  const client = new LuaClient({ storageKey: "host-functions-test", modules: { util: "return {n = 7}" }, functions: {
    echo: (...a) => { window.calls.push(a.length); return a; },
    later: async (x) => { await new Promise((r) => setTimeout(r, 20)); return x * 2n; },
    price: (sku) => { throw new ValueError(`no such sku: ${sku}`); },
    hang: () => new Promise(() => {}),
  } });
  window.client = client;
  const r = await client.run(code, options);
  return JSON.stringify({ values: r.values, error: r.error && r.error.message, engine: r.engine });
}"""


def run_client(page, code, **options):
    return json.loads(page.evaluate(CLIENT_JS, [code, options]))


def test_page_functions_are_called_from_the_worker(host_page):
    r = run_client(host_page, "local t = echo(1, 'a', {x = 1}) local ok, e = pcall(price, 'tea') "
                              "return t[1], t[2], t[3].x, later(21), ok, e, require('util').n, require 'm'",
                   modules={"m": "return 'mine'"})
    assert r == {"values": [{"i": "1"}, "a", {"i": "1"}, {"i": "42"}, False, "price: ValueError: no such sku: tea",
                            {"i": "7"}, "mine", "m.lua"], "error": None, "engine": "browser"}


def test_page_functions_in_a_loop(host_page):
    r = run_client(host_page, "local n = 0 for i = 1, 2000 do n = n + #echo(i, i) end return n")
    assert r["values"] == [{"i": "4000"}]


def test_a_timeout_and_stop_end_a_pending_call(host_page):
    r = run_client(host_page, "print('before') return hang()", timeoutMs=300)
    assert r["error"] == "timeout: the script ran longer than 300 ms"
    r = host_page.evaluate("""async () => {
      const run = window.client.run("later(1) return hang()");
      await new Promise((r) => setTimeout(r, 200));
      const stopped = window.client.stop();
      const r = await run;
      const after = await window.client.run("return later(4)");
      return [stopped, r.error.message, after.values];
    }""")
    assert r == [True, "stopped: the script was ended by the user", [{"i": "8"}]]


@pytest.mark.parametrize("engine", ["server", "pyodide"])
def test_other_engines_refuse_a_client_with_functions_before_running(host_page, engine):
    with pytest.raises(Exception, match=f"the {engine} engine cannot call this page's functions "
                                        r"\(echo, later, price, hang\)"):
        run_client(host_page, "return 1", engine=engine)
    assert host_page.evaluate("window.calls.length") == 0


# ---------------------------------------------------------------- modules on every engine


ENGINE_RUN = """async ([code, engine, modules]) => {
  const api = window.wasmCompute;
  await api.ready;
  await api.setHome({ t: [] });
  const r = await api.run(code, { engine, modules, name: "f.lua" });
  return JSON.stringify({ output: r.output, values: r.values, error: r.error && r.error.message });
}"""

ENGINE_CASES = [
    ("local u, where = require 'util' print(u.twice(4), pcall(u.fail)) return where, require 'a.b'", {}),
    ("print(pcall(require, 'bad')) require 'nope'", {"bad": "local x = 1\nlocal y = = 2\n"}),
    ("print(pcall(require, 'a'))", {"a": "local b = require 'b' return {b = b}", "b": "local a = require 'a' return {a = a}"}),
    ("return require('util'), require('mine'), package.loaded.mine", {"util": "return 'override'", "mine": "return 5"}),
]


@pytest.mark.parametrize("engine", ["browser", "server", "pyodide"])
@pytest.mark.parametrize("code, modules", ENGINE_CASES)
def test_modules_on_every_engine_as_on_the_python_host(open_page, engine, code, modules, request):
    page = request.getfixturevalue("engine_page")
    all_modules = {**MODULES, **modules}
    with Sandbox() as sb:
        r = sb.eval(code, name="f.lua", modules=all_modules)
    want = json.loads(json.dumps({"output": r.output, "values": [encode_value(v) for v in r.raw_values],
                                  "error": r.error and r.error.message}))
    assert json.loads(page.evaluate(ENGINE_RUN, [code, engine, all_modules])) == want


@pytest.fixture(scope="module")
def engine_page(open_page):
    """The playground's page (window.wasmCompute), kept for the module: Pyodide loads once."""
    page = open_page()
    yield page
    page.context.close()


def test_without_jspi_async_functions_are_refused_at_registration(page):
    """A browser without JSPI, made by removing it before the modules load in a fresh page."""
    r = page.evaluate("""async () => {
      delete WebAssembly.Suspending;
      const m = await import("/lua-host.js");
      const { LuaClient } = await import("/lua-client.js");
      const refused = async (make) => { try { await make(); return null; } catch (e) { return e.message; } };
      const plain = await m.createLua({ functions: { f: () => 1n } });
      return [m.HAS_JSPI, plain.run("return f()").values,
              await refused(() => m.createLua({ functions: { f: async () => 1n } })),
              await refused(() => m.createLua({ functions: { f: () => 1n }, async: true })),
              await refused(() => new LuaClient({ functions: { f: () => 1n } }))];
    }""")
    need = "need JSPI (WebAssembly.Suspending and WebAssembly.promising), which this JavaScript engine lacks" \
           " (Chromium 137 or later has it)"
    assert r == [False, [{"i": "1"}], f"async host functions {need}", f"async host functions {need}",
                 f"a page's host functions, called from the worker, {need}"]


def test_a_getter_that_runs_another_host_meanwhile_spoils_no_reply(host_page):
    r = host_page.evaluate("""async () => {
      const m = await import("/lua-host.js");
      const other = await m.createLua({ functions: { word: () => "inner reply" } });
      const lua = await m.createLua({ functions: { outer: () => ({
        a: "before",
        get b() { return other.run("return word()").values[0]; },
        c: "after",
      }) } });
      return lua.run("local t = outer() return t.a, t.b, t.c").values;
    }""")
    assert r == ["before", "inner reply", "after"]


def test_values_cross_the_worker_as_in_the_page(host_page):
    """LuaClient's calls: arguments structured-cloned to the page, the reply encoded there."""
    code = r"""
        return describe(nil, true, 0, -0.0, 0/0, 2^53, 'héllo', '\255\254', {}, {1, {2}}, {[true] = 1, [2.5] = 'f'}),
               values()
    """
    want = run_py({"describe": py_describe, "values": lambda: PY_VALUES}, code)
    got = json.loads(host_page.evaluate("""async ([describe, values, code]) => {
      const { LuaClient, multiple } = await Promise.all([import("/lua-client.js"), import("/lua-host.js")])
        .then(([c, h]) => ({ LuaClient: c.LuaClient, multiple: h.multiple }));
      const functions = { ...new Function(`return (${describe});`)(), values: new Function("multiple", `return () => ${values};`)(multiple) };
      const r = await new LuaClient({ storageKey: "values-test", functions }).run(code);
      return JSON.stringify({ values: r.values, error: r.error && r.error.message });
    }""", [JS_DESCRIBE, JS_VALUES, code]), parse_int=float)
    assert got == {"values": want["values"], "error": None}
