"""The playground's files (issue 11): tabs for several .lua files, added, renamed and deleted
as a person does it; main.lua runs and `require("util")` loads util.lua; an error marks its
line in the tab of the file it names; the draft and both kinds of share link carry every file.
"""

import re

import pytest
from playwright.sync_api import expect

from .ui import Playground

UTIL = 'local M = {}\nfunction M.twice(x)\n  return 2 * x\nend\nfunction M.boom()\n  error("boom")\nend\nreturn M'
MAIN = 'local util = require("util")\nprint("twice 21 is", util.twice(21))'


def test_a_new_file_is_named_renamed_and_deleted(page):
    ui = Playground(page)
    expect(ui.tabs).to_have_text(["main.lua"])
    expect(ui.rename_file).to_be_disabled()
    expect(ui.delete_file).to_be_disabled()
    ui.add_file("util", UTIL)  # ".lua" is added
    expect(ui.tabs).to_have_text(["main.lua", "util.lua"])
    # A name that is taken, or not a module's, is refused with the reason, and the field stays.
    ui.rename_file.click()
    ui.file_name.fill("main")
    ui.file_name.press("Enter")
    expect(ui.file_name).to_have_attribute("aria-invalid", "true")
    ui.file_name.fill("my-util.lua")
    ui.file_name.press("Enter")
    expect(page.get_by_role("status").filter(has_text="is not a module's file name")).to_be_visible()
    ui.file_name.fill("tools.strings")
    ui.file_name.press("Enter")
    expect(ui.tabs).to_have_text(["main.lua", "tools.strings.lua"])
    ui.expect_code(UTIL)
    # F2 on the tab renames too; Escape keeps the name.
    ui.tab("tools.strings.lua").press("F2")
    ui.file_name.press("Escape")
    expect(ui.tabs).to_have_text(["main.lua", "tools.strings.lua"])
    # Arrow keys move between tabs; each keeps its own text.
    ui.tab("tools.strings.lua").focus()
    page.keyboard.press("ArrowLeft")
    expect(ui.tab("main.lua")).to_have_attribute("aria-selected", "true")
    expect(ui.tab("main.lua")).to_be_focused()
    assert "Hello from" in ui.editor.text_content()
    ui.tab("tools.strings.lua").click()
    ui.expect_code(UTIL)
    page.once("dialog", lambda dialog: dialog.accept())
    ui.delete_file.click()
    expect(ui.tabs).to_have_text(["main.lua"])
    expect(ui.tab("main.lua")).to_have_attribute("aria-selected", "true")


@pytest.mark.parametrize("engine", ["Browser", "Server"])
def test_main_requires_util(page, engine):
    """The other files go along as modules on every engine, the server's included."""
    ui = Playground(page)
    ui.engine.select_option(label=engine)
    ui.add_file("util", UTIL)
    ui.tab("main.lua").click()
    ui.run(MAIN)
    ui.expect_printed("twice 21 is\t42")
    expect(ui.engine_fact).to_have_text(engine)


def test_an_error_in_util_marks_its_line_in_its_tab(page):
    ui = Playground(page)
    ui.add_file("util", UTIL)
    ui.tab("main.lua").click()
    ui.run('local util = require("util")\n\nutil.boom()')
    expect(ui.error).to_contain_text("util.lua:6: boom")
    expect(ui.tab("util.lua")).to_have_attribute("aria-selected", "true")
    error_line = page.locator(".cm-content .cm-line.cm-error-line")
    expect(error_line).to_have_text('  error("boom")')
    # main.lua's call is in the traceback; an error in main.lua itself marks main.lua.
    expect(ui.error).to_contain_text("main.lua:3")
    ui.tab("main.lua").click()
    expect(error_line).to_have_count(0)
    ui.run('local util = require("util")\nlocal x = nil + 1')
    expect(ui.tab("main.lua")).to_have_attribute("aria-selected", "true")
    expect(error_line).to_have_text("local x = nil + 1")


CHECKS = "local M = {}\nfunction M.check(x)\n  if not x then error('check failed', 0) end\nend\nreturn M"


@pytest.mark.parametrize("module, source, main, says, line", [
    # error("...", 0) names no file: the traceback's first line in one of the files is marked.
    ("checks", CHECKS, 'require("checks").check(false)', "checks.lua:3: in function 'checks.check'",
     "  if not x then error('check failed', 0) end"),
    # A module that does not compile is named on the message's second line.
    ("util", "local M = {}\n\nfunction M.f(\n  return 1\nend\nreturn M", 'local util = require("util")\nprint(util)',
     "error loading module 'util' from file 'util.lua'", "  return 1"),
], ids=["no position", "syntax error in a module"])
def test_the_module_an_error_names_gets_the_mark(page, module, source, main, says, line):
    ui = Playground(page)
    ui.add_file(module, source)
    ui.tab("main.lua").click()
    ui.run(main)
    expect(ui.error).to_contain_text(says)
    expect(ui.tab(module + ".lua")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".cm-content .cm-line.cm-error-line")).to_have_text(line)


def test_the_draft_keeps_every_file_and_the_input(page):
    ui = Playground(page)
    ui.add_file("util", UTIL)
    ui.add_file("data", "return {1, 2, 3}")
    ui.tab("main.lua").click()
    ui.set_code(MAIN)
    ui.set_input("some input")
    page.wait_for_function("() => localStorage.getItem('wasm-compute:files')?.includes('data.lua')")
    ui.reload()
    expect(ui.tabs).to_have_text(["main.lua", "util.lua", "data.lua"])
    ui.expect_code(MAIN)
    expect(ui.input).to_have_value("some input")
    ui.tab("data.lua").click()
    ui.expect_code("return {1, 2, 3}")


def _shared(open_page, server, url):
    assert url.startswith(server)
    return Playground(open_page(url[len(server):]))


@pytest.mark.parametrize("via, address", [
    ("server", r"/s/[A-Za-z0-9_-]{12}$"),
    ("fragment", r"/#code=[A-Za-z0-9+\-$]+&files=[A-Za-z0-9+\-$]+$"),
])
def test_a_share_link_carries_every_file(page, open_page, server, via, address):
    ui = Playground(page)
    if via == "fragment":  # no server to store it: the files go into the link itself
        page.route("**/api/health", lambda route: route.fulfill(json={"ok": False}))
    ui.add_file("util", UTIL)
    ui.tab("main.lua").click()
    ui.set_code(MAIN)
    ui.share_button.click()
    expect(page).to_have_url(re.compile(address))
    visitor = _shared(open_page, server, page.url)
    expect(visitor.tabs).to_have_text(["main.lua", "util.lua"])
    visitor.expect_code(MAIN)
    visitor.tab("util.lua").click()
    visitor.expect_code(UTIL)
    visitor.page.context.close()
