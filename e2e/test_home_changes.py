"""What each run changed in _home, and shares that carry _home (issue 14): after a run the
inspector marks the keys it added, changed and removed, with the old value on hover; a failed
run says its changes were rolled back; the share panel's checkbox puts a _home snapshot into
the link, and the visitor is asked before it replaces theirs.
"""

import re

import pytest
from playwright.sync_api import expect

from .ui import Playground, entries


def badge(ui, key):
    return ui.inspector.locator(".row", has=ui.page.get_by_text(key, exact=True)).locator(".change")


def test_the_inspector_marks_what_the_last_run_changed(page):
    ui = Playground(page)
    ui.run("_home.keep = 1 _home.bump = 1 _home.gone = 'bye' _home.t = {a = 1, b = 2}")
    for key in ("keep", "bump", "gone", "t"):
        expect(badge(ui, key)).to_have_text("added")
    ui.run("_home.bump = _home.bump + 1 _home.gone = nil _home.t.a = 10 _home.t.c = 3 _home.t.b = nil _home.new = true")
    expect(badge(ui, "keep")).to_have_count(0)
    expect(badge(ui, "bump")).to_have_text("changed")
    expect(badge(ui, "bump")).to_have_attribute("title", "was 1")
    expect(badge(ui, "new")).to_have_text("added")
    expect(badge(ui, "gone")).to_have_text("removed")
    expect(badge(ui, "gone")).to_have_attribute("title", 'was "bye"')
    expect(badge(ui, "a")).to_have_attribute("title", "was 1")
    expect(badge(ui, "b")).to_have_text("removed")
    expect(badge(ui, "c")).to_have_text("added")
    # Hovering shows the old value (the title is the tooltip).
    badge(ui, "bump").hover()
    # A run that changes nothing marks nothing.
    ui.run("print(_home.bump)")
    expect(ui.inspector.locator(".change")).to_have_count(0)


def test_a_failed_run_says_its_changes_were_rolled_back(page):
    ui = Playground(page)
    ui.run("_home.n = 1")
    ui.run("_home.n = 2 _home.m = 3 error('no')")
    expect(ui.output).to_contain_text("_home was rolled back: a run that fails keeps none of its changes to _home.")
    expect(ui.inspector.locator(".change")).to_have_count(0)
    expect(ui.home_value("n")).to_have_value("1")
    ui.run("_home.n = 2")
    expect(ui.output).not_to_contain_text("rolled back")


@pytest.mark.parametrize("via", ["server", "fragment"])
def test_a_share_can_carry_home_and_the_visitor_is_asked(page, open_page, server, via):
    ui = Playground(page)
    if via == "fragment":
        page.route("**/api/health", lambda route: route.fulfill(json={"ok": False}))
    ui.run("_home.score = 42 _home.names = {'ann', 'bob'} print(_home.score)")
    ui.share_button.click()
    carry = page.get_by_role("checkbox", name=re.compile("Include a snapshot of _home"))
    expect(carry).not_to_be_checked()
    expect(ui.share_url).to_have_value(page.url)
    plain = page.url
    carry.check()
    expect(ui.share_url).not_to_have_value(plain)
    expect(ui.share_url).to_have_value(page.url)
    shared = page.url

    # A visitor with a _home of their own: asked, and "Keep mine" keeps it.
    visitor = Playground(open_page(""))
    visitor.run("_home.mine = true")
    visitor.page.goto(shared)  # from the playground itself: a #code= link changes the hash only
    visitor.page.wait_for_selector("html[data-ready=true]", state="attached")
    offer = visitor.page.get_by_role("group", name="Shared _home")
    expect(offer).to_contain_text("This link carries a _home (2 keys).")
    offer.get_by_role("button", name="Keep mine").click()
    expect(offer).to_be_hidden()
    assert entries(visitor.home()) == {"mine": True}
    # Opened again, "Replace my _home" takes the link's.
    visitor.page.reload()
    visitor.page.wait_for_selector("html[data-ready=true]", state="attached")
    offer.get_by_role("button", name="Replace my _home").click()
    expect(visitor.home_value("score")).to_have_value("42")
    assert set(entries(visitor.home())) == {"score", "names"}
    visitor.run()
    visitor.expect_printed("42")
    visitor.page.context.close()

    # The link without the checkbox carries no _home: nobody is asked.
    other = open_page(plain[len(server):])
    expect(other.get_by_role("group", name="Shared _home")).to_be_hidden()
    other.context.close()
