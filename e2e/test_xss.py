"""Shared code that looks like markup never becomes markup or script: `</script>`,
`<img onerror>`, `<svg onload>`, an `<iframe>` and links to `javascript:` URLs, in the code, in
what it prints, in what it returns and in `_home` (keys and values).

The code is shared both ways (a server id, /s/<id>, and a #code= fragment) and opened by a
second visitor in a fresh context, whose page has a dialog handler from its first moment and a
flag every payload would set (`window.__pwned`). The visitor's editor shows the code as text,
the run prints the same strings, the output and the inspector show them as text, and no
element of the payloads exists in the DOM. A blocked inline script would also fail the test:
Chromium reports a CSP violation as a console error, which the fixtures turn into a failure.
"""

import re

import pytest
from playwright.sync_api import expect

from .ui import Playground

PAYLOADS = [
    '</script><script>window.__pwned = "script"; alert("script")</script>',
    "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">",
    "<svg onload=\"window.__pwned = 'svg'\"><circle r=1 /></svg>",
    "<b id=xss-bold>bold</b><iframe id=xss-frame src=\"javascript:parent.__pwned='iframe'\"></iframe>",
    "<a id=xss-link href=\"javascript:window.__pwned='link';alert('link')\">click me</a>",
    "javascript:window.__pwned='url';alert('url')",
    "<style>body { display: none }</style>&lt;escaped&gt; &amp; &#60;b&#62;",
]

# Elements the payloads would create if any of them were read as HTML.
# The page's own inline script, the first script in <head> (its Content-Security-Policy allows it
# by its hash), is not a payload's; any other inline script would be.
INJECTED = "img[src=x], svg[onload], #xss-bold, #xss-frame, #xss-link, script:not([src]):not(head > script:first-of-type)"

CODE = (
    "-- <script>window.__pwned = 'comment'</script>\n"
    "local payloads = {\n"
    + "".join(f"  [==[{p}]==],\n" for p in PAYLOADS)
    + "}\n"
    "for _, p in ipairs(payloads) do print(p) end\n"
    "_home[payloads[2]] = payloads[1]\n"
    "_home.link = payloads[5]\n"
    "return payloads[2], payloads[6]\n"
)

PRINTED = "\n".join(PAYLOADS)


def _lua_quoted(s):
    """The page's literal for a string (web/src/format.js): double quotes, escapes for \\ and "."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Watch:
    """Dialogs and the flag, watched from before the page loads."""

    def __init__(self):
        self.dialogs = []

    def attach(self, page):
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)

    def check(self, page):
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert page.evaluate("() => window.__pwned") is None, "a payload ran"
        assert page.evaluate("() => document.body.style.display") != "none"
        injected = page.evaluate(
            "(selector) => [...document.querySelectorAll(selector)].map((e) => e.outerHTML.slice(0, 120))",
            INJECTED)
        assert injected == [], f"markup from the payloads is in the page: {injected}"
        assert page.evaluate("() => document.querySelectorAll('iframe').length") == 0
        # CodeMirror adds <style> elements of its own; none may carry the payload's rule.
        assert page.evaluate(
            "() => [...document.querySelectorAll('style')].some((e) => e.textContent.includes('display: none }'))"
        ) is False


def _share(page, via):
    """Shares the editor's code, through the server or in the link; returns the link."""
    ui = Playground(page)
    if via == "fragment":
        # No server for sharing: the page puts the code in the link (web/src/share.js).
        page.route("**/api/health", lambda route: route.fulfill(json={"ok": False}))
    ui.share_button.click()
    expected = r"/s/[A-Za-z0-9_-]{12}$" if via == "server" else r"/#code=[A-Za-z0-9+\-$]+$"
    expect(page).to_have_url(re.compile(expected))
    expect(ui.share_url).to_have_value(page.url)
    return page.url


@pytest.mark.parametrize("via", ["server", "fragment"])
def test_shared_markup_stays_text(page, open_page, server, via):
    author = Watch()
    author.attach(page)
    ui = Playground(page)
    ui.set_code(CODE)
    url = _share(page, via)
    author.check(page)
    assert url.startswith(server)

    visitor = Watch()
    other = open_page(url[len(server):], before_load=visitor.attach)
    them = Playground(other)
    visitor.check(other)

    # The editor shows the code as text, line by line.
    them.expect_code(CODE)
    for payload in PAYLOADS:
        expect(them.editor).to_contain_text(payload)

    them.run()
    them.expect_printed(PRINTED)
    values = them.output.locator("pre.values")
    # Returned strings show raw at the top level, as print shows them (web/src/format.js).
    expect(values).to_have_text(f"{PAYLOADS[1]}\t{PAYLOADS[5]}")
    assert values.text_content() == f"{PAYLOADS[1]}\t{PAYLOADS[5]}"

    # The inspector shows the key and the values as text (a key is a label, a value an input).
    expect(them.inspector.get_by_text(f"[{_lua_quoted(PAYLOADS[1])}]", exact=True)).to_be_visible()
    expect(them.inspector.get_by_role("textbox", name=f"_home[{_lua_quoted(PAYLOADS[1])}]")).to_have_value(
        _lua_quoted(PAYLOADS[0]))
    expect(them.home_value("link")).to_have_value(_lua_quoted(PAYLOADS[4]))

    # After a reload, _home (from localStorage) is drawn again: still text.
    them.reload()
    expect(them.home_value("link")).to_have_value(_lua_quoted(PAYLOADS[4]))
    visitor.check(other)
    other.context.close()
