"""Start-up (issue 13): the page is ready only when a Run can run at once. dist/boot.js starts
compiling lua.wasm and the browser engine's worker while the page loads; the page hands the
compiled module to that worker, which makes its instance (and warms it up) before the page
says it is ready. So lua.wasm is fetched once, by the page, and the first Run starts no
worker and fetches nothing.
"""

from .ui import Playground


def test_ready_means_the_worker_has_its_instance(open_page):
    requests = []
    page = open_page(before_load=lambda p: p.on("request", lambda r: requests.append(r.url)))
    assert sum(url.endswith("/lua.wasm") for url in requests) == 1
    assert sum(url.endswith("/dist/lua-worker.js") for url in requests) == 1
    before_run = len(requests)
    ui = Playground(page)
    ui.run("print(('ready'):upper())")
    ui.expect_printed("READY")
    assert requests[before_run:] == [], "the first Run fetched something"
    page.context.close()


def test_a_stopped_worker_is_replaced_by_one_that_compiles_lua_wasm_itself(page):
    ui = Playground(page)
    ui.set_code("while true do end")
    ui.run_button.click()
    page.get_by_role("button", name="Stop").click()
    ui.wait_result()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    ui.run("print(6 * 7)")
    ui.expect_printed("42")
    assert any(url.endswith("/lua.wasm") for url in requests)
