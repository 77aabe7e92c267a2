"""Start-up (issue 13): the page is ready only when a Run can run at once. The page's inline
first script starts the browser engine's worker, which compiles lua.wasm, makes its instance
and warms it up before the page says it is ready. So lua.wasm is fetched once, and the first
Run starts no worker and fetches nothing. The code shows first in a plain editor, in which
the visitor can type, select and scroll; CodeMirror takes its place after ready with all of
that (src/plain-editor.js). These tests hold CodeMirror's module back to act in the plain
editor first.
"""

import base64
import hashlib
import re
from pathlib import Path

from playwright.sync_api import expect

from wasm_compute.app import BOOT_SCRIPT_HASH, CONTENT_SECURITY_POLICY

from .conftest import READY_TIMEOUT_MS
from .ui import Playground

INDEX_HTML = Path(__file__).resolve().parents[1] / "web" / "index.html"
# src/editor.js, as the bundle's lazily loaded chunk of it (dist/editor-<hash>.js).
EDITOR_CHUNK = re.compile(r".*/dist/editor-[A-Z0-9]+\.js$")


def test_the_one_inline_script_is_allowed_by_its_hash_alone():
    scripts = re.findall(r"<script>(.*?)</script>", INDEX_HTML.read_text(), re.S)
    assert len(scripts) == 1
    digest = "sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert BOOT_SCRIPT_HASH == digest, f"the inline script of web/index.html changed: its hash is now {digest}"
    script_src = re.search(r"script-src ([^;]*)", CONTENT_SECURITY_POLICY).group(1).split()
    assert script_src == ["'self'", "'wasm-unsafe-eval'", f"'{digest}'"]


def open_held(open_page, draft: str | None = None):
    """A ready page whose CodeMirror module is held back: (page, release()). draft: main.lua's
    text as the saved draft."""
    held = []

    def before_load(page):
        if draft is not None:
            page.add_init_script(
                f"localStorage.setItem('wasm-compute:files', JSON.stringify([{{name: 'main.lua', code: {draft!r}}}]))")
        page.route(EDITOR_CHUNK, lambda route: held.append(route))

    page = open_page(before_load=before_load, codemirror=False)
    return page, lambda: held.pop().continue_()


def wait_codemirror(page):
    page.wait_for_selector("html[data-editor=codemirror]", state="attached", timeout=READY_TIMEOUT_MS)


def test_at_ready_the_plain_editor_runs_what_was_typed_in_it(open_page):
    page, release = open_held(open_page, draft="print('draft')")
    plain = page.get_by_role("textbox", name="Lua code")
    expect(plain).to_have_value("print('draft')")
    plain.press("End")
    plain.type("\nprint(1 + 1)")
    ui = Playground(page)
    ui.run_button.click()
    ui.wait_result()
    assert ui.stdout.text_content() == "draft\n2\n"
    release()
    wait_codemirror(page)
    ui.expect_code("print('draft')\nprint(1 + 1)")
    page.context.close()


def test_selection_scroll_and_focus_survive_the_upgrade(open_page):
    lines = [f"print({i})" for i in range(1, 201)]
    page, release = open_held(open_page, draft="\n".join(lines))
    plain = page.locator("#plain-editor")
    start = len("\n".join(lines[:119])) + 1  # line 120
    plain.evaluate("(t, [a, b]) => { t.focus(); t.setSelectionRange(a, b, 'backward'); t.scrollTop = 1500; }",
                   [start, start + len(lines[119])])
    scrolled = plain.evaluate("(t) => t.scrollTop")
    assert scrolled > 1000
    release()
    wait_codemirror(page)
    assert page.locator("#plain-editor").count() == 0
    content = page.locator(".cm-content")
    expect(content).to_be_focused()
    assert page.evaluate("() => document.getSelection().toString()") == "print(120)"
    scroller = page.locator(".cm-scroller")
    assert abs(scroller.evaluate("(s) => s.scrollTop") - scrolled) <= 2
    # The selection stayed backward: Shift+ArrowLeft moves its head, the start, further left.
    page.keyboard.press("Shift+ArrowLeft")
    assert page.evaluate("() => document.getSelection().toString()") == "\nprint(120)"
    page.context.close()


def test_keys_typed_while_codemirror_takes_over_all_arrive_in_order(open_page):
    page, release = open_held(open_page, draft="x = 0")
    plain = page.get_by_role("textbox", name="Lua code")
    plain.press("End")
    typed = "".join(f" + {i}" for i in range(40))
    page.keyboard.type(typed[:20])
    release()  # CodeMirror arrives while the rest is typed, one key at a time
    page.keyboard.type(typed[20:], delay=5)
    wait_codemirror(page)
    ui = Playground(page)
    ui.expect_code("x = 0" + typed)
    ui.run("print(1)")  # the editor works on after the upgrade
    ui.expect_printed("1")
    page.context.close()


def test_ready_means_the_worker_has_its_instance(open_page):
    requests = []
    page = open_page(before_load=lambda p: p.on("request", lambda r: requests.append(r.url)))
    assert sum(url.endswith("/lua.wasm") for url in requests) == 1
    assert sum(url.endswith("/dist/lua-worker.js") for url in requests) == 1
    before_run = len(requests)
    ui = Playground(page)
    ui.run("print(('ready'):upper())")
    ui.expect_printed("READY")
    assert requests[before_run:] == [], "the first Run fetched something"
    page.context.close()


def test_a_stopped_worker_is_replaced_by_one_that_compiles_lua_wasm_itself(page):
    ui = Playground(page)
    ui.set_code("while true do end")
    ui.run_button.click()
    page.get_by_role("button", name="Stop").click()
    ui.wait_result()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    ui.run("print(6 * 7)")
    ui.expect_printed("42")
    assert any(url.endswith("/lua.wasm") for url in requests)


def test_an_example_chosen_in_the_plain_editor_loads_once_codemirror_shows(open_page):
    page, release = open_held(open_page, draft="print('mine')")
    examples = page.get_by_role("combobox", name="Examples")
    examples.select_option(index=1)
    title = examples.locator("option").nth(1).text_content()
    expect(page.get_by_role("textbox", name="Lua code")).to_have_value("print('mine')")
    release()
    wait_codemirror(page)
    expect(page.locator("#toast")).to_have_text(f"Loaded “{title}”. Ctrl+Z brings your code back.")
    ui = Playground(page)
    ui.editor.focus()
    page.keyboard.press("Control+Z")
    ui.expect_code("print('mine')")
    page.context.close()


def test_with_vim_keys_on_the_page_is_ready_only_in_codemirror(open_page):
    page = open_page(before_load=lambda p: p.add_init_script("localStorage.setItem('wasm-compute:vim', 'on')"),
                     codemirror=False)
    assert page.evaluate("() => document.documentElement.dataset.editor") == "codemirror"
    assert page.locator("#plain-editor").count() == 0
    expect(page.get_by_role("checkbox", name="Vim keys")).to_be_checked()
    page.context.close()
