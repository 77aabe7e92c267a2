"""`require` and the host's modules (zig/ABI.md §12), compared with standard Lua where Lua
has a say: a module of the host is a file `./name.lua` to the native `lua`, whose messages
then read `./util.lua:3:` where ours read `util.lua:3:`."""

import pytest

from wasm_compute import CodeTooLarge, LuaRuntimeError, LuaSyntaxError, Sandbox

from conftest import run
from native import run_lua

UTIL = """local M = {}
print('loading', ...)
function M.twice(x) return 2 * x end
function M.fail() error('boom') end
return M
"""


@pytest.fixture
def sb():
    with Sandbox(modules={"util": UTIL, "a.b": "return 'dotted ' .. ..."}) as sandbox:
        yield sandbox


def native(tmp_path, code: str, modules: dict[str, str]):
    """The native run of `code` with each module a file beside it; its `./` prefixes removed."""
    for name, source in modules.items():
        (tmp_path / f"{name}.lua").write_text(source)
    out = run_lua(tmp_path, code)
    return out.stdout.decode().replace("./", ""), out.stderr.decode().replace("./", "")


def test_require_loads_a_host_module_once_per_eval(sb):
    r = run(sb, "local u, where = require 'util' local again = require 'util' "
                "return u.twice(21), where, again == u, package.loaded.util == u")
    assert r.output == "loading\tutil\tutil.lua\n"
    assert r.values == [42, "util.lua", True, True]
    # The next eval loads it again: package.loaded is restored after each eval.
    r = run(sb, "local before = package.loaded.util return before, require('util').twice(1)")
    assert r.output == "loading\tutil\tutil.lua\n" and r.values == [None, 2]


def test_dotted_module_names_keep_their_dots(sb):
    assert run(sb, "return require 'a.b'").values == ["dotted a.b", "a.b.lua"]


def test_the_same_as_lua_for_a_module_that_prints_returns_and_fails(sb, tmp_path):
    code = "local u = require 'util'\nprint(u.twice(4))\nprint(pcall(u.fail))\nu.fail()\n"
    stdout, stderr = native(tmp_path, code, {"util": UTIL})
    r = sb.eval(code, name="f.lua")
    assert r.output == stdout
    assert isinstance(r.error, LuaRuntimeError)
    assert stderr.startswith(f"lua: {r.error.message}\nstack traceback:")
    assert r.error.message == "util.lua:4: boom"
    assert "util.lua:4: in function 'util.fail'" in r.error.traceback


def test_a_module_with_a_syntax_error_is_lua_s_error_loading_module(sb, tmp_path):
    bad = "local x = 1\nlocal y = = 2\n"
    code = "print(pcall(require, 'bad'))\n"
    stdout, _ = native(tmp_path, code, {"bad": bad})
    r = run(sb, code, name="f.lua", modules={"bad": bad})
    assert r.output == stdout
    assert r.output == ("false\terror loading module 'bad' from file 'bad.lua':\n"
                        "\tbad.lua:2: unexpected symbol near '='\n")


def test_a_binary_chunk_as_a_module_is_refused(sb):
    r = sb.eval("require 'bin'", modules={"bin": b"\x1bLua\x54\x00"})
    assert "attempt to load a binary chunk (mode is 't')" in r.error.message


def test_an_unknown_module_lists_where_require_looked(sb, tmp_path):
    r = sb.eval("require 'nope'")
    assert r.error.message == ("input:1: module 'nope' not found:\n"
                               "\tno field package.preload['nope']\n"
                               "\tno host module 'nope'")
    # The same message as lua's, but for the searchers: lua's look in files instead.
    _, stderr = native(tmp_path, "require 'nope'", {})
    assert stderr.startswith("lua: f.lua:1: module 'nope' not found:\n\tno field package.preload['nope']\n\tno file ")


CYCLE_PRELOAD = """
package.preload.a = function(...) local b = require 'b' return {b = b} end
package.preload.b = function(...) local a = require 'a' return {a = a} end
local ok, e = pcall(require, 'a')
print(ok, e)
"""


def test_modules_that_require_each_other_recurse_as_in_lua(sb, tmp_path):
    stdout, _ = native(tmp_path, CYCLE_PRELOAD, {})
    assert run(sb, CYCLE_PRELOAD, name="f.lua").output == stdout == "false\tC stack overflow\n"
    modules = {"a": "local b = require 'b' return {b = b}", "b": "local a = require 'a' return {a = a}"}
    code = "print(pcall(require, 'a'))\n"
    stdout, _ = native(tmp_path, code, modules)
    assert run(sb, code, name="f.lua", modules=modules).output == stdout


def test_a_module_that_sets_package_loaded_itself_as_in_lua(sb, tmp_path):
    modules = {"m": "package.loaded.m = 'early' local again = require 'm' return again .. '!'",
               "n": "return nil", "o": "return false"}
    code = "print(require 'm', package.loaded.m) print(require 'n') print(require 'o')\n"
    stdout, _ = native(tmp_path, code, modules)
    assert run(sb, code, name="f.lua", modules=modules).output == stdout


def test_library_tables_are_in_package_loaded(sb):
    r = run(sb, """
        return require 'string' == string, require 'table' == table, require '_G' == _G,
               require 'package' == package, require 'io' == io, package.loaded.coroutine == coroutine,
               package.config
    """)
    assert r.values == [True] * 6 + ["/\n;\n?\n!\n-\n"]


def test_preload_comes_before_the_host_modules(sb):
    r = run(sb, "package.preload.util = function(name, extra) return name .. ' ' .. extra end "
                "return require 'util'")
    assert r.values == ["util :preload:", ":preload:"]


def test_package_tables_are_restored_after_each_eval(sb):
    run(sb, """
        package.loaded.string = nil
        package.loaded.extra = 1
        package.preload.x = function() return 'x' end
        table.insert(package.searchers, 1, function() return function() return 'hijacked' end end)
        package.searchers[3] = nil
        package.config = 'changed'
        package.loaded = {}
        require = nil
    """)
    r = run(sb, """
        return package.loaded.string == string, package.loaded.extra, package.preload.x, #package.searchers,
               package.config, require('util') ~= nil, pcall(require, 'x')
    """)
    assert r.values[:6] == [True, None, None, 2, "/\n;\n?\n!\n-\n", True]
    assert r.values[6] is False


def test_searchers_are_luas_protocol(sb):
    r = run(sb, """
        local seen = {}
        table.insert(package.searchers, function(name) seen[#seen + 1] = name return 'no custom ' .. name end)
        local ok, e = pcall(require, 'zz')
        package.searchers[3] = function(name) return function(n, extra) return n .. '/' .. extra end, 'data' end
        return seen[1], e, require 'zz'
    """)
    assert r.values == ["zz", "module 'zz' not found:\n\tno field package.preload['zz']\n\tno host module 'zz'"
                        "\n\tno custom zz", "zz/data", "data"]


def test_an_eval_s_modules_replace_the_sandbox_s(sb):
    r = run(sb, "return require('util'), require('mine')", modules={"util": "return 'override'", "mine": "return 5"})
    assert r.values == ["override", 5, "mine.lua"]
    assert run(sb, "return pcall(require, 'mine')").values[0] is False


def test_keep_globals_keeps_loaded_modules(sb):
    r = run(sb, "u = require 'util'", keep_globals=True)
    assert r.output.startswith("loading")
    r = run(sb, "return require('util') == u")
    assert r.output == "" and r.values == [True]


def test_sources_count_toward_code_bytes_max():
    with Sandbox(code_bytes_max=40, modules={"m": "return 7"}) as sb:
        assert run(sb, "return (require 'm')").values == [7]
        code = "return require 'm' -- a long comment!!"
        r = sb.eval(code)
        assert isinstance(r.error, CodeTooLarge)
        assert r.error.message == f"the code and its modules are {len(code) + 8} bytes; the limit is 40"
        assert len(code) <= 40


@pytest.mark.parametrize("modules, error", [
    ({"": "return 1"}, ValueError), ({"a\0b": "return 1"}, ValueError),
    ({"m": 1}, TypeError), (["m"], TypeError), ({1: "return 1"}, TypeError),
])
def test_bad_modules_are_refused(modules, error):
    with pytest.raises(error):
        Sandbox(modules=modules)


def test_a_syntax_error_in_the_chunk_is_still_a_syntax_error(sb):
    assert isinstance(sb.eval("require 'util' x =").error, LuaSyntaxError)
