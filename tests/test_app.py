"""The playground server (wasm_compute.app): handler tests as tables of
(desc, method, path, body, status, want), on a fresh app per test."""

import base64
import json
import os
import sqlite3
import threading
import time
import urllib.request

import pytest

from servers import serve_process

from wasm_compute import _wire
from wasm_compute import app as app_module
from wasm_compute._abi import LuaObject, LuaTable
from wasm_compute.app import CONTENT_SECURITY_POLICY, EMBED_CONTENT_SECURITY_POLICY, create_app, share_id_for

INDEX = b"<!doctype html><title>playground</title><script src=/app.js></script>\n"
MAX_CODE = 1024
MAX_INPUT = 2048
MAX_BODY = 64 * 1024


@pytest.fixture
def web_dir(tmp_path):
    web = tmp_path / "web"
    (web / "pyodide").mkdir(parents=True)
    (web / "sub").mkdir()
    (web / "index.html").write_bytes(INDEX)
    (web / "lua.wasm").write_bytes(b"\0asm\1\0\0\0")
    (web / "app.js").write_text("export {};\n")
    (web / "mod.mjs").write_text("export {};\n")
    (web / "style.css").write_text("body {}\n")
    (web / "data.json").write_text("{}\n")
    (web / "app.js.map").write_text("{}\n")
    (web / "icon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    (web / "sub" / "page.txt").write_text("text\n")
    (web / "dist").mkdir()
    for name in ("playground.js", "chunk-IE46SC7J.js", "chunk-IE46SC7J.js.map", "chunk-ie46sc7j.js"):
        (web / "dist" / name).write_text("export {};\n")
    (web / ".hidden").write_text("secret\n")
    (web / "pyodide" / "pyodide.asm.wasm").write_bytes(b"\0asm\1\0\0\0")
    (web / "pyodide" / "pyodide.mjs").write_text("export {};\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    return web


@pytest.fixture
def app(tmp_path, web_dir):
    return create_app({
        "DATA_DIR": str(tmp_path / "data"),
        "WEB_DIR": str(web_dir),
        "MAX_CODE_BYTES": MAX_CODE,
        "MAX_INPUT_BYTES": MAX_INPUT,
        "MAX_BODY_BYTES": MAX_BODY,
        "SANDBOX_LIMITS": {"timeout_ms": 5000, "instructions_max": 5_000_000,
                           "clock": 1_700_000_000, "random_seed": 42},
        # Every request of a test comes from one client; its limits are tests/test_admission.py's.
        "ADMISSION": {"client_shares_per_minute": 1000},
    })


@pytest.fixture
def client(app):
    return app.test_client()


class Has:
    """`want` matcher: the text contains `fragment`."""

    def __init__(self, fragment):
        self.fragment = fragment

    def __repr__(self):
        return f"Has({self.fragment!r})"


def check(got, want, where="body"):
    """`want` is a partial picture of `got`: dicts name the keys that matter."""
    if isinstance(want, Has):
        assert isinstance(got, str) and want.fragment in got, f"{where}: {got!r} lacks {want.fragment!r}"
    elif callable(want):
        assert want(got), f"{where}: {got!r} fails {want}"
    elif isinstance(want, dict):
        assert isinstance(got, dict), f"{where}: {got!r} is not an object"
        for key, value in want.items():
            assert key in got, f"{where}: no {key!r} in {got!r}"
            check(got[key], value, f"{where}.{key}")
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def request(client, method, path, body):
    if body is None:
        return client.open(path, method=method)
    if isinstance(body, bytes):
        return client.open(path, method=method, data=body, content_type="application/json")
    return client.open(path, method=method, json=body)


def err(fragment):
    return {"error": {"message": Has(fragment)}}


def run_table(client, cases):
    for desc, method, path, body, status, want in cases:
        r = request(client, method, path, body)
        assert r.status_code == status, f"{desc}: status {r.status_code} {r.get_data()[:200]!r}"
        assert r.content_type == "application/json", f"{desc}: {r.content_type}"
        check(r.get_json(), want, desc)
        assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, desc


# ---- bad requests, unknown routes, wrong methods ---------------------------------

BAD_REQUESTS = [
    ("run: malformed JSON", "POST", "/api/run", b'{"code": ', 400, err("not valid JSON")),
    ("run: empty body", "POST", "/api/run", b"", 400, err("not valid JSON")),
    ("run: body not UTF-8", "POST", "/api/run", b'{"code": "\xff"}', 400, err("not valid JSON")),
    ("run: NaN is not JSON", "POST", "/api/run", b'{"code": "x", "n": NaN}', 400, err("not valid JSON")),
    ("run: deeply nested JSON", "POST", "/api/run", b"[" * 50_000, 400, err("not valid JSON")),
    ("run: body is a list", "POST", "/api/run", ["return 1"], 400, err("must be a JSON object")),
    ("run: body is a string", "POST", "/api/run", b'"return 1"', 400, err("must be a JSON object")),
    ("run: body is null", "POST", "/api/run", b"null", 400, err("must be a JSON object")),
    ("run: code missing", "POST", "/api/run", {"home": {"t": []}}, 400, err('"code" is missing')),
    ("run: code is a number", "POST", "/api/run", {"code": 1}, 400, err('"code" must be a string')),
    ("run: code is null", "POST", "/api/run", {"code": None}, 400, err('"code" must be a string')),
    ("run: code is a list", "POST", "/api/run", {"code": ["return 1"]}, 400, err('"code" must be a string')),
    ("run: code is an object", "POST", "/api/run", {"code": {}}, 400, err('"code" must be a string')),
    ("run: code with a lone surrogate", "POST", "/api/run", b'{"code": "\\ud800"}', 400, err("lone surrogate")),
    ("run: code over MAX_CODE_BYTES", "POST", "/api/run", {"code": "x" * (MAX_CODE + 1)}, 413,
     err(f"the limit is {MAX_CODE}")),
    ("run: code over the limit in UTF-8 bytes", "POST", "/api/run", {"code": "é" * (MAX_CODE // 2 + 1)}, 413,
     err("the limit is")),
    ("run: body over MAX_BODY_BYTES", "POST", "/api/run", {"code": "", "pad": "x" * MAX_BODY}, 413,
     err(f"larger than {MAX_BODY} bytes")),
    ("run: home not a table", "POST", "/api/run", {"code": "return 1", "home": 5}, 400,
     err("snapshot must be a table")),
    ("run: home is a plain object", "POST", "/api/run", {"code": "return 1", "home": {"n": 1}}, 400,
     err("snapshot must be a table")),
    ("run: home with a plain JSON number", "POST", "/api/run", {"code": "return 1", "home": {"t": [["n", 1]]}},
     400, err("is not a value")),
    ("run: home with a bad integer", "POST", "/api/run",
     {"code": "return 1", "home": {"t": [["n", {"i": "99999999999999999999"}]]}}, 400, err("is not a value")),
    ("run: home with a float key", "POST", "/api/run",
     {"code": "return 1", "home": {"t": [[{"f": 1.5}, True]]}}, 400, err("must be an integer or a string")),
    ("run: home with a duplicate key", "POST", "/api/run",
     {"code": "return 1", "home": {"t": [["a", True], ["a", False]]}}, 400, err("appears twice")),
    ("run: home with bad base64", "POST", "/api/run",
     {"code": "return 1", "home": {"t": [["a", {"b": "***"}]]}}, 400, err("is not a value")),
    ("run: home entry not a pair", "POST", "/api/run", {"code": "return 1", "home": {"t": [["a"]]}}, 400,
     err("not a [key, value] pair")),
    ("run: stdin is a number", "POST", "/api/run", {"code": "", "stdin": 5}, 400, err('"stdin" must be a string')),
    ("run: stdin is a list", "POST", "/api/run", {"code": "", "stdin": ["a"]}, 400, err('"stdin" must be a string')),
    ("run: stdin with a lone surrogate", "POST", "/api/run", b'{"code": "", "stdin": "\\ud800"}', 400,
     err('"stdin" is not valid Unicode')),
    ("run: stdin with bad base64", "POST", "/api/run", {"code": "", "stdin": {"b": "***"}}, 400,
     err('the field "stdin" is not valid base64')),
    ("run: stdin with another key", "POST", "/api/run", {"code": "", "stdin": {"s": "x"}}, 400,
     err('the field "stdin" must be a string or {"b": base64}')),
    ("run: an argument with bad base64", "POST", "/api/run", {"code": "", "args": [{"b": "é"}]}, 400,
     err('the field "args" (item 1) is not valid base64')),
    ("share: code as base64 is refused", "POST", "/api/share", {"code": {"b": "/w=="}}, 400,
     err('the field "code" must be a string')),
    ("run: stdin over MAX_INPUT_BYTES", "POST", "/api/run", {"code": "", "stdin": "x" * (MAX_INPUT + 1)}, 413,
     err(f"the input is {MAX_INPUT + 1} bytes; the limit is {MAX_INPUT}")),
    ("run: args is a string", "POST", "/api/run", {"code": "", "args": "a b"}, 400,
     err('"args" must be a list of strings')),
    ("run: args has a number", "POST", "/api/run", {"code": "", "args": ["a", 1]}, 400,
     err('"args" must be a list of strings')),
    ("run: modules is a list", "POST", "/api/run", {"code": "", "modules": ["return 1"]}, 400,
     err('"modules" must be an object of module names to source strings')),
    ("run: modules has a number", "POST", "/api/run", {"code": "", "modules": {"m": 1}}, 400,
     err('"modules" must be an object of module names to source strings')),
    ("run: a module with an empty name", "POST", "/api/run", {"code": "", "modules": {"": "return 1"}}, 400,
     err("is empty or holds a NUL character")),
    ("run: modules over MAX_CODE_BYTES with the code", "POST", "/api/run",
     {"code": "x" * 10, "modules": {"m": "y" * MAX_CODE}}, 413,
     err(f"the code and its modules are {MAX_CODE + 10} bytes; the limit is {MAX_CODE}")),
    ("run: args is an object", "POST", "/api/run", {"code": "", "args": {"1": "a"}}, 400,
     err('"args" must be a list of strings')),
    ("run: name is a number", "POST", "/api/run", {"code": "", "name": 1}, 400, err('"name" must be a string')),
    ("run: name with NUL", "POST", "/api/run", {"code": "", "name": "a\u0000b"}, 400,
     err('"name" must not contain a NUL character')),

    ("share: malformed JSON", "POST", "/api/share", b"{", 400, err("not valid JSON")),
    ("share: body is a list", "POST", "/api/share", [], 400, err("must be a JSON object")),
    ("share: code missing", "POST", "/api/share", {}, 400, err('"code" is missing')),
    ("share: code is a number", "POST", "/api/share", {"code": 3}, 400, err('"code" must be a string')),
    ("share: input is a number", "POST", "/api/share", {"code": "", "input": 3}, 400,
     err('"input" must be a string')),
    ("share: input with a lone surrogate", "POST", "/api/share", b'{"code": "", "input": "a\\udfff"}', 400,
     err('"input" is not valid Unicode')),
    ("share: input over MAX_INPUT_BYTES", "POST", "/api/share", {"code": "", "input": "x" * (MAX_INPUT + 1)}, 413,
     err(f"the input is {MAX_INPUT + 1} bytes; the limit is {MAX_INPUT}")),
    ("share: code with a lone surrogate", "POST", "/api/share", b'{"code": "a\\udfff"}', 400,
     err("lone surrogate")),
    ("share: code over MAX_CODE_BYTES", "POST", "/api/share", {"code": "x" * (MAX_CODE + 1)}, 413,
     err("the limit is")),
    ("share: body over MAX_BODY_BYTES", "POST", "/api/share", {"code": "x", "pad": "y" * MAX_BODY}, 413,
     err("larger than")),

    ("share id: unknown", "GET", "/api/share/AAAAAAAAAAAA", None, 404, err("no such share")),
    ("share id: too short", "GET", "/api/share/AAAAAAAAAAA", None, 404, err("no such share")),
    ("share id: too long", "GET", "/api/share/AAAAAAAAAAAAA", None, 404, err("no such share")),
    ("share id: bad character", "GET", "/api/share/AAAAAA$AAAAA", None, 404, err("no such share")),
    ("share id: a dot", "GET", "/api/share/AAAAAA.AAAAA", None, 404, err("no such share")),
    ("share id: empty", "GET", "/api/share/", None, 404, err("not found")),
    ("share id: ../", "GET", "/api/share/../../outside.txt", None, 404, err("not found")),
    ("share id: %2e%2e%2f", "GET", "/api/share/%2e%2e%2f%2e%2e%2foutside.txt", None, 404, err("not found")),
    ("share id: ..%2f", "GET", "/api/share/..%2fAAAAAAAAAA", None, 404, err("not found")),
    ("share id: %00", "GET", "/api/share/AAAAAAAAAAA%00", None, 404, err("no such share")),

    ("unknown api route", "GET", "/api/nope", None, 404, err("not found")),
    ("unknown api route, POST", "POST", "/api/nope", {"code": "x"}, 404, err("not found")),
    ("unknown page", "GET", "/nope.html", None, 404, err("not found")),
    ("unknown page, POST", "POST", "/nope.html", {}, 404, err("not found")),
    ("trailing slash", "GET", "/api/health/", None, 404, err("not found")),
    ("run: GET", "GET", "/api/run", None, 405, err("method not allowed")),
    ("run: PUT", "PUT", "/api/run", {"code": "x"}, 405, err("method not allowed")),
    ("share: GET without id", "GET", "/api/share", None, 405, err("method not allowed")),
    ("share: DELETE an id", "DELETE", "/api/share/AAAAAAAAAAAA", None, 405, err("method not allowed")),
    ("health: POST", "POST", "/api/health", {}, 405, err("method not allowed")),
    ("static file: POST", "POST", "/index.html", {}, 405, err("method not allowed")),
    ("share page: POST", "POST", "/s/AAAAAAAAAAAA", {}, 405, err("method not allowed")),
    ("health", "GET", "/api/health", None, 200, {"ok": True}),
]


def test_bad_requests_unknown_routes_and_methods(client):
    run_table(client, BAD_REQUESTS)


def test_method_not_allowed_names_the_allowed_methods(client):
    r = client.get("/api/run")
    assert r.status_code == 405
    assert "POST" in r.headers["Allow"] and "GET" not in r.headers["Allow"]


# ---- /api/run --------------------------------------------------------------------

N41 = {"t": [["n", {"i": "41"}]]}

RUNS = [
    ("a normal script", "POST", "/api/run",
     {"code": "print('hi', 1) return 1, 'two', true, nil, {10, 20}, {a = 1}"}, 200,
     {"output": "hi\t1\n", "output_b64": None, "stderr": "", "stderr_b64": None, "error": None, "home": {"t": []},
      "values": [{"i": "1"}, "two", True, None,
                 {"t": [[{"i": "1"}, {"i": "10"}], [{"i": "2"}, {"i": "20"}]]}, {"t": [["a", {"i": "1"}]]}],
      "stats": lambda s: set(s) == {"instructions", "heap_used", "heap_peak", "elapsed_ms"}}),
    ("_home continues from the snapshot", "POST", "/api/run",
     {"code": "_home.n = _home.n + 1 return _home.n", "home": N41}, 200,
     {"values": [{"i": "42"}], "error": None, "home": {"t": [["n", {"i": "42"}]]}}),
    ("home absent is an empty _home", "POST", "/api/run", {"code": "return next(_home) == nil"}, 200,
     {"values": [True], "home": {"t": []}}),
    ("home null is an empty _home", "POST", "/api/run", {"code": "return next(_home) == nil", "home": None}, 200,
     {"values": [True], "home": {"t": []}}),
    ("_home gets tables, in order", "POST", "/api/run",
     {"code": "_home.z = 1 _home.a = {x = 1.5, 'y'}", "home": {"t": []}}, 200,
     {"values": [], "home": {"t": [["z", {"i": "1"}], ["a", {"t": [[{"i": "1"}, "y"], ["x", {"f": 1.5}]]}]]}}),
    ("ints and floats stay apart", "POST", "/api/run",
     {"code": "return 1, 1.0, 3 // 2, 3 / 2, 2^53, math.maxinteger, math.mininteger, 0/0, -0.0, 1/0, -1/0"}, 200,
     {"values": [{"i": "1"}, {"f": 1.0}, {"i": "1"}, {"f": 1.5}, {"f": 9007199254740992.0},
                 {"i": "9223372036854775807"}, {"i": "-9223372036854775808"},
                 {"f": "nan"}, {"f": "-0"}, {"f": "inf"}, {"f": "-inf"}]}),
    ("int and float in _home", "POST", "/api/run",
     {"code": "_home.i = 2 _home.f = 2.0 return math.type(_home.i), math.type(_home.f)"}, 200,
     {"values": ["integer", "float"], "home": {"t": [["i", {"i": "2"}], ["f", {"f": 2.0}]]}}),
    ("bytes output", "POST", "/api/run", {"code": r"io.write('\255\254') print('ok')"}, 200,
     {"output": "\ufffd\ufffdok\n", "output_b64": base64.b64encode(b"\xff\xfeok\n").decode(), "error": None}),
    ("UTF-8 output", "POST", "/api/run", {"code": "print('héllo ✓')"}, 200,
     {"output": "héllo ✓\n", "output_b64": None}),
    ("byte string values", "POST", "/api/run", {"code": r"return '\255', 'é', {['\0\255'] = true}"}, 200,
     {"values": [{"b": "/w=="}, "é", {"t": [[{"b": "AP8="}, True]]}]}),
    ("a function value", "POST", "/api/run", {"code": "return print"}, 200,
     {"values": lambda v: len(v) == 1 and v[0]["o"].startswith("function: ")}),
    ("a runtime error is a 200", "POST", "/api/run",
     {"code": "print('before') _home.n = 7 error('boom')", "home": N41}, 200,
     {"output": "before\n", "values": [], "home": N41,
      "error": {"code": -4, "name": "runtime", "message": Has("boom"), "traceback": Has("stack traceback")}}),
    ("a syntax error is a 200", "POST", "/api/run", {"code": "return +", "home": N41}, 200,
     {"values": [], "home": N41, "error": {"code": -3, "name": "syntax", "message": Has("unexpected symbol")}}),
    ("a limit is a 200", "POST", "/api/run", {"code": "while true do end"}, 200,
     {"error": {"name": "instruction_limit"}, "home": {"t": []}}),
    ("empty code", "POST", "/api/run", {"code": ""}, 200, {"output": "", "values": [], "error": None}),
    ("extra fields are ignored", "POST", "/api/run", {"code": "return 1", "mode": "server"}, 200,
     {"values": [{"i": "1"}]}),
    ("stdin, args and name", "POST", "/api/run",
     {"code": "print(io.read('n') * 2, arg[0], ...) error('x')", "stdin": "21\n", "args": ["a", "é"], "name": "f.lua"},
     200, {"output": "42\tf.lua\ta\té\n", "error": {"code": -4, "name": "runtime", "message": "f.lua:1: x",
                                                       "traceback": Has("f.lua:1: in main chunk")}}),
    ("null stdin, args and name are absent ones", "POST", "/api/run",
     {"code": "return io.read('a'), #arg, arg[0]", "stdin": None, "args": None, "name": None}, 200,
     {"values": ["", {"i": "0"}, "input"]}),
    ("modules for require", "POST", "/api/run",
     {"code": "local u = require 'util' return u.twice(21), require 'util' == u",
      "modules": {"util": "return {twice = function(x) return 2 * x end}"}}, 200,
     {"values": [{"i": "42"}, True], "error": None}),
    ("a module's error names its file", "POST", "/api/run",
     {"code": "require 'util'", "modules": {"util": "local x = 1\nerror('boom')"}}, 200,
     {"error": {"code": -4, "name": "runtime", "message": "util.lua:2: boom", "traceback": Has("util.lua:2")}}),
    ("stderr", "POST", "/api/run", {"code": "io.stderr:write('e\\n') warn('@on') warn('w')"}, 200,
     {"output": "", "stderr": "e\nLua warning: w\n", "stderr_b64": None}),
    ("bytes as {\"b\": base64} in code, stdin, args and name", "POST", "/api/run",
     {"code": {"b": base64.b64encode(b"return '\xe9', io.read('a'), arg[0], ...").decode()},
      "stdin": {"b": "77u//wA="}, "args": ["a", {"b": "/w=="}], "name": {"b": base64.b64encode(b"f\xe9.lua").decode()}},
     200, {"values": [{"b": "6Q=="}, {"b": "77u//wA="}, {"b": base64.b64encode(b"f\xe9.lua").decode()}, "a", {"b": "/w=="}]}),
    ("bytes on stderr", "POST", "/api/run", {"code": r"io.stderr:write('\255')"}, 200,
     {"stderr": "\ufffd", "stderr_b64": base64.b64encode(b"\xff").decode()}),
]


def test_run(client):
    run_table(client, RUNS)


def test_posts_from_plain_forms_of_other_sites_are_refused(client):
    # A text/plain or form body is what a cross-site form can send without a preflight.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        for path in ("/api/run", "/api/share"):
            r = client.post(path, data=json.dumps({"code": "return 1"}), content_type=content_type)
            assert r.status_code == 415, (path, content_type)
            assert "application/json" in r.get_json()["error"]["message"]


def test_run_home_round_trips_through_the_response(client):
    home = {"t": []}
    for expected in ("1", "2", "3"):
        body = client.post("/api/run", json={"code": "_home.n = (_home.n or 0) + 1 return _home.n",
                                              "home": home}).get_json()
        assert body["values"] == [{"i": expected}]
        home = body["home"]


def test_run_host_failure_is_a_500_json(client, monkeypatch, caplog):
    class Broken:
        def __init__(self, *a, **kw):
            raise RuntimeError("the engine is gone")

    monkeypatch.setattr(app_module, "Sandbox", Broken)
    r = client.post("/api/run", json={"code": "return 1"})
    assert r.status_code == 500
    assert r.get_json() == {"error": {"message": "internal error"}}
    assert "the engine is gone" not in r.get_data(as_text=True)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "the engine is gone" in caplog.text


# ---- share links -----------------------------------------------------------------

def test_share_same_code_same_id_and_round_trip(client):
    code = "print('shared') -- é\n"
    a = client.post("/api/share", json={"code": code})
    b = client.post("/api/share", json={"code": code})
    other = client.post("/api/share", json={"code": code + " "})
    assert a.status_code == b.status_code == other.status_code == 200
    share = a.get_json()
    assert share == b.get_json()
    assert share["id"] == share_id_for(code.encode()) and len(share["id"]) == 12
    assert other.get_json()["id"] != share["id"]
    assert share["url"] == f"http://localhost/s/{share['id']}"
    got = client.get(f"/api/share/{share['id']}")
    assert got.status_code == 200 and got.get_json() == {"id": share["id"], "code": code, "input": ""}


def test_share_keeps_the_input_and_it_changes_the_id(client):
    code = "print(io.read('a'))"
    plain = client.post("/api/share", json={"code": code}).get_json()["id"]
    with_input = client.post("/api/share", json={"code": code, "input": "line 1\n\ufeffé\n"}).get_json()["id"]
    other_input = client.post("/api/share", json={"code": code, "input": "line 2\n"}).get_json()["id"]
    assert len({plain, with_input, other_input}) == 3
    assert plain == share_id_for(code.encode())
    assert with_input == share_id_for(code.encode(), "line 1\n\ufeffé\n".encode())
    assert client.get(f"/api/share/{with_input}").get_json() == {
        "id": with_input, "code": code, "input": "line 1\n\ufeffé\n"}
    assert client.get(f"/api/share/{plain}").get_json()["input"] == ""


def test_share_with_files_keeps_them_in_order_and_they_change_the_id(client):
    util = "local M = {}\nfunction M.twice(x) return 2 * x end\nreturn M\n"
    files = [{"name": "main.lua", "code": "print(require('util').twice(21))"},
             {"name": "util.lua", "code": util}, {"name": "a.b.lua", "code": "return 1"}]
    share = client.post("/api/share", json={"files": files, "input": "x"}).get_json()
    assert share["id"] != share_id_for(files[0]["code"].encode(), b"x")
    got = client.get(f"/api/share/{share['id']}").get_json()
    assert got == {"id": share["id"], "code": files[0]["code"], "input": "x", "files": files}
    # main.lua may come as "code" (as old clients send it), and the same share has the same id.
    again = client.post("/api/share", json={"code": files[0]["code"], "files": files[1:], "input": "x"})
    assert again.get_json()["id"] == share["id"]
    reordered = client.post("/api/share", json={"files": [files[0], files[2], files[1]], "input": "x"})
    assert reordered.get_json()["id"] != share["id"]
    # A share of main.lua alone is an old share: same id, same answer.
    alone = client.post("/api/share", json={"files": files[:1]}).get_json()
    assert alone["id"] == share_id_for(files[0]["code"].encode())
    assert client.get(f"/api/share/{alone['id']}").get_json() == {"id": alone["id"], "code": files[0]["code"], "input": ""}


def test_share_with_home_carries_the_snapshot(client):
    home = {"t": [["n", {"i": "3"}], ["names", {"t": [[{"i": "1"}, "ann"]]}], ["x", {"f": 0.5}]]}
    plain = client.post("/api/share", json={"code": "print(_home.n)"}).get_json()["id"]
    share = client.post("/api/share", json={"code": "print(_home.n)", "home": home}).get_json()["id"]
    assert share != plain
    got = client.get(f"/api/share/{share}").get_json()
    assert got == {"id": share, "code": "print(_home.n)", "input": "", "home": home}
    assert "home" not in client.get(f"/api/share/{plain}").get_json()
    empty = client.post("/api/share", json={"code": "print(_home.n)", "home": {"t": []}}).get_json()["id"]
    assert client.get(f"/api/share/{empty}").get_json()["home"] == {"t": []}


@pytest.mark.parametrize("desc, body, status, message", [
    ("files not a list", {"files": {"main.lua": "x"}}, 400, 'the field "files" must be a list'),
    ("a file without code", {"files": [{"name": "main.lua"}]}, 400, 'the field "files" must be a list'),
    ("a bad name", {"files": [{"name": "main.lua", "code": ""}, {"name": "../x.lua", "code": ""}]}, 400,
     "is not a Lua module's file name"),
    ("not .lua", {"files": [{"name": "main.lua", "code": ""}, {"name": "util", "code": ""}]}, 400,
     "is not a Lua module's file name"),
    ("a name twice", {"files": [{"name": "main.lua", "code": ""}, {"name": "u.lua", "code": ""},
                                {"name": "u.lua", "code": ""}]}, 400, "names a file twice"),
    ("no main.lua", {"files": [{"name": "u.lua", "code": ""}]}, 400, "the share has no main.lua"),
    ("code and main.lua differ", {"code": "a", "files": [{"name": "main.lua", "code": "b"}]}, 400, "differ"),
    ("files too large", {"code": "", "files": [{"name": "u.lua", "code": "x" * 600},
                                                {"name": "v.lua", "code": "x" * 600}]}, 413, "the files are 1200 bytes"),
    ("a bad home", {"code": "", "home": {"t": [[{"f": 1.5}, 1]]}}, 400, 'the field "home"'),
    ("home not a table", {"code": "", "home": [1]}, 400, 'the field "home"'),
    ("home too large", {"code": "", "home": {"t": [["s", "x" * 2000]]}}, 413, "the _home snapshot is"),
])
def test_share_refuses_bad_files_and_homes(tmp_path, web_dir, desc, body, status, message):
    client = create_app({"DATA_DIR": str(tmp_path), "WEB_DIR": str(web_dir), "MAX_CODE_BYTES": 1000,
                         "MAX_SHARE_HOME_BYTES": 1000}).test_client()
    r = client.post("/api/share", json=body)
    assert r.status_code == status, desc
    assert message in r.get_json()["error"]["message"], desc


def test_shares_in_postgresql_carry_files_and_home_and_old_tables_get_the_column(tmp_path, web_dir, pg_dsn):
    import psycopg

    def app():
        return create_app({"DATA_DIR": str(tmp_path), "WEB_DIR": str(web_dir), "DATABASE_URL": pg_dsn}).test_client()

    old = app().post("/api/share", json={"code": "print(1)", "input": "x"}).get_json()["id"]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # as a database from before files has it
        conn.execute("ALTER TABLE wasm_compute.shares DROP COLUMN extra")
    client = app()
    assert client.get(f"/api/share/{old}").get_json() == {"id": old, "code": "print(1)", "input": "x"}
    files = [{"name": "main.lua", "code": "print(require('u'))"}, {"name": "u.lua", "code": "return 1"}]
    home = {"t": [["n", {"i": "1"}]]}
    share = client.post("/api/share", json={"files": files, "home": home}).get_json()["id"]
    assert client.get(f"/api/share/{share}").get_json() == {
        "id": share, "code": files[0]["code"], "input": "", "files": files, "home": home}


def test_share_database_from_before_inputs_gets_the_column(tmp_path):
    import sqlite3
    db = sqlite3.connect(tmp_path / "shares.db")
    db.execute("CREATE TABLE shares(id TEXT PRIMARY KEY, code TEXT NOT NULL, created REAL)")
    db.execute("INSERT INTO shares VALUES ('AAAAAAAAAAAA', 'print(1)', 0)")
    db.commit()
    db.close()
    client = create_app({"DATA_DIR": str(tmp_path), "TESTING": True}).test_client()
    assert client.get("/api/share/AAAAAAAAAAAA").get_json() == {"id": "AAAAAAAAAAAA", "code": "print(1)", "input": ""}
    share = client.post("/api/share", json={"code": "x", "input": "y"}).get_json()
    assert client.get(f"/api/share/{share['id']}").get_json()["input"] == "y"
    files = [{"name": "main.lua", "code": "x"}, {"name": "u.lua", "code": "y"}]
    share = client.post("/api/share", json={"files": files}).get_json()
    assert client.get(f"/api/share/{share['id']}").get_json()["files"] == files


def test_share_id_is_sha256_urlsafe_base64():
    assert share_id_for(b"") == "47DEQpj8HBSa"  # sha256("") = e3b0c442...
    assert all(c.isalnum() or c in "-_" for c in share_id_for(b"\xff" * 100))


def test_share_of_empty_code(client):
    r = client.post("/api/share", json={"code": ""})
    assert r.status_code == 200
    assert client.get(f"/api/share/{r.get_json()['id']}").get_json()["code"] == ""


def test_share_page(client):
    code = "</script><script>alert(1)</script>"
    share_id = client.post("/api/share", json={"code": code}).get_json()["id"]
    page = client.get(f"/s/{share_id}")
    assert page.status_code == 200
    assert page.get_data() == INDEX  # the code is never put into the HTML
    assert page.content_type == "text/html; charset=utf-8"
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_only_the_embed_page_may_be_framed(client):
    share_id = client.post("/api/share", json={"code": "print(1)"}).get_json()["id"]
    for path in ("/?embed", f"/s/{share_id}?embed", "/?embed=1&x=2"):
        page = client.get(path)
        assert page.status_code == 200 and page.get_data() == INDEX, path
        assert page.headers["Content-Security-Policy"] == EMBED_CONTENT_SECURITY_POLICY, path
        assert "X-Frame-Options" not in page.headers, path
    assert "frame-ancestors *" in EMBED_CONTENT_SECURITY_POLICY
    assert EMBED_CONTENT_SECURITY_POLICY.replace("frame-ancestors *", "frame-ancestors 'none'") == CONTENT_SECURITY_POLICY
    # The full page, the API and the page's files are as before, with or without ?embed.
    for path in ("/", f"/s/{share_id}", "/style.css?embed", "/api/health?embed", f"/api/share/{share_id}?embed"):
        r = client.get(path)
        assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert r.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize("path", ["/s/AAAAAAAAAAAA", "/s/short", "/s/AAAAAAAAAAAAA", "/s/AAAA%24AAAAAAA"])
def test_share_page_for_an_unknown_id_is_the_page_with_404(client, path):
    page = client.get(path)
    assert page.status_code == 404
    assert page.get_data() == INDEX
    assert page.content_type == "text/html; charset=utf-8"


def test_share_page_relative_urls_work_under_s(client):
    """The page at /s/<id> loads lua.wasm, app.js and api/run relative to /s/."""
    assert client.get("/s/lua.wasm").content_type == "application/wasm"
    assert client.get("/s/pyodide/pyodide.mjs").status_code == 200
    r = client.post("/s/api/run", json={"code": "return 1"})
    assert r.status_code == 200 and r.get_json()["values"] == [{"i": "1"}]
    assert client.get("/s/").get_data() == INDEX
    assert client.get("/s/../outside.txt").status_code == 404
    assert client.get("/s/%2e%2e/outside.txt").status_code == 404


def test_shares_are_in_sqlite_and_shared_between_apps(tmp_path, app, client, web_dir):
    share_id = client.post("/api/share", json={"code": "return 1"}).get_json()["id"]
    db = sqlite3.connect(tmp_path / "data" / "shares.db")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        row = db.execute("SELECT id, code, created FROM shares").fetchone()
    finally:
        db.close()
    assert row[:2] == (share_id, "return 1") and abs(row[2] - time.time()) < 60
    second = create_app({"DATA_DIR": str(tmp_path / "data"), "WEB_DIR": str(web_dir)}).test_client()
    assert second.get(f"/api/share/{share_id}").get_json()["code"] == "return 1"


def test_shares_from_many_threads(tmp_path, app, web_dir):
    """Several threads, and two apps on the same database (as two processes would be)."""
    other = create_app({"DATA_DIR": str(tmp_path / "data"), "WEB_DIR": str(web_dir),
                        "ADMISSION": {"client_shares_per_minute": 1000}})
    results = []

    def work(n):
        client = (app if n % 2 else other).test_client()
        for i in range(10):
            code = f"return {i % 5}"
            r = client.post("/api/share", json={"code": code})
            results.append((r.status_code, code, r.get_json()["id"]))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(status == 200 for status, _, _ in results)
    assert all(share_id == share_id_for(code.encode()) for _, code, share_id in results)
    db = sqlite3.connect(tmp_path / "data" / "shares.db")
    try:
        assert db.execute("SELECT count(*) FROM shares").fetchone()[0] == 5
    finally:
        db.close()


# ---- static files ----------------------------------------------------------------

STATIC = [
    # (desc, path, status, content type, cache-control)
    ("the page", "/", 200, "text/html; charset=utf-8", "no-cache"),
    ("index.html", "/index.html", 200, "text/html; charset=utf-8", "no-cache"),
    ("lua.wasm", "/lua.wasm", 200, "application/wasm", "no-cache"),
    ("a script", "/app.js", 200, "text/javascript; charset=utf-8", "no-cache"),
    ("a module", "/mod.mjs", 200, "text/javascript; charset=utf-8", "no-cache"),
    ("a style sheet", "/style.css", 200, "text/css; charset=utf-8", "no-cache"),
    ("JSON", "/data.json", 200, "application/json", "no-cache"),
    ("a source map", "/app.js.map", 200, "application/json", "no-cache"),
    ("an image", "/icon.svg", 200, "image/svg+xml; charset=utf-8", "no-cache"),
    ("pyodide wasm", "/pyodide/pyodide.asm.wasm", 200, "application/wasm", "no-cache"),
    ("pyodide module", "/pyodide/pyodide.mjs", 200, "text/javascript; charset=utf-8", "no-cache"),
    ("a nested file", "/sub/page.txt", 200, "text/plain; charset=utf-8", "no-cache"),
    ("the bundle's entry", "/dist/playground.js", 200, "text/javascript; charset=utf-8", "no-cache"),
    # A chunk named after its content's hash (esbuild --splitting) is kept without asking again.
    ("a hashed chunk", "/dist/chunk-IE46SC7J.js", 200, "text/javascript; charset=utf-8",
     "public, max-age=31536000, immutable"),
    ("its source map", "/dist/chunk-IE46SC7J.js.map", 200, "application/json", "public, max-age=31536000, immutable"),
    ("not esbuild's hash", "/dist/chunk-ie46sc7j.js", 200, "text/javascript; charset=utf-8", "no-cache"),
]


@pytest.mark.parametrize("desc, path, status, ctype, cache", STATIC, ids=[c[0] for c in STATIC])
def test_static_files(client, web_dir, desc, path, status, ctype, cache):
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["Content-Type"] == ctype
    assert r.headers["Cache-Control"] == cache
    assert r.headers.get("ETag")
    name = "index.html" if path == "/" else path.lstrip("/")
    assert r.get_data() == (web_dir / name).read_bytes()
    for header, value in {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                          "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                          "Cross-Origin-Opener-Policy": "same-origin"}.items():
        assert r.headers[header] == value


def test_head_of_a_static_file(client):
    r = client.head("/lua.wasm")
    assert r.status_code == 200 and r.content_type == "application/wasm" and r.get_data() == b""


@pytest.mark.parametrize("path", ["lua.wasm", "pyodide/pyodide.asm.wasm"])
def test_unchanged_file_is_304_and_rebuilt_file_is_picked_up(client, web_dir, path):
    first = client.get("/" + path)
    etag = first.headers["ETag"]
    again = client.get("/" + path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    wasm = web_dir / path
    wasm.write_bytes(b"\0asm\1\0\0\0rebuilt")
    later = time.time() + 5
    os.utime(wasm, (later, later))
    rebuilt = client.get("/" + path, headers={"If-None-Match": etag})
    assert rebuilt.status_code == 200 and rebuilt.get_data().endswith(b"rebuilt")
    assert rebuilt.headers["ETag"] != etag


TRAVERSALS = [
    ("../", "/../outside.txt"),
    ("nested ../", "/sub/../../outside.txt"),
    ("%2e%2e/", "/%2e%2e/outside.txt"),
    ("%2e%2e%2f", "/%2e%2e%2foutside.txt"),
    ("..%2f", "/sub/..%2f..%2foutside.txt"),
    ("absolute path", "//etc/passwd"),
    ("encoded absolute path", "/%2fetc%2fpasswd"),
    ("backslashes", "/..%5coutside.txt"),
    ("NUL byte", "/index.html%00"),
    ("a dot-file", "/.hidden"),
    ("a directory", "/sub"),
    ("a directory with slash", "/sub/"),
    ("pyodide directory", "/pyodide/"),
    ("no such file", "/missing.js"),
]


@pytest.mark.parametrize("desc, path", TRAVERSALS, ids=[c[0] for c in TRAVERSALS])
def test_no_way_out_of_web_and_no_listings(client, desc, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.get_json() == {"error": {"message": "not found"}}
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_no_index_html_is_a_404_json(tmp_path):
    empty = tmp_path / "empty-web"
    empty.mkdir()
    client = create_app({"DATA_DIR": str(tmp_path / "d"), "WEB_DIR": str(empty)}).test_client()
    assert client.get("/").status_code == 404
    assert client.get("/s/AAAAAAAAAAAA").get_json() == {"error": {"message": "not found"}}


# ---- configuration, values, the command ------------------------------------------

def test_defaults(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "a" / "b")})
    assert (tmp_path / "a" / "b" / "shares.db").is_file()
    assert app.config["MAX_CODE_BYTES"] == app.config["MAX_INPUT_BYTES"] == 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_BODY_BYTES"] == 8 * 1024 * 1024
    ext = app.extensions["wasm_compute"]
    assert ext["limits"]["timeout_ms"] == 5000 and ext["limits"]["memory_bytes_max"] == 64 * 1024 * 1024
    assert ext["web_dir"] == app_module.default_web_dir()


def test_bad_sandbox_limits_fail_at_creation(tmp_path):
    with pytest.raises(ValueError, match="timeout_ms"):
        create_app({"DATA_DIR": str(tmp_path), "SANDBOX_LIMITS": {"timeout_ms": 0}})


@pytest.mark.parametrize("value, want", [
    (None, None), (True, True), (False, False), (0, {"i": "0"}), (-2**63, {"i": "-9223372036854775808"}),
    (0.5, {"f": 0.5}), (float("nan"), {"f": "nan"}), (-0.0, {"f": "-0"}), (float("-inf"), {"f": "-inf"}),
    ("é".encode(), "é"), (b"\xff", {"b": "/w=="}), (b"ok", "ok"), (LuaObject("function: 0x10"), {"o": "function: 0x10"}),
    (LuaTable([(2, b"a"), (1, 1)]), {"t": [[{"i": "1"}, {"i": "1"}], [{"i": "2"}, "a"]]}),
    (LuaTable([(b"k", LuaTable([])), (3, 1.0)]), {"t": [["k", {"t": []}], [{"i": "3"}, {"f": 1.0}]]}),
    (LuaTable([(1, b"int"), (True, b"bool")]), {"t": [[{"i": "1"}, "int"], [True, "bool"]]}),
])
def test_encode_value(value, want):
    assert _wire.encode_value(value) == want
    assert json.loads(json.dumps(_wire.encode_value(value), allow_nan=False)) == want


def test_serve_command_prints_the_url_and_answers(tmp_path):
    with serve_process(tmp_path / "data") as (_, port):
        url = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url + "api/health", timeout=10) as r:
            assert r.status == 200 and json.load(r) == {"ok": True}
            assert r.headers["X-Frame-Options"] == "DENY"
        assert (tmp_path / "data" / "shares.db").is_file()

