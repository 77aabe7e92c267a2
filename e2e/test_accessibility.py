"""Accessibility (issue 14): axe-core (web/node_modules/axe-core), put into the page by
Playwright, finds no serious or critical violation on the playground in either theme, with
its panels open (a run's error, _home with changes, the share panel, the shortcuts dialog,
several files), nor in embed mode; and every control is reached with Tab alone.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .ui import Playground

AXE = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's own best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def serious_violations(page) -> list[str]:
    """axe's violations of impact serious or critical on the page as it is now, in words."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # through the DevTools protocol: the page's CSP allows no inline script
    # A control's colours in the middle of a transition (Share fades back in as its request
    # ends) are neither its old nor its new ones: axe looks once they have settled.
    page.evaluate("() => Promise.all(document.getAnimations().map((a) => a.finished))")
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
            else str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_either_theme(open_page, theme):
    page = open_page(color_scheme=theme)
    ui = Playground(page)
    page.get_by_role("combobox", name="Theme").select_option(theme)
    assert serious_violations(page) == []
    ui.add_file("util", "return {}")
    ui.tab("main.lua").click()
    ui.run("_home.a = 1 _home.t = {x = 1}")
    ui.run("_home.a = 2 _home.t = nil error('boom')")
    ui.run("_home.a = 3 _home.b = 'new'")
    ui.set_input("some input")
    ui.share_button.click()
    expect(page.get_by_role("region", name="Share")).to_be_visible()
    assert serious_violations(page) == []
    ui.run("error('an error box')")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert serious_violations(page) == []
    page.context.close()


def test_axe_finds_nothing_serious_in_embed_mode(open_page):
    page = open_page("?embed", color_scheme="dark")
    ui = Playground(page)
    ui.run("print('embedded')")
    assert serious_violations(page) == []
    page.context.close()


def test_every_control_is_reached_with_tab(page):
    """Tab from the top of the page reaches every visible button, field and tab (and the
    editor, which Esc then Tab leaves)."""
    ui = Playground(page)
    ui.run("_home.n = 1")
    wanted = page.evaluate("""() => [...document.querySelectorAll(
        'button, select, input, textarea, summary, a[href], [role=tab][aria-selected=true], .cm-content')]
        .filter(e => e.checkVisibility() && !e.disabled && !e.closest('dialog'))
        .map(e => e.id || e.getAttribute('aria-label') || e.textContent.trim())""")
    reached = []
    page.locator("body").focus()
    for _ in range(len(wanted) * 2):
        page.keyboard.press("Tab")
        name = page.evaluate("""() => { const e = document.activeElement;
            return e.id || e.getAttribute('aria-label') || e.textContent.trim(); }""")
        if name in reached:
            break
        reached.append(name)
        if name == "Lua code":  # Tab indents in the editor; Esc first lets the next Tab leave it
            page.keyboard.press("Escape")
    missing = [w for w in wanted if w not in reached]
    assert missing == [], f"not reached with Tab: {missing} (reached: {reached})"
