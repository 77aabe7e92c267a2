"""Lua 5.4.8's own test suite (lua/lua-5.4.8/testes, fetched by ./build.sh): which files run,
the line put in front of each, the limits, and what a passing run looks like.

tests/test_lua_testes.py (the Python host) and e2e/test_lua_testes_browser.py (the JS host in
Chromium, and the Python host in Pyodide) import this file, so every engine runs the same files
the same way. lua/TESTES.md lists every file of the suite, why the others do not apply, and
what the line in front provides and why.

Each file runs as it is, as ONE eval under its own chunk name (`name="closure.lua"`, so its
messages read `closure.lua:12:` as under the standard `lua`), with a single line of Lua put in
front of its first line, on that same line, so every line number is the file's own.
"""

import re
from dataclasses import dataclass
from pathlib import Path

TESTES = Path(__file__).resolve().parents[1] / "lua" / "lua-5.4.8" / "testes"

_MiB = 1024 * 1024

# The suite is long and memory hungry (gc.lua, errors.lua, heavy.lua): limits far above the
# defaults, the same on every engine. On the Python host the seed is fixed, so that math.lua's
# statistical checks are reproducible; the page's run() takes no seed, and math.lua is written
# to pass with any (all.lua seeds it at random).
LIMITS = {
    "instructions_max": 2_000_000_000,
    "memory_bytes_max": 512 * _MiB,
    "timeout_ms": 60_000,
    "output_bytes_max": 4 * _MiB,
    "random_seed": 20250101,
}

# The suite's own modules, which `require` finds beside the files under the standard `lua`: the
# host gives their text as it is, as modules of the eval (zig/ABI.md §12).
_FIXTURES = ("bwcoercion", "tracegc")


def modules() -> dict[str, str]:
    """The modules every file's eval gets: bwcoercion (bitwise.lua's string coercion) and
    tracegc (all.lua's collection tracer, which cstack.lua and locals.lua require)."""
    return {name: (TESTES / f"{name}.lua").read_text(encoding="utf-8") for name in _FIXTURES}


def lua_string(data: bytes) -> str:
    """A one-line Lua string literal holding `data` exactly."""
    out = []
    for byte in data:
        if byte == 0x5C:
            out.append("\\\\")
        elif byte == 0x22:
            out.append('\\"')
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03d}")
        else:
            out.append(chr(byte))
    return '"' + "".join(out) + '"'


def stand_ins() -> str:
    """The one stand-in for what the standard `lua` gives the files and the sandbox has not,
    as one line; see lua/TESTES.md. It is not what a file tests."""
    return "os.setlocale=function(l) if l==nil or l=='C' then return 'C' end return nil end "


@dataclass(frozen=True)
class Case:
    file: str
    tail: str = "OK\n"       # how the file's output ends when it passes
    settings: str = ""       # suite globals set before the file runs
    values: tuple = ()       # what the file returns (typed JSON, a function as {"o": "function"})
    shows: tuple = ()        # lines the output must also hold
    # Run inside a coroutine, as all.lua runs big.lua: the eval's chunk is the line alone, which
    # loads the file's text (as it is, under its own name) and resumes it until it returns;
    # each value it yields must be the next of `yields`.
    yields: tuple = ()


CASES = [
    # all.lua: f = coroutine.wrap(loadfile('big.lua')); assert(f() == 'b'); assert(f() == 'a')
    Case("big.lua", yields=("b", "a")),
    Case("bitwise.lua"),
    Case("calls.lua", values=({"o": "function"},)),  # all.lua: dofile('calls.lua') == deep
    Case("closure.lua"),
    Case("constructs.lua"),
    Case("coroutine.lua"),
    Case("cstack.lua"),
    Case("errors.lua"),
    Case("events.lua", values=({"i": "12"},)),
    # The last line comes from a finalizer that lua_close runs when the chunk has ended.
    Case("gc.lua", tail="OK\n>>> closing state <<<\n\n"),
    Case("gengc.lua"),
    Case("goto.lua"),
    # Not run by all.lua (natively it grows a table until the machine runs out of memory): here
    # the sandbox's memory cap stops it with Lua's own error, which the file catches and shows.
    Case("heavy.lua", shows=("expected error: \tnot enough memory",)),
    Case("literals.lua"),
    Case("locals.lua", values=({"i": "5"}, {"o": "function"})),
    Case("math.lua"),
    Case("nextvar.lua"),
    Case("pm.lua"),
    Case("sort.lua"),
    Case("strings.lua"),
    Case("tpack.lua"),
    Case("utf8.lua", tail="ok\n"),
    Case("vararg.lua"),
    # _soft: the file's second half writes a generated program to a temporary file and dofile's
    # it; all.lua's "soft" mode stops before that and the file returns 10.
    Case("verybig.lua", tail="", settings="_soft=true ", values=({"i": "10"},)),
]


# Files that fail on a host for a reason of that host, not of Lua: the hosts ("python";
# "browser", "pyodide": the page's engines) and why. The tests mark them as expected failures,
# strictly, so the fix shows up and the entry must go.
KNOWN_BUGS: dict = {}


def known_bug(file: str, host: str) -> str | None:
    """Why `file` fails on `host` today, or None."""
    hosts, reason = KNOWN_BUGS.get(file, ((), ""))
    return reason if host in hosts else None


def missing_testes() -> str | None:
    """Why the suite cannot run here, or None."""
    if (TESTES / "all.lua").is_file():
        return None
    return (f"Lua's test suite is missing: {TESTES}. ./build.sh fetches it with the Lua sources "
            "(if lua/lua-5.4.8 exists without testes/, remove it and run ./build.sh)")


def source(case: Case) -> bytes:
    """The eval's code: the line in front, then the file as it is (or, for a file that runs in
    a coroutine, the line that loads and resumes it)."""
    prefix = (case.settings + stand_ins()).encode()
    text = (TESTES / case.file).read_bytes()
    if case.yields:
        checks = " ".join(f"assert(f() == {lua_string(y.encode())})" for y in case.yields)
        prefix += (f"local f = coroutine.wrap(assert(load({lua_string(text)}, '@{case.file}', 't'))) "
                   f"{checks}").encode()
        text = b""
    assert b"\n" not in prefix
    return prefix + text


def _value_kind(v):
    """Typed JSON with functions, threads and userdata reduced to their type."""
    if isinstance(v, dict) and "o" in v:
        return {"o": re.match(r"[a-z]+", v["o"]).group(0)}
    return v


def failure(case: Case, output: str, error: dict | None, values: list) -> str | None:
    """What is wrong with a run of `case`, or None when it passed. error: None or
    {"name", "message", "traceback"}; values: typed JSON."""
    if error is not None:
        return (f"{case.file}: {error['name']}: {error['message']}\n{error.get('traceback') or ''}\n"
                f"--- output (last 2000 chars) ---\n{output[-2000:]}")
    if not output.endswith(case.tail):
        return f"{case.file} did not end with {case.tail!r}:\n{output[-2000:]}"
    missing = [line for line in case.shows if line not in output.split("\n")]
    if missing:
        return f"{case.file} did not show {missing}:\n{output[-2000:]}"
    got = [_value_kind(v) for v in values]
    if got != list(case.values):
        return f"{case.file} returned {got}, not {list(case.values)}"
    return None
