"""`wasm-compute export DIR`: the playground as static files, served by `python -m http.server`
with no Flask and no API. The browser and pyodide engines run there; a Server run finds no API
(a POST is a 501) and runs in Pyodide; a share link carries the code in its fragment.
"""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import READY_TIMEOUT_MS, _watch, take_problems

SCRIPT = """_home.visits = (_home.visits or 0) + 1
print("static", _home.visits, 10 / 4, math.maxinteger)
return _home.visits, "ok"
"""

RUN = """async ([code, engine]) => {
  await window.wasmCompute.ready;
  window.wasmCompute.setHome({ t: [["visits", { i: "9" }]] });
  const r = await window.wasmCompute.run(code, { engine });
  return { engine: r.engine, fallbackFrom: r.fallbackFrom ?? null,
           typed: JSON.stringify({ output: r.output, values: r.values, error: r.error, home: r.home }) };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The export, served by `python -m http.server` on a free port; its base URL."""
    folder = tmp_path_factory.mktemp("export")
    subprocess.run([sys.executable, "-m", "wasm_compute.cli", "export", str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (http://...) ..."
        port = re.search(r" port (\d+) ", line)
        assert port, f"http.server said {line!r}"
        yield f"http://127.0.0.1:{port[1]}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def static_page(browser, site):
    context = browser.new_context()
    page = context.new_page()
    _watch(page)
    page.goto(site)
    page.wait_for_function("document.documentElement.dataset.ready === 'true'", timeout=READY_TIMEOUT_MS)
    yield page
    context.close()


def test_export_holds_the_playground(tmp_path):
    from wasm_compute.cli import main

    assert main(["export", str(tmp_path / "out")]) == 0
    files = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    for name in ("index.html", "style.css", "lua.wasm", "dist/playground.js", "dist/lua-worker.js",
                 "dist/pyodide-worker.js", "pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm",
                 "pyodide/pyodide-lock.json", "lua-client.js"):
        assert name in files
    assert not [f for f in files if f.startswith(("src/", "node_modules/")) or "/." in "/" + f]


def test_every_engine_runs_in_the_export(static_page, site):
    results = {}
    for engine in ("browser", "pyodide", "server"):
        r = static_page.evaluate(RUN, [SCRIPT, engine])
        results[engine] = {**r, **json.loads(r.pop("typed"), parse_int=float)}
    assert results["browser"]["error"] is None, results["browser"]
    assert results["browser"]["output"] == "static\t10\t2.5\t9223372036854775807\n"
    assert (results["server"]["engine"], results["server"]["fallbackFrom"]) == ("pyodide", "server")
    expect(static_page.locator("#output").get_by_role("note")).to_have_text(
        "Server unreachable — ran in Pyodide (Python in the browser).")
    fields = ("output", "values", "error", "home")
    for engine in ("pyodide", "server"):
        assert {k: results[engine][k] for k in fields} == {k: results["browser"][k] for k in fields}, engine
    # The POST to api/run is refused (501): that, and nothing else, shows in the console.
    assert [p for p in take_problems(static_page) if "/api/run" not in p] == []


def test_share_links_carry_the_code(static_page, site, browser):
    static_page.evaluate("() => window.wasmCompute.ready")
    static_page.locator("#editor .cm-content").click()
    static_page.keyboard.press("Control+a")
    static_page.keyboard.type('print("shared from a static page")')
    static_page.get_by_role("button", name="Share").click()
    # No API answers (api/health is a 404), so the link carries the code in its fragment.
    expect(static_page.locator("#share-url")).to_have_value(re.compile("^" + re.escape(site) + "#code="))
    url = static_page.locator("#share-url").input_value()
    assert [p for p in take_problems(static_page) if "/api/" not in p] == []

    context = browser.new_context()
    try:
        other = context.new_page()
        _watch(other)
        other.goto(url)
        other.wait_for_function("document.documentElement.dataset.ready === 'true'", timeout=READY_TIMEOUT_MS)
        expect(other.locator("#editor .cm-content")).to_have_text('print("shared from a static page")')
    finally:
        context.close()
