"""`wasm-compute serve --workers N` with N > 1: gunicorn's master forks N worker processes that
share one listening socket, so `POST /api/run` (CPU-bound, one eval at a time per Python
interpreter) uses every core.

Each worker builds its own app after the fork (gunicorn's preload_app is off): nothing of
wasmtime (its engine, its compiled module) is loaded in the master, so no worker inherits
state that a fork does not carry over cleanly. The master only binds the socket (so a port of 0
turns into the real one before the URL is printed) and checks once that the shares database
answers, so a bad --data or --database stops the start with a clear message. A worker touches
the database only when a request needs it, so one that starts again while the database is
down still starts (gunicorn would stop the whole server for a worker that fails to boot).
"""

from __future__ import annotations

import socket
import sys

from ._store import StoreError

THREADS_PER_WORKER = 8  # gthread workers: keep-alive connections, and waits on the database overlap
WORKER_TIMEOUT_S = 120  # a worker silent for this long is killed and replaced (its requests fail)


def serve_workers(host: str, port: int, config: dict, workers: int) -> int:
    import sqlite3

    from gunicorn.app.base import BaseApplication

    from . import app as app_module

    try:
        shares = app_module.open_shares(config)
        try:
            shares.check()
        finally:
            shares.close()  # the master keeps no connection: its workers are forked from it
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except (OSError, sqlite3.Error, StoreError, app_module.ApiError) as e:
        print(f"wasm-compute: cannot serve on {host}:{port}: {e}", file=sys.stderr)
        return 2
    listener.set_inheritable(True)
    real_port = listener.getsockname()[1]

    class Playground(BaseApplication):
        def load_config(self):
            for name, value in {
                "bind": [f"fd://{listener.fileno()}"],
                "workers": workers,
                "worker_class": "gthread",
                "threads": THREADS_PER_WORKER,
                "timeout": WORKER_TIMEOUT_S,
                "preload_app": False,
                "proc_name": "wasm-compute",
            }.items():
                self.cfg.set(name, value)

        def load(self):
            return app_module.create_app(config)

    print(f"wasm-compute playground: {app_module._url(host, real_port)}", flush=True)
    try:
        Playground().run()
    except SystemExit as e:  # gunicorn halts with its exit status (a worker failed to boot: 3)
        return e.code if isinstance(e.code, int) else 1
    return 0
