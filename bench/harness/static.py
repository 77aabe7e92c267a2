"""A static file server for the benchmark page, on 127.0.0.1 and a free port.

    /bench/...          bench/web/
    /node_modules/...   the two peers' dist folders in bench/node_modules/
    /...                web/ (lua-host.js, abi.js, lua.wasm)

It sends the cross-origin isolation headers, so that performance.now() in the
page has its fine (5 µs) grain rather than 100 µs.
"""

from __future__ import annotations

import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .paths import BENCH_WEB, NODE_MODULES, WEB

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
}

# Only what the page loads: a peer's dist folder, never the whole tree.
MOUNTS = (
    ("/bench/", BENCH_WEB),
    ("/node_modules/wasmoon/dist/", NODE_MODULES / "wasmoon" / "dist"),
    ("/node_modules/fengari-web/dist/", NODE_MODULES / "fengari-web" / "dist"),
    ("/", WEB),
)


def resolve(url_path: str) -> Path | None:
    path = unquote(urlsplit(url_path).path)
    if path == "/bench/":
        path = "/bench/index.html"
    for prefix, folder in MOUNTS:
        if path.startswith(prefix):
            rest = path[len(prefix):]
            if not rest or any(part in ("", ".", "..") or part.startswith(".") for part in rest.split("/")):
                return None
            file = (folder / rest).resolve()
            if folder.resolve() not in file.parents or not file.is_file():
                return None
            return file
    return None


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self):
        file = resolve(self.path)
        if file is None:
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPES.get(file.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # a request log would drown the benchmark's own output


class StaticServer:
    """Serves in a daemon thread until close(); `url` ends with "/"."""

    def __init__(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-static", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "StaticServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
