"""Embed mode (issue 14): /?embed and /s/<id>?embed show the editor, Run and the output only,
run as the full page does, keep a _home of their own and leave the visitor's draft alone; the
share panel offers the <iframe> snippet, and such an iframe loads on another site's page (only
the embed page may be framed).
"""

import contextlib
import http.server
import re
import threading

from playwright.sync_api import expect

from .ui import Playground


def test_embed_shows_editor_run_and_output_only(open_page):
    page = open_page("?embed")
    ui = Playground(page)
    for hidden in (ui.engine, ui.share_button, ui.stop_button, ui.inspector, ui.input_bar,
                   page.get_by_role("combobox", name="Theme"), page.get_by_role("combobox", name="Examples"),
                   ui.new_file):
        expect(hidden).to_be_hidden()
    expect(ui.run_button).to_be_visible()
    expect(ui.output).to_be_visible()
    expect(page.get_by_role("link", name="Open in the playground")).to_have_attribute("href", re.compile(r"/$"))
    ui.run("_home.n = (_home.n or 0) + 1 print('embedded', _home.n)")
    ui.expect_printed("embedded\t1")
    # Its _home and code are its own: the full page, in the same browser, is as it was.
    full = Playground(page.context.new_page())
    full.page.goto(page.url.replace("?embed", ""))
    full.page.wait_for_selector("html[data-ready=true]", state="attached")
    expect(full.inspector).to_contain_text("Nothing stored yet")
    assert "embedded" not in full.editor.text_content()
    page.context.close()


@contextlib.contextmanager
def another_site(html: str):
    """A page of another origin (another port of 127.0.0.1) whose body is `html`; gives its URL.
    A real server: Chromium refuses a loopback frame in a page Playwright made up (route)."""
    body = f"<!doctype html><title>My blog</title><h1>My blog</h1>{html}".encode()

    class Blog(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blog)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/blog"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_share_panel_offers_an_iframe_that_works_on_another_site(page, browser, server):
    ui = Playground(page)
    ui.set_code('print("from a blog")')
    ui.share_button.click()
    expect(page).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]{12}$"))
    snippet = page.get_by_role("textbox", name="Embed code")
    expect(snippet).to_have_value(re.compile(r'^<iframe src="http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{12}\?embed" '))
    html = snippet.input_value()

    with another_site(html) as url:
        blog = browser.new_context().new_page()
        blog.goto(url)
        frame = blog.frame_locator("iframe")
        expect(frame.locator("html[data-ready=true]")).to_have_count(1, timeout=30_000)
        expect(frame.locator(".cm-content")).to_contain_text('print("from a blog")')
        frame.get_by_role("button", name="Run", exact=True).click()
        expect(frame.locator("pre.stdout")).to_have_text("from a blog\n", timeout=30_000)
        blog.context.close()


def test_the_full_page_cannot_be_framed(browser, server):
    with another_site(f'<iframe src="{server}" title="full page"></iframe>') as url:
        blog = browser.new_context().new_page()
        refused = []
        blog.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
        blog.goto(url)
        expect(blog.locator("h1")).to_have_text("My blog")
        # Chromium says why it refused the frame (the policy's frame-ancestors 'none').
        if not refused:
            blog.wait_for_event("console", predicate=lambda m: "frame-ancestors" in m.text)
        expect(blog.frame_locator("iframe").locator("html[data-ready]")).to_have_count(0)
        blog.context.close()
