"""Themes (issue 14): the switch (System, Light, Dark) changes every part of the page, the
editor, output, inspector and share panel included, and is remembered; System follows the
browser's colour scheme. Saves a screenshot of each theme under build/screenshots/ for review
(docs/ holds copies of them for the README).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .ui import Playground

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
# The page's background and the editor's, as style.css sets them (--bg, --editor-bg).
BACKGROUNDS = {"light": ("rgb(238, 240, 244)", "rgb(255, 255, 255)"), "dark": ("rgb(11, 14, 20)", "rgb(19, 24, 33)")}
SHOWCASE = '''-- Files, _home and what a run changed
local util = require("util")
_home.runs = (_home.runs or 0) + 1
_home.greeting = util.greet("Lua")
print(_home.greeting, "run " .. _home.runs)
return _home.runs
'''
UTIL = 'local M = {}\nfunction M.greet(who) return "Hello, " .. who end\nreturn M\n'


def backgrounds(page):
    return (page.evaluate("() => getComputedStyle(document.body).backgroundColor"),
            page.locator(".cm-editor").evaluate("e => getComputedStyle(e).backgroundColor"))


def test_the_switch_changes_the_theme_and_is_remembered(open_page):
    page = open_page(color_scheme="light")
    ui = Playground(page)
    theme = page.get_by_role("combobox", name="Theme")
    expect(theme).to_have_value("system")
    assert backgrounds(page) == BACKGROUNDS["light"]
    theme.select_option(label="Dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert backgrounds(page) == BACKGROUNDS["dark"]
    ui.run("_home.x = 1 error('to see the error box')")
    ui.share_button.click()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    for part in (ui.output, ui.inspector, page.get_by_role("region", name="Share"), dialog):
        assert part.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(19, 24, 33)"
    dialog.get_by_role("button", name="Close").click()
    ui.reload()
    expect(theme).to_have_value("dark")
    assert backgrounds(page) == BACKGROUNDS["dark"]
    theme.select_option(label="System")
    assert backgrounds(page) == BACKGROUNDS["light"]
    page.context.close()


def test_the_saved_theme_is_set_before_the_page_is_drawn(open_page):
    """dist/boot.js, a classic script in <head>, sets it before <body> exists: no flash of the
    other theme."""
    page = open_page(color_scheme="light")
    page.get_by_role("combobox", name="Theme").select_option(label="Dark")
    page.add_init_script("""new MutationObserver((_, observer) => {
        if (!document.body) return;
        window.themeAtBody = document.documentElement.dataset.theme ?? "none";
        observer.disconnect();
    }).observe(document, {childList: true, subtree: true});""")
    Playground(page).reload()
    assert page.evaluate("() => window.themeAtBody") == "dark"
    page.context.close()


def test_system_follows_the_browser_and_light_overrides_it(open_page):
    page = open_page(color_scheme="dark")
    assert backgrounds(page) == BACKGROUNDS["dark"]
    page.get_by_role("combobox", name="Theme").select_option(label="Light")
    assert backgrounds(page) == BACKGROUNDS["light"]
    page.context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_of_each_theme(open_page, theme):
    page = open_page(viewport={"width": 1280, "height": 760}, color_scheme=theme)
    ui = Playground(page)
    page.get_by_role("combobox", name="Theme").select_option(theme)
    ui.add_file("util", UTIL)
    ui.tab("main.lua").click()
    ui.run(SHOWCASE)
    ui.run_button.click()
    ui.wait_result()
    expect(ui.inspector.locator(".change")).to_have_count(1)  # runs 1 → 2: changed
    page.locator(".cm-content").evaluate("e => e.blur()")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"playground-{theme}.png")
    page.context.close()
