"""The playground as a user sees it: its controls found by role and name (web/index.html),
and the few steps the UI tests repeat (put code in the editor, run it, wait for the result,
reload). Assertions are Playwright's web-first ones, which wait; nothing here measures time.

    ui = Playground(page)
    ui.run("print('hi')")
    expect(ui.stdout).to_have_text("hi")
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import wait_ready

# How long a result may take to show: a run starts a worker (or asks the server) and the
# machine may be busy. Only an upper bound for waiting, never a measured time.
RESULT_TIMEOUT_MS = 30_000
# The page's own localStorage keys (web/lua-client.js, web/src/playground.js).
HOME_KEY = "wasm-compute:home"
UNREADABLE_KEY = HOME_KEY + ".unreadable"


class Playground:
    def __init__(self, page: Page):
        self.page = page
        self.editor = page.get_by_role("textbox", name="Lua code")
        # One locator per line of the editor (CodeMirror draws each line as a .cm-line).
        self.lines = page.locator(".cm-content .cm-line")
        # The Input box (the run's standard input) under the editor, and the bar that opens it.
        self.input = page.get_by_role("textbox", name="Input", exact=True)
        self.input_bar = page.locator("#input-box > summary")
        self.run_button = page.get_by_role("button", name="Run", exact=True)
        self.stop_button = page.get_by_role("button", name="Stop", exact=True)
        self.share_button = page.get_by_role("button", name="Share", exact=True)
        self.engine = page.get_by_role("combobox", name="Engine")
        self.output = page.get_by_role("region", name="Output")
        self.stdout = self.output.locator("pre.stdout")
        self.stderr = self.output.get_by_role("region", name="Standard error")
        self.outcome = self.output.locator(".facts .outcome")
        self.engine_fact = self.output.locator(".facts .engine")
        self.error = self.output.get_by_role("group", name="error")
        self.inspector = page.get_by_role("region", name="_home")
        self.alert = page.get_by_role("alert")
        self.share_url = page.get_by_role("textbox", name="Share link")
        # The files: one tab each over the editor, and the buttons that add, rename and delete.
        self.tabs = page.get_by_role("tablist", name="Files").get_by_role("tab")
        self.new_file = page.get_by_role("button", name="New file")
        self.rename_file = page.get_by_role("button", name="Rename file")
        self.delete_file = page.get_by_role("button", name="Delete file")
        self.file_name = page.get_by_role("textbox", name="File name")

    # ------------------------------------------------------------ the editor

    def set_code(self, code: str) -> None:
        """Replaces the editor's text with `code` (as a paste would) and checks it arrived.
        Ctrl+A first selects everything in CodeMirror's own state: fill's DOM selection alone
        reaches it asynchronously, so right after a tab switch the text could land at the
        cursor instead of replacing the file."""
        self.editor.focus()
        self.page.keyboard.press("Control+A")
        self.editor.fill(code)
        self.expect_code(code)

    def expect_code(self, code: str) -> None:
        """The editor shows `code`, line by line, as text."""
        expect(self.lines).to_have_text(code.split("\n"))

    def set_input(self, text: str) -> None:
        """Opens the Input box when it is closed and replaces its text with `text`."""
        if not self.input.is_visible():
            self.input_bar.click()
        self.input.fill(text)
        expect(self.input).to_have_value(text)

    def tab(self, name: str):
        return self.page.get_by_role("tab", name=name, exact=True)

    def add_file(self, name: str, code: str) -> None:
        """Adds a file with New file, names it `name` (typed, then Enter; the page adds a missing
        ".lua") and types `code` in it."""
        self.new_file.click()
        self.file_name.fill(name)
        self.file_name.press("Enter")
        expect(self.tab(name if name.endswith(".lua") else name + ".lua")).to_have_attribute("aria-selected", "true")
        self.set_code(code)

    # ------------------------------------------------------------ running

    def run(self, code: str | None = None) -> None:
        """Puts `code` in the editor (unless None), presses Run and waits for the result."""
        if code is not None:
            self.set_code(code)
        self.run_button.click()
        self.wait_result()

    def wait_result(self) -> None:
        """Waits until the output panel shows a finished run (its line of facts)."""
        expect(self.outcome).to_be_visible(timeout=RESULT_TIMEOUT_MS)
        expect(self.run_button).to_be_enabled(timeout=RESULT_TIMEOUT_MS)

    def expect_printed(self, text: str) -> None:
        """The last run succeeded and printed exactly `text` (one trailing newline dropped)."""
        expect(self.outcome).to_have_text("✓ ok", timeout=RESULT_TIMEOUT_MS)
        expect(self.stdout).to_have_text(text)
        assert self.stdout.text_content() == text + "\n"

    # ------------------------------------------------------------ _home

    def home_value(self, *path: str):
        """The inspector's input for `_home.<path>` (named by its Lua path, e.g. "_home.n")."""
        return self.inspector.get_by_role("textbox", name="_home" + "".join("." + k for k in path), exact=True)

    def home(self) -> dict:
        """`_home` as the page's client holds it (typed JSON, zig/ABI.md §10)."""
        return self.page.evaluate("() => window.wasmCompute.home()")

    # ------------------------------------------------------------ the page

    def reload(self) -> None:
        self.page.reload()
        wait_ready(self.page)

    def storage(self, key: str):
        return self.page.evaluate("(key) => localStorage.getItem(key)", key)


def entries(snapshot: dict) -> dict:
    """A table of a typed-JSON snapshot as a dict (string keys only), for comparisons that
    ignore order."""
    return {k: v for k, v in snapshot["t"]}
