"""A run's request (zig/ABI.md §2.2) through the page: standard input, arguments and the chunk
name, and standard error in the result.

- `window.wasmCompute.run(code, {engine, stdin, args, name})` gives the same output, stderr,
  values and error on the three engines, and the same as the Python host (`Sandbox.eval`)
  for the same request; `limits` changes the limits of one run on the browser and pyodide
  engines.
- The page: the Input box is the Run button's standard input, saved with the draft and carried
  by share links (server and #code=); stderr has its own region; the editor's code runs as
  `main.lua`.
"""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from wasm_compute import Sandbox

from .conftest import take_problems
from .ui import Playground

ENGINES = ("browser", "server", "pyodide")

# (id, code, stdin, args, name). code, stdin, args and name are str, or bytes that are not UTF-8.
REQUESTS = [
    ("read-formats", 'local n = io.read("n") local l = io.read("l") local rest = io.read("a")\n'
                     'print(n, math.type(n), l, #rest) return n, l, rest, io.read("l"), io.read(0)',
     "42 tail\nline 2\n\xe9 bytes", [], ""),
    ("lines-and-counts", 'for l in io.lines() do io.write("[", l, "]") end print() return io.read("a")',
     "a\r\nb\n\nlast", [], ""),
    ("stdin-bytes-and-bom", 'local s = io.read("a") return s, #s, s:byte(1, 4)',
     b"\xef\xbb\xbfA\xff\x00", [], ""),
    ("code-bytes", b"local s = '\xe9\xff' print(s) return s, #s, '\xef\xbb\xbf'", "", [], ""),
    ("eof", 'print(io.read("l"), io.read("a"), io.read("n"), io.read(1)) return io.stdin:read("L")',
     "", [], ""),
    ("args", 'print(select("#", ...), ...) print(arg[-1], arg[0], #arg) return arg[1], arg[4]',
     "", ["one", "", "\u00fc\ufeff", b"\xff\x00z"], "script.lua"),
    ("default-name", 'print(arg[0]) local function f() error("boom") end f()', "", [], ""),
    ("name-in-errors", 'local t = {}\nlocal function f() return t.x.y end\nreturn f()', "", ["a"], "lib/f.lua"),
    ("syntax-error", "x = = 1", "", [], "bad.lua"),
    ("stderr", 'io.stderr:write("to stderr\\n") io.write("out ") warn("@on") warn("a", "b") '
               'io.stderr:write("\\xff") print("done")', "", [], ""),
    ("stderr-and-error", 'io.stderr:write("before the error\\n") error({})', "", [], "e.lua"),
    ("error-object", 'error(setmetatable({}, {__tostring = function() return "custom" end}))', "", [], "o.lua"),
    # Over the buffer's room (ABI §2): refused before the module, with the same message everywhere.
    ("args-over-the-buffer", "return 1", "", ["x" * 1_100_000, "y" * 1_100_000], ""),
    ("input-over-the-limit", "return 1", "x" * (1024 * 1024 + 1), [], ""),
    ("code-over-the-limit", "return 1" + " " * (1024 * 1024), "", [], ""),
]

# Bytes cross into the page as base64 ({"b": …}) and become a Uint8Array there.
RUN = """async ([code, engine, request]) => {
  const bytes = (v) => (typeof v === "string" ? v : Uint8Array.from(atob(v.b), (c) => c.charCodeAt(0)));
  const api = window.wasmCompute;
  await api.ready;
  await api.setHome({ t: [] });
  const r = await api.run(bytes(code), { ...request.options, engine, stdin: bytes(request.stdin),
                                   args: request.args.map(bytes), name: request.name });
  return JSON.stringify({ engine: r.engine, output: r.output, outputBase64: r.outputBase64 ?? null,
                          stderr: r.stderr, stderrBase64: r.stderrBase64 ?? null, values: r.values,
                          error: r.error && { code: r.error.code, name: r.error.name, message: r.error.message,
                                              traceback: r.error.traceback } });
}"""


def page_value(v):
    return v if isinstance(v, str) else {"b": base64.b64encode(v).decode("ascii")}


def run(page, code, engine, stdin="", args=(), name="", **options):
    """The run's result in the page; options: more of run()'s options (limits, timeoutMs)."""
    request = {"stdin": page_value(stdin), "args": [page_value(a) for a in args], "name": name, "options": options}
    r = json.loads(page.evaluate(RUN, [page_value(code), engine, request]), parse_int=float)
    assert r.pop("engine") == engine
    return r


def python_host(code, stdin, args, name):
    """The same request on the Python host, in the page's shape (web/lua-host.js `run`)."""
    from wasm_compute._wire import encode_value

    with Sandbox() as sb:
        r = sb.eval(code, stdin=stdin, args=list(args), name=name or None)

    def b64(data):
        try:
            data.decode("utf-8")
            return None
        except UnicodeDecodeError:
            return base64.b64encode(data).decode("ascii")

    error = r.error.to_dict() if r.error is not None else None
    # Through JSON as the page's answer went, so numbers compare alike (parse_int=float).
    return json.loads(json.dumps({
        "output": r.output, "outputBase64": b64(r.output_bytes), "stderr": r.stderr,
        "stderrBase64": b64(r.stderr_bytes), "values": [encode_value(v) for v in r.raw_values],
        "error": error and {k: error[k] for k in ("code", "name", "message", "traceback")},
    }), parse_int=float)


@pytest.fixture(scope="module")
def api_page(open_page):
    """One page for every run through the API (Pyodide loads once)."""
    page = open_page()
    yield page
    page.context.close()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case, code, stdin, args, name", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_every_engine_runs_the_request_as_the_python_host(api_page, engine, case, code, stdin, args, name):
    want = python_host(code, stdin, args, name)
    got = run(api_page, code, engine, stdin, args, name)
    assert got == want
    if engine == "server" and case.endswith("over-the-limit"):
        # The server refused it with a 413, which Chromium logs; nothing else may be logged.
        problems = take_problems(api_page)
        assert all("status of 413" in p for p in problems), problems


def test_the_python_host_reference_is_what_the_cases_say():
    """A few facts of the reference itself, so that an engine agreeing with a broken host
    would still be caught."""
    by_case = {case: python_host(code, stdin, args, name) for case, code, stdin, args, name in REQUESTS}
    assert by_case["read-formats"]["output"] == "42\tinteger\t tail\t15\n"
    assert by_case["stdin-bytes-and-bom"]["values"][0] == {"b": base64.b64encode(b"\xef\xbb\xbfA\xff\x00").decode()}
    assert by_case["args"]["output"] == "4\tone\t\tü\ufeff\t\ufffd\x00z\nlua\tscript.lua\t4\n"
    assert by_case["args"]["outputBase64"] is not None
    assert by_case["default-name"]["error"]["message"] == "input:1: boom"
    assert by_case["name-in-errors"]["error"]["message"].startswith("lib/f.lua:2: attempt to index a nil value")
    assert by_case["syntax-error"]["error"]["message"] == "bad.lua:1: unexpected symbol near '='"
    assert by_case["stderr"]["output"] == "out done\n"
    assert by_case["stderr"]["stderr"] == "to stderr\nLua warning: ab\n\ufffd"
    assert by_case["stderr"]["stderrBase64"] == base64.b64encode(b"to stderr\nLua warning: ab\n\xff").decode()
    assert by_case["stderr-and-error"]["stderr"] == "before the error\n"
    assert by_case["stderr-and-error"]["error"]["message"] == "(error object is a table value)"
    assert by_case["error-object"]["error"]["message"] == "custom"
    # ABI v3: the record ends with the modules' count (4 bytes), none here.
    assert by_case["args-over-the-buffer"]["error"]["message"].startswith("the request is 2200040 bytes; the buffer holds")
    assert by_case["input-over-the-limit"]["error"] == {
        "code": -2, "name": "code_size", "message": "the input is 1048577 bytes; the limit is 1048576", "traceback": ""}
    assert by_case["code-over-the-limit"]["error"]["message"] == "the code is 1048584 bytes; the limit is 1048576"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_chunk_name_with_a_nul_is_refused(api_page, engine):
    """As Sandbox.eval refuses it: the client throws, and the page reports that run as failed."""
    r = run(api_page, "return 1", engine, name="a\0b")
    assert "name must not contain a NUL character" in r["error"]["message"]
    assert r["values"] == []


@pytest.mark.parametrize("engine", ["browser", "pyodide"])
def test_limits_of_one_run(api_page, engine):
    page = api_page
    loop = "local n = 0 for i = 1, 1e6 do n = n + i end return n"
    r = run(page, loop, engine, limits={"instructionsMax": 1000})
    assert r["error"]["name"] == "instruction_limit", r["error"]
    # The next run without limits has the defaults again.
    assert run(page, loop, engine)["values"] == [{"i": "500000500000"}]
    r = run(page, "local t = {} for i = 1, 1e7 do t[i] = i end", engine, limits={"memoryBytesMax": 4 << 20})
    assert r["error"]["name"] == "memory_limit", r["error"]
    big = 'return #io.read("a")'
    r = run(page, big, engine, stdin="x" * 2000, limits={"inputBytesMax": 1000})
    assert r["error"]["message"] == "the input is 2000 bytes; the limit is 1000"
    assert run(page, big, engine, stdin="x" * 2000)["values"] == [{"i": "2000"}]
    r = run(page, "while true do end", engine, timeoutMs=500, limits={"instructionsMax": 2e12})
    assert r["error"]["name"] == "timeout", r["error"]
    assert r["error"]["message"] == "timeout: the script ran longer than 500 ms"


# ---------------------------------------------------------------- the page

SUM = 'local s = 0 for l in io.lines() do s = s + tonumber(l) end print("sum", s)'


def test_input_box_is_the_standard_input_of_run(page_for_test):
    ui = Playground(page_for_test)
    expect(ui.input).to_be_hidden()  # an empty input starts closed
    ui.set_code(SUM)
    ui.set_input("1\n2\n39\n")
    ui.run()
    ui.expect_printed("sum\t42")
    # The draft keeps the input: after a reload the box is open with it, and runs the same.
    ui.reload()
    expect(ui.input).to_have_value("1\n2\n39\n")
    ui.expect_code(SUM)
    ui.run()
    ui.expect_printed("sum\t42")
    ui.set_input("5\n")
    ui.run()
    ui.expect_printed("sum\t5")


def test_stderr_has_a_region_of_its_own(page_for_test):
    ui = Playground(page_for_test)
    ui.run('io.stderr:write("careful\\n") print("out") warn("@on") warn("low ", "memory")')
    ui.expect_printed("out")
    expect(ui.stderr).to_be_visible()
    expect(ui.stderr.locator("pre")).to_have_text("careful\nLua warning: low memory\n")
    expect(ui.stderr).to_contain_text("stderr")
    # Apart from the output, and nothing of it in the output's text.
    assert "careful" not in ui.stdout.text_content()
    # A run that writes nothing to stderr has no such region.
    ui.run('print("quiet")')
    ui.expect_printed("quiet")
    expect(ui.stderr).to_have_count(0)


def test_the_editor_runs_as_main_lua(page_for_test):
    ui = Playground(page_for_test)
    ui.run("print(arg[0], ...)\nprint(#arg)")
    ui.expect_printed("main.lua\n0")
    ui.run("local x = 1\nx.y = 2")
    expect(ui.error).to_contain_text("main.lua:2: attempt to index a number value (local 'x')")
    expect(page_for_test.locator(".cm-content .cm-line.cm-error-line")).to_have_text("x.y = 2")


@pytest.mark.parametrize("via", ["server", "fragment"])
def test_share_links_carry_the_input(page_for_test, open_page, server, via):
    ui = Playground(page_for_test)
    if via == "fragment":
        page_for_test.route("**/api/health", lambda route: route.fulfill(json={"ok": False}))
    ui.set_code(SUM)
    ui.set_input("10\n20\n")
    ui.share_button.click()
    if via == "server":
        expect(page_for_test).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]{12}$"))
    else:
        expect(page_for_test).to_have_url(re.compile(r"/#code=[A-Za-z0-9+\-$]+&input=[A-Za-z0-9+\-$]+$"))
        expect(page_for_test.get_by_text("The code and its input travel inside the link itself.")).to_be_visible()
    url = ui.share_url.input_value()
    visitor = Playground(open_page(url[len(server):]))
    visitor.expect_code(SUM)
    expect(visitor.input).to_have_value("10\n20\n")
    visitor.run()
    visitor.expect_printed("sum\t30")
    # Editing the input drops the share address (it names what the link holds, no more).
    visitor.set_input("1\n")
    expect(visitor.page).not_to_have_url(re.compile(r"/s/|#code="))
    visitor.page.context.close()


@pytest.fixture
def page_for_test(open_page):
    """A fresh page (and localStorage) for one test: the module's `page` is shared."""
    page = open_page()
    yield page
    page.context.close()
