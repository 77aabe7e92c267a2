"""The e2e fixtures: the playground server, one Chromium, and pages that fail their test on
any uncaught error or console error.

- `server` (session): `create_app` on 127.0.0.1, port 0, served by waitress in a daemon
  thread; its value is the base URL. `serve_app(config)` (a context manager giving the base
  URL) makes another, e.g. with larger SANDBOX_LIMITS for a module's own fixture.
- `browser` (session): Debian's Chromium (`/usr/bin/chromium`, or $E2E_CHROMIUM).
- `open_page` (session): a factory; each call opens a page in a fresh context (keyword
  arguments go to `browser.new_context`, e.g. a phone's viewport), loads the playground (a
  path under `server`, or the full URL of another server's page) and
  waits until it says it is ready (`<html data-ready="true">`) and shows CodeMirror. For
  fixtures that keep one page across tests (e2e/test_parity.py) and tests that open more pages.
- `open_tab`: a factory; each call opens another page (a tab) in the context of the test's
  `page`, watched the same way, and waits until it is ready.
- `page`: a fresh page for one test.

Every page is watched from its first request: an uncaught exception ("pageerror") or a
console message of type "error" is recorded, and the test running at the time fails with it
(pytest_runtest_call below), also when the test itself passed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from pathlib import Path

import pytest

from wasm_compute._admission import ONE_ADDRESS_LOAD

# tests/servers.py's stop_waitress: the one safe way to stop a waitress server of the tests.
_spec = importlib.util.spec_from_file_location("e2e_servers", Path(__file__).resolve().parents[1] / "tests" / "servers.py")
_servers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_servers)

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TIMEOUT_MS = 30_000

# Problems seen on each open page since the last test took them (pytest_runtest_call).
_problems: dict[object, list[str]] = {}


@contextlib.contextmanager
def serve_app(config: dict):
    """The playground app made with `config` (create_app's, DATA_DIR required) on a free port
    of 127.0.0.1, served by waitress in a daemon thread; gives its base URL. $E2E_WEB_DIR
    serves another copy of web/."""
    import waitress
    from wasm_compute.app import create_app

    if os.environ.get("E2E_WEB_DIR"):
        config = {**config, "WEB_DIR": str(Path(os.environ["E2E_WEB_DIR"]).resolve())}
    # The whole session is one address (127.0.0.1) running and sharing far more than a visitor
    # would: the per-client limits are lifted (tests/test_admission.py is about them).
    config = {"ADMISSION": ONE_ADDRESS_LOAD, **config}
    app = create_app(config)
    httpd = waitress.create_server(app, map={}, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, name="e2e-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}/"
    finally:
        # From inside the server's loop: closed from this thread, its descriptors would be
        # polled closed, or reused by the next server of the session and closed under it.
        _servers.stop_waitress(httpd, thread)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The playground app on a free port, with the server's default limits."""
    with serve_app({"DATA_DIR": str(tmp_path_factory.mktemp("data"))}) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _watch(page) -> None:
    problems = _problems.setdefault(page, [])
    page.on("pageerror", lambda error: problems.append(f"uncaught error on the page: {error}"))

    def console(message):
        if message.type == "error":
            where = message.location or {}
            at = f" ({where.get('url')}:{where.get('lineNumber')})" if where.get("url") else ""
            problems.append(f"console error{at}: {message.text}")

    page.on("console", console)


def wait_ready(page, *, codemirror: bool = True) -> None:
    """Waits for `<html data-ready="true">`, then (unless codemirror is False) for
    `<html data-editor="codemirror">`: the tests drive CodeMirror, which takes the plain
    editor's place after ready (e2e/test_startup.py tests the plain editor and that upgrade).
    Not wait_for_function("…"): when the condition is not true at once, Playwright polls it
    with eval, which the page's CSP refuses."""
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=READY_TIMEOUT_MS)
    if codemirror:
        page.wait_for_selector("html[data-editor=codemirror]", state="attached", timeout=READY_TIMEOUT_MS)


@pytest.fixture(scope="session")
def open_page(browser, server):
    """open_page(path="", before_load=None, codemirror=True, **context_options) -> a ready page
    (showing CodeMirror unless codemirror is False: wait_ready) in its own
    context (made with browser.new_context(**context_options), e.g. viewport=...); path is
    under `server`, or a full http:// URL (a page of another server, serve_app);
    before_load(page), if given, is called before the page is loaded. Closed at the end of the
    session unless the caller closes its context first."""
    contexts = []

    def open_(path: str = "", *, before_load=None, codemirror: bool = True, **context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        _watch(page)
        if before_load is not None:
            before_load(page)  # e.g. page.on("dialog", ...) for what the load itself does
        page.goto(path if path.startswith("http://") else server + path)
        wait_ready(page, codemirror=codemirror)
        return page

    yield open_
    for context in contexts:
        try:
            context.close()
        except Exception:  # already closed by its owner
            pass


@pytest.fixture
def page(open_page):
    page = open_page()
    yield page
    page.context.close()


@pytest.fixture
def open_tab(page, server):
    """open_tab(path="") -> another ready page in `page`'s context (shares its localStorage)."""

    def open_(path: str = ""):
        tab = page.context.new_page()
        _watch(tab)
        tab.goto(server + path)
        wait_ready(tab)
        return tab

    return open_


def take_problems(page) -> list[str]:
    """What `page` reported since the last call, clearing it."""
    problems = _problems.get(page, [])
    taken = list(problems)
    problems.clear()
    return taken


def _all_problems() -> list[str]:
    """Takes what every watched page reported; forgets pages that are closed."""
    problems = []
    for page in list(_problems):
        problems += take_problems(page)
        if page.is_closed():
            del _problems[page]
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails the test with whatever the pages reported while it was set up and ran: its own
    pages, pages it opened, and pages kept across tests (they report to the running test)."""
    try:
        result = yield
    except BaseException:
        problems = _all_problems()
        if problems:
            item.add_report_section("call", "page errors", "\n".join(problems))
        raise
    problems = _all_problems()
    if problems:
        pytest.fail("the page reported errors:\n" + "\n".join(problems), pytrace=False)
    return result
