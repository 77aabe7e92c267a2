"""Vim keys and the keyboard shortcuts panel (issue 14): the Vim keys switch loads CodeMirror's
vim mode at its first use and is remembered; in it, normal-mode commands edit and Ctrl+Enter
still runs; the shortcuts panel opens from its button, lists the page's shortcuts and closes
with Escape, giving the focus back.
"""

from playwright.sync_api import expect

from .ui import Playground


def test_vim_keys_are_loaded_when_switched_on_and_remembered(page):
    ui = Playground(page)
    vim_chunks = []
    page.on("request", lambda r: vim_chunks.append(r.url) if "/dist/" in r.url and r.url.endswith(".js") else None)
    ui.set_code("first line\nsecond line\nthird line")
    switch = page.get_by_role("checkbox", name="Vim keys")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(page.locator(".cm-vimMode")).to_have_count(1)
    assert vim_chunks, "the vim mode came with the page instead of at its first use"
    ui.editor.click()
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("g")
    page.keyboard.press("d")
    page.keyboard.press("d")
    ui.expect_code("second line\nthird line")
    page.keyboard.press("u")
    ui.expect_code("first line\nsecond line\nthird line")
    page.keyboard.type("A!")  # append at the end of the line, in insert mode
    page.keyboard.press("Escape")
    ui.expect_code("first line!\nsecond line\nthird line")

    ui.reload()
    expect(switch).to_be_checked()
    expect(page.locator(".cm-vimMode")).to_have_count(1)
    ui.set_code('print("vim")')
    ui.editor.click()
    page.keyboard.press("Escape")
    page.keyboard.press("ControlOrMeta+Enter")
    ui.wait_result()
    ui.expect_printed("vim")
    switch.uncheck()
    expect(page.locator(".cm-vimMode")).to_have_count(0)


def test_the_shortcuts_panel_lists_every_shortcut(page):
    ui = Playground(page)
    opener = page.get_by_role("button", name="Keyboard shortcuts")
    opener.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(panel).to_be_visible()
    for does in ("Run main.lua", "Format the file with StyLua", "Rename the file", "Save the value typed",
                 "Leave the editor"):
        expect(panel.get_by_role("cell", name=does)).to_be_visible()
    expect(panel.get_by_role("cell", name="Shift+Alt+F", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()
    ui.run('print("still works")')
    ui.expect_printed("still works")
