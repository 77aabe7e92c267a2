"""Format (issue 14): the Format button and Shift+Alt+F format the file shown with StyLua's
WebAssembly build, in the page (loaded at the first use, from this server only, nothing sent
anywhere); Ctrl+Z undoes it; code StyLua cannot parse is left as it was, and the page says why.
"""

from urllib.parse import urlparse

from playwright.sync_api import expect

from .ui import Playground

MESSY = "local   x=1\nif x then print( x ) end\nlocal t={1,2,3}"
TIDY = "local x = 1\nif x then\n  print(x)\nend\nlocal t = { 1, 2, 3 }\n"


def test_format_button_formats_the_file_in_the_page(page, server):
    ui = Playground(page)
    requests = []
    page.on("request", lambda r: requests.append(r))
    ui.set_code(MESSY)
    assert not any("stylua" in r.url for r in requests), "StyLua loaded before its first use"
    page.get_by_role("button", name="Format").click()
    ui.expect_code(TIDY)
    expect(page.get_by_role("status").filter(has_text="Formatted with StyLua")).to_be_visible()
    # Loaded from this server only, and nothing was posted anywhere.
    assert any(r.url.endswith("/dist/stylua.wasm") for r in requests)
    assert all(urlparse(r.url).netloc == urlparse(server).netloc for r in requests)
    assert not [r for r in requests if r.method != "GET"]
    ui.editor.press("ControlOrMeta+z")
    ui.expect_code(MESSY)


def test_shift_alt_f_formats_the_file_shown(page):
    ui = Playground(page)
    ui.add_file("util", "return {a=1}")
    ui.editor.press("Shift+Alt+F")
    ui.expect_code("return { a = 1 }\n")
    ui.tab("main.lua").click()
    assert "Hello from" in ui.editor.text_content()  # the other file was left alone


def test_a_syntax_error_leaves_the_code_and_says_why(page):
    ui = Playground(page)
    broken = "local x = = 1\nprint(x)"
    ui.set_code(broken)
    page.get_by_role("button", name="Format").click()
    expect(page.get_by_role("status").filter(has_text="Not formatted: StyLua cannot parse this file")).to_be_visible()
    ui.expect_code(broken)
