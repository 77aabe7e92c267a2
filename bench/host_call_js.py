"""What one host-function call costs on the JavaScript host (zig/ABI.md §11), in Chromium,
next to an empty run — the JavaScript figure beside bench/host_call.py's Python one:

    PYTHONPATH=server .venv/bin/python bench/host_call_js.py [--calls N] [--runs N]

web/ (after ./build.sh) is served on 127.0.0.1 and `web/lua-host.js` is imported by a page in
Debian's Chromium (through Playwright). As in host_call.py, a call is timed inside one eval of
N calls, against the same loop calling a Lua function that does nothing. Each is measured on a
host of plain functions (`run`) and on an async host (`runAsync`, JSPI: the import is
WebAssembly.Suspending and `compute` goes through WebAssembly.promising).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

WEB = Path(__file__).resolve().parent.parent / "web"
CHROMIUM = "/usr/bin/chromium"

MEASURE = """async ([calls, runs, repeat]) => {
  const { createLua, multiple } = await import("/lua-host.js");
  const functions = { nop: () => undefined, echo: (...a) => multiple(...a) };
  const hosts = { run: await createLua({ functions }), runAsync: await createLua({ functions, async: true }) };
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  // performance.now() is coarse in a page that is not cross-origin isolated (100 µs), so
  // each sample times `batch` runs together.
  const time = async (lua, how, code, times, divide, batch = 1) => {
    const took = [];
    for (let i = 0; i < times; i++) {
      const t = performance.now();
      for (let j = 0; j < batch; j++) {
        const r = await lua[how](code);
        if (r.error) throw new Error(r.error.message);
      }
      took.push(performance.now() - t);
    }
    return median(took) * 1000 / divide / batch;
  };
  const out = {};
  for (const [how, lua] of Object.entries(hosts)) {
    for (let i = 0; i < 200; i++) await lua[how]("return 1");
    out[how] = { empty: await time(lua, how, "return 1", repeat, 1, runs), calls: [] };
    for (const [label, fn, args] of [["nop()", "nop", ""], ["echo(1, 'two', 3.5)", "echo", "1, 'two', 3.5"],
                                     ["echo({1, 2, 3, x = 'y'})", "echo", "{1, 2, 3, x = 'y'}"]]) {
      const loop = `for i = 1, ${calls} do f(${args}) end`;
      const host = await time(lua, how, `local f = ${fn} ${loop}`, repeat, calls);
      const plain = await time(lua, how, `local f = function() end ${loop}`, repeat, calls);
      out[how].calls.push([label, host - plain, plain]);
    }
  }
  return JSON.stringify(out);
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="host calls in one eval")
    parser.add_argument("--runs", type=int, default=2_000, help="empty runs in one timed batch")
    parser.add_argument("--repeat", type=int, default=7, help="loops timed; the median counts")
    a = parser.parse_args()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(WEB)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_port}/README.md")
            out = json.loads(page.evaluate(MEASURE, [a.calls, a.runs, a.repeat]))
            browser.close()
    finally:
        httpd.shutdown()
    for how, figures in out.items():
        print(f"{how}: empty run (`return 1`):        {figures['empty']:8.2f} µs")
        for label, host, plain in figures["calls"]:
            print(f"{how}: one host call {label:<24} {host:8.2f} µs  (loop of {a.calls}, a Lua call: {plain:.3f} µs)")


if __name__ == "__main__":
    main()
