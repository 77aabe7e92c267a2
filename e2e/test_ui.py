"""The playground as a user sees it: typing and running, Ctrl+Enter, `_home` across reloads
and edited in the inspector, Stop, share links (server and #code=), the error line in the
editor, the engine selector, and a phone's screen.

Every test has its own browser context (the `page` fixture, or `open_page` for a second
visitor), so localStorage starts empty. Nothing here measures time: each step waits for what
the user would see, with Playwright's auto-waiting.
"""

import re

from playwright.sync_api import expect

from .conftest import take_problems
from .ui import Playground, entries

SHARE_PATH = re.compile(r"/s/[A-Za-z0-9_-]{12}$")


def test_typed_script_runs_with_the_run_button(page):
    ui = Playground(page)
    ui.editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    ui.editor.press_sequentially('print("typed", 6 * 7)')
    ui.expect_code('print("typed", 6 * 7)')
    ui.run_button.click()
    ui.wait_result()
    ui.expect_printed("typed\t42")
    expect(ui.engine_fact).to_have_text("Browser")


def test_ctrl_enter_runs(page):
    ui = Playground(page)
    ui.set_code('print("from the keyboard")')
    ui.editor.press("Control+Enter")
    ui.wait_result()
    ui.expect_printed("from the keyboard")
    # The editor's own Mod-Enter (a new line) did not also happen.
    ui.expect_code('print("from the keyboard")')


def test_home_survives_a_reload(page):
    ui = Playground(page)
    counter = "_home.n = (_home.n or 0) + 1 print(_home.n)"
    ui.run(counter)
    ui.expect_printed("1")
    ui.run_button.click()
    ui.wait_result()
    ui.expect_printed("2")
    ui.reload()
    # The page comes back with the last code (saved as it was typed) and `_home` as it was.
    expect(ui.home_value("n")).to_have_value("2")
    ui.run(counter)
    ui.expect_printed("3")
    expect(ui.home_value("n")).to_have_value("3")
    expect(ui.inspector).to_contain_text("integer")
    assert entries(ui.home()) == {"n": {"i": "3"}}


def test_inspector_edit_is_seen_by_the_next_script(page):
    ui = Playground(page)
    ui.run("_home.n = 1 _home.label = 'x'")
    field = ui.home_value("n")
    expect(field).to_have_value("1")
    field.fill("41")
    field.press("Enter")
    assert entries(ui.home())["n"] == {"i": "41"}
    ui.run("print(_home.n + 1)")
    ui.expect_printed("42")
    ui.run("print(math.type(_home.n))")
    ui.expect_printed("integer")
    # The other key was left alone, and the edit stays after the runs.
    expect(ui.home_value("n")).to_have_value("41")
    expect(ui.home_value("label")).to_have_value('"x"')


def test_inspector_shows_and_keeps_a_byte_order_mark(page):
    """A string that starts with U+FEFF keeps it through runs, the inspector and a reload; the
    inspector writes the invisible character as an escape, and reads it back."""
    ui = Playground(page)
    ui.run('_home.s = "\\u{FEFF}x" _home.n = 1')
    field = ui.home_value("s")
    expect(field).to_have_value('"\\u{FEFF}x"')
    assert entries(ui.home())["s"] == "\ufeffx"
    other = ui.home_value("n")
    other.fill("2")
    other.press("Enter")
    field.fill('"\\u{FEFF}\\u{FEFF}y"')
    field.press("Enter")
    assert entries(ui.home())["s"] == "\ufeff\ufeffy"
    ui.reload()
    ui.run('print(#_home.s, _home.s:byte(1, 3))')
    ui.expect_printed("7\t239\t187\t191")
    expect(ui.home_value("s")).to_have_value('"\\u{FEFF}\\u{FEFF}y"')


def test_stop_ends_a_runaway_script(page):
    ui = Playground(page)
    ui.run("_home.before = 1")
    ui.set_code("_home.during = true while true do end")
    ui.run_button.click()
    expect(ui.output).to_contain_text("Running in the browser")
    ui.stop_button.click()  # waits until Stop is enabled, i.e. the run is under way
    # Playwright's default timeout: the stop shows well within it.
    expect(ui.outcome).to_have_text("■ stopped")
    expect(ui.output).to_contain_text("Stopped: the script was ended by the user.")
    expect(ui.stop_button).to_be_disabled()
    expect(ui.run_button).to_be_enabled()
    # The stopped run changed nothing, and the next run works (in a new worker).
    assert entries(ui.home()) == {"before": {"i": "1"}}
    ui.run('print("after the stop", _home.before, _home.during)')
    ui.expect_printed("after the stop\t1\tnil")


def _open_shared(open_page, server, url):
    assert url.startswith(server), f"a share link outside the playground: {url}"
    other = open_page(url[len(server):])
    return Playground(other)


def test_server_share_link_opens_the_same_code(page, open_page, server):
    ui = Playground(page)
    code = '-- shared through the server\nlocal who = "server"\nprint("shared by the " .. who)'
    ui.set_code(code)
    ui.share_button.click()
    expect(page).to_have_url(SHARE_PATH)
    expect(page.get_by_text("Stored on the server.")).to_be_visible()
    expect(ui.share_url).to_have_value(page.url)

    visitor = _open_shared(open_page, server, page.url)
    visitor.expect_code(code)
    visitor.run()
    visitor.expect_printed("shared by the server")
    visitor.page.context.close()


def _expect_fragment_link(ui):
    page = ui.page
    expect(page).to_have_url(re.compile(r"/#code=[A-Za-z0-9+\-$]+$"))
    expect(page.get_by_text("The code travels inside the link itself.")).to_be_visible()
    expect(ui.share_url).to_have_value(page.url)
    return page.url


def test_fragment_share_link_when_the_server_is_away(page, open_page, server):
    """The page asks /api/health before sharing; when the server is not there, the code goes
    into the link itself (#code=…)."""
    ui = Playground(page)
    page.route("**/api/health", lambda route: route.fulfill(json={"ok": False}))
    code = 'local t = {1, 2, 3}\nprint("fragment", #t, "a+b=$c")'
    ui.set_code(code)
    ui.share_button.click()
    url = _expect_fragment_link(ui)

    visitor = _open_shared(open_page, server, url)
    visitor.expect_code(code)
    visitor.run()
    visitor.expect_printed("fragment\t3\ta+b=$c")
    visitor.page.context.close()


def test_fragment_share_link_when_the_server_refuses(page, open_page, server):
    """The server answers /api/health but storing the share fails: the page falls back to a
    #code= link."""
    ui = Playground(page)
    page.route("**/api/share", lambda route: route.abort())
    code = 'print("fallback")'
    ui.set_code(code)
    ui.share_button.click()
    url = _expect_fragment_link(ui)
    # The blocked request is the only thing the page complained about (Chromium logs it).
    problems = take_problems(page)
    assert all("net::ERR_FAILED" in p for p in problems), problems

    visitor = _open_shared(open_page, server, url)
    visitor.expect_code(code)
    visitor.page.context.close()


def test_runtime_error_marks_its_line(page):
    ui = Playground(page)
    code = "local a = 1\nlocal b = 2\n\nerror('boom')\nprint(a, b)"
    ui.run(code)
    expect(ui.outcome).to_have_text("✕ error")
    expect(ui.error).to_contain_text("Runtime error")
    expect(ui.error).to_contain_text("main.lua:4: boom")
    # editor.js: a line decoration (class cm-error-line) and a gutter marker whose label
    # carries the message.
    error_line = page.locator(".cm-content .cm-line.cm-error-line")
    expect(error_line).to_have_count(1)
    expect(error_line).to_have_text("error('boom')")
    expect(ui.lines.nth(3)).to_have_class(re.compile(r"\bcm-error-line\b"))
    expect(page.get_by_label("error: main.lua:4: boom")).to_be_visible()
    # An edit clears the mark (its line number would be stale).
    ui.editor.press("End")
    ui.editor.press_sequentially(" ")
    expect(error_line).to_have_count(0)
    expect(page.get_by_label("error: main.lua:4: boom")).to_have_count(0)


def test_syntax_error_marks_its_line(page):
    ui = Playground(page)
    ui.run("print(1)\nprint(2\nprint(3)")
    expect(ui.error).to_contain_text("Syntax error")
    expect(ui.error).to_contain_text("main.lua:3: ')' expected (to close '(' at line 2) near 'print'")
    error_line = page.locator(".cm-content .cm-line.cm-error-line")
    expect(error_line).to_have_count(1)
    expect(error_line).to_have_text("print(3)")


def test_engine_selector(page):
    ui = Playground(page)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/api/run") else None)

    ui.engine.select_option(label="Server")
    ui.run('_home.where = "server" print("ran on", _home.where)')
    ui.expect_printed("ran on\tserver")
    expect(ui.engine_fact).to_have_text("Server")
    assert len(posts) == 1
    # The server's `_home` comes back into the page.
    expect(ui.home_value("where")).to_have_value('"server"')

    ui.engine.select_option(label="Browser")
    ui.run('print("ran on browser, after", _home.where)')
    ui.expect_printed("ran on browser, after\tserver")
    expect(ui.engine_fact).to_have_text("Browser")
    assert len(posts) == 1


def test_phone_width(open_page):
    phone = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    ui = Playground(phone)
    expect(ui.run_button).to_be_visible()
    expect(ui.run_button).to_be_in_viewport()
    expect(ui.output).to_be_visible()
    ui.set_code('print("on a phone")')
    ui.run_button.tap()
    ui.wait_result()
    ui.output.scroll_into_view_if_needed()
    expect(ui.stdout).to_be_in_viewport()
    ui.expect_printed("on a phone")
    # Nothing makes the page wider than the phone.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.context.close()
