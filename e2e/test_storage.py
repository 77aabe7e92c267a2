"""`_home` in localStorage as the page keeps it (web/lua-client.js): a full storage, a
corrupted entry, and two tabs of one browser.

Each test has its own context (the `page` fixture), so its localStorage starts empty.
"""

import json

import pytest
from playwright.sync_api import expect

from .ui import HOME_KEY, UNREADABLE_KEY, Playground, entries

FILLER = "e2e-filler:"

# Fills localStorage with strings under keys of its own until not even one more character
# fits (QuotaExceededError at every size, down to 1); returns how many keys it wrote.
FILL = """(prefix) => {
  let n = 0;
  for (let size = 1 << 20; size >= 1; size >>= 2) {
    const chunk = "x".repeat(size);
    for (;;) {
      try {
        localStorage.setItem(prefix + n, chunk);
        n++;
      } catch (e) {
        if (e.name !== "QuotaExceededError") throw e;
        break;
      }
    }
  }
  return n;
}"""

FREE = """(prefix) => {
  for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
}"""


def test_full_storage_keeps_home_in_the_page_and_saves_it_later(page):
    ui = Playground(page)
    ui.run("_home.first = 1")
    expect(ui.alert).to_be_hidden()
    assert page.evaluate(FILL, FILLER) > 0

    ui.run('_home.note = "written while the storage is full" print("ran")')
    ui.expect_printed("ran")
    expect(ui.alert).to_be_visible()
    expect(ui.alert).to_contain_text("_home could not be saved")
    expect(ui.alert).to_contain_text("QuotaExceededError")
    # The page holds the new value; the storage still has the old one.
    assert entries(ui.home()) == {"first": {"i": "1"}, "note": "written while the storage is full"}
    expect(ui.home_value("note")).to_have_value('"written while the storage is full"')
    assert entries(json.loads(ui.storage(HOME_KEY))) == {"first": {"i": "1"}}

    page.evaluate(FREE, FILLER)
    ui.run("print(_home.note)")
    ui.expect_printed("written while the storage is full")
    expect(ui.alert).to_be_hidden()
    assert entries(json.loads(ui.storage(HOME_KEY)))["note"] == "written while the storage is full"

    ui.reload()
    expect(ui.alert).to_be_hidden()
    expect(ui.home_value("note")).to_have_value('"written while the storage is full"')
    assert entries(ui.home()) == {"first": {"i": "1"}, "note": "written while the storage is full"}


def test_full_storage_and_an_inspector_edit(page):
    """An edit in the inspector while the storage is full: kept in the page, saved later."""
    ui = Playground(page)
    ui.run("_home.s = 'short'")
    page.evaluate(FILL, FILLER)
    longer = "y" * 200  # a same-size value would still fit where the old one was
    field = ui.home_value("s")
    field.fill(f'"{longer}"')
    field.press("Enter")
    expect(ui.alert).to_contain_text("_home could not be saved")
    assert entries(ui.home()) == {"s": longer}
    ui.run("print(#_home.s)")
    # Still full: the run worked on the edited value, and the message stays.
    ui.expect_printed("200")
    expect(ui.alert).to_be_visible()
    page.evaluate(FREE, FILLER)
    ui.run("_home.s = _home.s .. '!'")
    expect(ui.alert).to_be_hidden()
    ui.reload()
    expect(ui.home_value("s")).to_have_value(f'"{longer}!"')


@pytest.mark.parametrize("corrupt", [
    "{not json",
    '{"t": [["n", 1]]}',          # JSON, but a bare number is not a value of a snapshot
    '{"t": [["n", {"i": "1"}], ["n", {"i": "2"}]]}',  # a key twice
], ids=["not-json", "bare-number", "duplicate-key"])
def test_corrupted_home_is_set_aside(page, corrupt):
    ui = Playground(page)
    page.evaluate("([key, text]) => localStorage.setItem(key, text)", [HOME_KEY, corrupt])
    ui.reload()

    expect(ui.alert).to_be_visible()
    expect(ui.alert).to_contain_text("The saved _home could not be read")
    expect(ui.alert).to_contain_text(f'set aside as "{UNREADABLE_KEY}"')
    assert ui.home() == {"t": []}
    expect(ui.inspector).to_contain_text("Nothing stored yet")
    assert ui.storage(UNREADABLE_KEY) == corrupt

    # _home works from empty; the corrupt text stays aside after the save.
    ui.run("_home.n = (_home.n or 0) + 1 print(_home.n)")
    ui.expect_printed("1")
    assert entries(json.loads(ui.storage(HOME_KEY))) == {"n": {"i": "1"}}
    assert ui.storage(UNREADABLE_KEY) == corrupt


def test_two_tabs_see_each_others_changes(page, open_tab):
    a = Playground(page)
    b = Playground(open_tab())

    page.bring_to_front()  # the user switches tabs (a tab in the background draws slowly)
    a.run('_home.shared = "from tab A"')
    # Tab B learns of it from the storage event, without a reload.
    expect(b.home_value("shared")).to_have_value('"from tab A"')
    assert entries(b.home()) == {"shared": "from tab A"}

    b.page.bring_to_front()
    b.run('_home.shared = _home.shared .. ", then B" _home.b = true')
    expect(a.home_value("shared")).to_have_value('"from tab A, then B"')
    expect(a.home_value("b")).to_have_value("true")

    # An inspector edit in one tab is a change too; the other tab's next run sees it.
    field = b.home_value("shared")
    field.fill('"edited in B"')
    field.press("Enter")
    expect(a.home_value("shared")).to_have_value('"edited in B"')
    page.bring_to_front()
    a.run("print(_home.shared, _home.b)")
    a.expect_printed("edited in B\ttrue")


@pytest.mark.parametrize("a_code, b_code, want", [
    # Different keys: both stay.
    ("_home.a = 'A'", "_home.b = 'B'", {"base": {"i": "1"}, "cfg": {"t": []}, "a": "A", "b": "B"}),
    # Different keys of one nested table: merged inside it, A's first.
    ("_home.cfg.x = 1", "_home.cfg.y = 2",
     {"base": {"i": "1"}, "cfg": {"t": [["x", {"i": "1"}], ["y", {"i": "2"}]]}}),
    # The same key: the run that ends last wins, here by deleting it.
    ("_home.base = 'A'", "_home.base = nil _home.b = 'B'", {"cfg": {"t": []}, "b": "B"}),
])
def test_a_run_in_one_tab_keeps_what_another_tab_committed_meanwhile(page, open_tab, a_code, b_code, want):
    a = Playground(page)
    b = Playground(open_tab())
    a.run("_home.base = 1 _home.cfg = {}")
    expect(b.home_value("base")).to_have_value("1")

    # Tab B runs on the server engine; its answer is held until tab A has committed.
    held = []
    b.page.route("**/api/run", lambda route: held.append(route))
    b.page.bring_to_front()
    b.engine.select_option(label="Server")
    b.set_code(b_code)
    b.run_button.click()
    expect(b.output).to_contain_text("Running in the server")
    page.bring_to_front()
    a.run(a_code)
    expect(b.run_button).to_be_disabled()  # B's run is still under way
    assert len(held) == 1
    held[0].continue_()
    b.wait_result()
    expect(b.outcome).to_have_text("✓ ok")

    stored = entries(json.loads(a.storage(HOME_KEY)))
    assert stored == want
    assert entries(b.home()) == want


def test_an_unreadable_home_is_not_lost_when_the_storage_is_full(page):
    ui = Playground(page)
    corrupt = "{not json" + "z" * 100
    page.evaluate("([key, text]) => localStorage.setItem(key, text)", [HOME_KEY, corrupt])
    page.evaluate(FILL, FILLER)
    ui.reload()
    expect(ui.alert).to_contain_text("The saved _home could not be read")
    ui.run("_home.n = 1")
    assert corrupt in (ui.storage(UNREADABLE_KEY), ui.storage(HOME_KEY)), \
        f"the unreadable _home is gone, and the page says: {ui.alert.text_content().strip()}"
