"""The parity corpus: read the cases, run them on the Python host, (re)write the expected files.

    .venv/bin/python lua/corpus/regen.py                 # rewrite every NN-name.expected.json
    .venv/bin/python lua/corpus/regen.py 07-patterns     # only these cases
    .venv/bin/python lua/corpus/regen.py --check         # compare, write nothing; exit 1 on a difference
    .venv/bin/python lua/corpus/regen.py --native /tmp/lua_ref
                                                         # compare the cases without `_home` with standard Lua

The expected files are generated, then reviewed by hand: a rewrite is a claim that the new
results are right Lua, to be read in `git diff` before it is committed. `--native` is the
tool for that review: it runs every step that does not touch `_home` (or `Memory`,
`ext_table`) on a standard Lua built from the same sources
(`gcc -O2 -o /tmp/lua_ref lua/lua-5.4.8/onelua.c -lm`), with the sandbox's library surface
(zig/ABI.md §8) and chunk name `input`, and reports every step whose output, stderr,
values or error differ. A case whose first line is `-- native: skip (reason)` is left out.

Cases in KNOWN_BUGS are never rewritten: their expected files hold the right result, written
by hand, which a host does not give yet. When the bug is fixed, its entry goes and
`regen.py --check` must agree with the file.

tests/test_corpus.py and e2e/test_parity.py import this file for `cases`, `read_steps`,
`load_expected`, `run_python`, `first_difference` and `known_bug`, so the corpus is read
and compared one way everywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
STEP_SEPARATOR = "--- step"
# What a step records, in this order in the expected files.
FIELDS = ("output", "stderr", "values", "error", "home")
CASE_NAME = re.compile(r"\d\d-[a-z0-9-]+")
NATIVE_SKIP = re.compile(r"--\s*native:\s*skip\b")
USES_HOME = re.compile(r"\b(_home|Memory|ext_table)\b")


# Cases whose expected file holds the right result, which a host does not give yet: the bug,
# and the hosts it shows on ("python": the Sandbox; "browser", "server": the page's engines).
# The tests mark them as expected failures (strict: a fixed bug fails until it leaves this list).
KNOWN_BUGS: dict = {}


def known_bug(name: str, host: str) -> str | None:
    """The reason `name` fails on `host` today, or None."""
    hosts, reason = KNOWN_BUGS.get(name, ((), ""))
    return reason if host in hosts else None


def cases() -> list[str]:
    """Every case name (`07-patterns`), in order."""
    names = sorted(p.name[:-len(".lua")] for p in CORPUS.glob("*.lua"))
    bad = [n for n in names if not CASE_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"corpus files not named NN-name.lua: {bad}")
    return names


def read_steps(name: str) -> list[str]:
    """The evals of a case: its text split at lines that are exactly `--- step`.
    Each step keeps its own lines (with their newlines), so an error's line number
    counts from the step's first line."""
    text = (CORPUS / f"{name}.lua").read_text(encoding="utf-8")
    steps, current = [], []
    for line in text.splitlines(keepends=True):
        if line.rstrip("\r\n") == STEP_SEPARATOR:
            steps.append("".join(current))
            current = []
        else:
            current.append(line)
    steps.append("".join(current))
    return steps


def expected_path(name: str) -> Path:
    return CORPUS / f"{name}.expected.json"


def load_expected(name: str) -> list[dict]:
    return json.loads(expected_path(name).read_text(encoding="utf-8"))


def error_json(error) -> dict | None:
    """The compared part of an error: code, name, message (never the traceback)."""
    if error is None:
        return None
    return {"code": error.code, "name": error.name, "message": error.message}


def run_python(steps: list[str]):
    """Runs the steps in one fresh Sandbox (default limits, a MemoryStore) and yields one
    `{output, stderr, values, error, home}` per step, values and home as typed JSON (ABI §10).
    A generator, so a test can stop at the first step that differs."""
    from wasm_compute import MemoryStore, Sandbox
    from wasm_compute._homejson import dump
    from wasm_compute._wire import encode_value

    store = MemoryStore()
    with Sandbox(home=store) as sb:
        for code in steps:
            r = sb.eval(code)
            yield {
                "output": r.output,
                "stderr": r.stderr,
                "values": [encode_value(v) for v in r.raw_values],
                "error": error_json(r.error),
                "home": dump(store),
            }


def first_difference(name: str, results) -> str | None:
    """Compares a host's results (an iterable of step dicts, consumed lazily) with the expected
    file, field by field, and describes the first step that differs; None when all agree.
    A step's `error` is compared on code, name and message only."""
    expected = load_expected(name)
    steps = read_steps(name)
    if len(expected) != len(steps):
        return f"{name}: {len(steps)} steps but {len(expected)} expected results; run regen.py"
    for n, (code, want, got) in enumerate(zip(steps, expected, results), 1):
        got = {**got, "error": error_fields(got["error"])}
        for field in FIELDS:
            if got[field] != want[field]:
                return (f"{name} step {n}/{len(steps)}: {field} differs\n"
                        f"  expected: {_short(want[field])}\n"
                        f"  got:      {_short(got[field])}\n"
                        f"--- code of step {n}\n{code}")
    return None


def error_fields(error: dict | None) -> dict | None:
    if error is None:
        return None
    return {"code": error["code"], "name": error["name"], "message": error["message"]}


def _short(v, limit: int = 2000) -> str:
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def format_expected(results: list[dict]) -> str:
    """One step per block, one field per line, each field as compact JSON: readable in a diff."""
    def dumps(v):
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
    blocks = []
    for step in results:
        fields = [f'  {dumps(k)}: {dumps(step[k])}' for k in FIELDS]
        blocks.append(" {\n" + ",\n".join(fields) + "\n }")
    return "[\n" + ",\n".join(blocks) + "\n]\n"


# ---------------------------------------------------------------- the check against standard Lua

# Runs one step the way the sandbox does (zig/ABI.md §4, §8) and writes its return values as
# typed JSON to the file named by arg[2]; strings travel as hex and become text or {"b": ...}
# in Python, so both sides apply the same UTF-8 rule.
NATIVE_DRIVER = r"""
local code_path, values_path = arg[1], arg[2]
local open, format, type, tostring, pairs, next = io.open, string.format, type, tostring, pairs, next
local mtype, concat = math.type, table.concat
local f = assert(open(code_path, "rb")); local code = f:read("a"); f:close()
local out = assert(open(values_path, "wb"))
io.stdout:setvbuf("no")

-- The sandbox's surface: no dofile/loadfile/debug/string.dump, no io.open, io.popen or
-- io.tmpfile, os.time/clock/date/difftime only; require without files (zig/ABI.md §12: the
-- host's searcher, which finds nothing here, is the preload searcher's only companion).
for _, k in ipairs{"dofile", "loadfile", "debug"} do _G[k] = nil end
package.path, package.cpath, package.loadlib, package.searchpath = nil, nil, nil, nil
package.searchers = {package.searchers[1], function(name) return "no host module '" .. name .. "'" end}
arg = {[-1] = "lua", [0] = "input"}  -- what `lua input` makes it (zig/ABI.md §2.2)
string.dump = nil
io.open, io.popen, io.tmpfile = nil, nil, nil
local keep_os = {time = true, clock = true, date = true, difftime = true}
for k in pairs(os) do if not keep_os[k] then os[k] = nil end end

local function hex(s) return (s:gsub(".", function(c) return format("%02x", c:byte()) end)) end
local function enc(v, depth)
  local t = type(v)
  if v == nil then return "null" end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if mtype(v) == "integer" then return format('{"i": "%d"}', v) end
    if v ~= v then return '{"f": "nan"}' end
    if v == math.huge then return '{"f": "inf"}' end
    if v == -math.huge then return '{"f": "-inf"}' end
    if v == 0 and 1 / v < 0 then return '{"f": "-0"}' end
    return format('{"f": %.17g}', v)
  end
  if t == "string" then return format('{"hex": "%s"}', hex(v)) end
  if t == "table" and depth < 100 then
    local items = {}
    for k, x in next, v do items[#items + 1] = "[" .. enc(k, depth + 1) .. ", " .. enc(x, depth + 1) .. "]" end
    return '{"t": [' .. concat(items, ", ") .. ']}'
  end
  return format('{"o": "%s"}', t)
end

local function handler(m)  -- lua.c's msghandler, without the traceback
  if type(m) == "string" then return m end
  if mtype(m) then return tostring(m) end
  local mt = getmetatable(m)
  if type(mt) == "table" and rawget(mt, "__tostring") then
    local s = rawget(mt, "__tostring")(m)
    if type(s) == "string" then return s end
  end
  return format("(error object is a %s value)", type(m))
end

local chunk, err = load(code, "=input", "t")
local result
if not chunk then
  result = format('{"values": [], "error": {"code": -3, "message": {"hex": "%s"}}}', hex(err))
else
  local r = table.pack(xpcall(chunk, handler))
  if r[1] then
    local vals = {}
    for i = 2, r.n do vals[#vals + 1] = enc(r[i], 0) end
    result = '{"values": [' .. concat(vals, ", ") .. '], "error": null}'
  else
    result = format('{"values": [], "error": {"code": -4, "message": {"hex": "%s"}}}', hex(r[2]))
  end
end
out:write(result)
out:close()
"""


def _from_native(v):
    """The driver's JSON as the host's typed JSON: strings from hex, tables ordered as
    `_abi.to_python` orders them (a sequence 1..n by index)."""
    from wasm_compute._wire import encode_bytes
    if isinstance(v, list):
        return [_from_native(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "hex" in v:
        return encode_bytes(bytes.fromhex(v["hex"]))
    if "t" in v:
        pairs = [[_from_native(k), _from_native(x)] for k, x in v["t"]]
        keys = [k for k, _ in pairs]
        ints = [int(k["i"]) for k in keys if isinstance(k, dict) and "i" in k]
        if keys and len(ints) == len(keys) and sorted(ints) == list(range(1, len(keys) + 1)):
            pairs.sort(key=lambda kv: int(kv[0]["i"]))
        return {"t": pairs}
    return v


def _unordered(v):
    """A value whose tables that are not sequences compare without their order: standard
    Lua's hash seed differs from run to run, the sandbox's is fixed (ABI §8)."""
    if isinstance(v, list):
        return [_unordered(x) for x in v]
    if isinstance(v, dict) and "t" in v:
        pairs = [[_unordered(k), _unordered(x)] for k, x in v["t"]]
        return {"t": sorted(pairs, key=lambda kv: json.dumps(kv, sort_keys=True))}
    if isinstance(v, dict) and "f" in v and isinstance(v["f"], (int, float)):
        return {"f": float(v["f"])}
    return v


def run_native(lua: str, code: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        driver, source, values = (Path(tmp) / n for n in ("driver.lua", "step.lua", "values.json"))
        driver.write_text(NATIVE_DRIVER, encoding="utf-8")
        source.write_text(code, encoding="utf-8")
        try:
            proc = subprocess.run([lua, str(driver), str(source), str(values)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                                  env={**os.environ, "TZ": "UTC", "LC_ALL": "C"})
        except subprocess.TimeoutExpired:
            return {"output": "(standard Lua ran past 60 s)", "stderr": "", "values": None, "error": None}
        if not values.exists():
            return {"output": proc.stdout.decode("utf-8", "replace"),
                    "stderr": proc.stderr.decode("utf-8", "replace"), "values": None,
                    "error": f"(standard Lua exited with status {proc.returncode})"}
        raw = json.loads(values.read_text(encoding="utf-8"))
    error = raw["error"]
    if error is not None:
        message = bytes.fromhex(error["message"]["hex"]).decode("utf-8", "replace")
        error = {"code": error["code"], "name": {-3: "syntax", -4: "runtime"}[error["code"]], "message": message}
    return {"output": proc.stdout.decode("utf-8", "replace"), "stderr": proc.stderr.decode("utf-8", "replace"),
            "values": _from_native(raw["values"]), "error": error}


def check_native(lua: str, names: list[str]) -> int:
    differences = 0
    checked = 0
    for name in names:
        steps = read_steps(name)
        if NATIVE_SKIP.match(steps[0]):
            print(f"{name}: skipped ({steps[0].splitlines()[0].lstrip('- ')})")
            continue
        expected = load_expected(name)
        for n, (code, want) in enumerate(zip(steps, expected), 1):
            if USES_HOME.search(code):
                continue
            checked += 1
            got = run_native(lua, code)
            for field in ("output", "stderr", "values", "error"):
                if _unordered(got[field]) != _unordered(want[field]):
                    differences += 1
                    print(f"{name} step {n}: {field} differs\n  sandbox: {want[field]!r}\n  native:  {got[field]!r}")
    print(f"{checked} steps compared with {lua}; {differences} differences")
    return 1 if differences else 0


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="case names (default: all)")
    parser.add_argument("--check", action="store_true", help="compare with the expected files, write nothing")
    parser.add_argument("--native", metavar="LUA", help="compare the cases without _home with this standard Lua")
    args = parser.parse_args(argv)
    names = [n.removesuffix(".lua") for n in args.names] or cases()
    missing = [n for n in names if not (CORPUS / f"{n}.lua").is_file()]
    if missing:
        parser.error(f"no such case: {', '.join(missing)}")
    if args.native:
        return check_native(args.native, names)
    changed = 0
    for name in names:
        bug = known_bug(name, "python")
        if bug:
            # Its expected file was written by hand: the Python host gets it wrong today.
            print(f"{name}: kept (known bug: {bug})")
            continue
        text = format_expected(list(run_python(read_steps(name))))
        path = expected_path(name)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        changed += 1
        if args.check:
            print(f"{name}: differs from {path.name}")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{name}: {'written' if old is None else 'rewritten'}")
    if args.check:
        print(f"{len(names)} cases, {changed} differ")
        return 1 if changed else 0
    print(f"{len(names)} cases, {changed} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
