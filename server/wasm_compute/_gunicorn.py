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

Where SO_REUSEPORT exists (Linux), each worker also listens on a socket of its own on the same
port, and the kernel hands each new connection to one of the sockets by a hash of its
addresses. On one shared socket alone the workers race to accept, and on a busy machine the
first to wake could take a whole burst of connections, which stay with it while kept alive: 8
connections from wrk all went to one of two workers in about a third of the runs, which then
served half as many requests (bench/README.md). The master's socket stays in the group, so
connections made while the workers boot wait in its queue, and every worker accepts from it too.
A worker that dies loses the connections queued on its own socket (they are reset).
"""

from __future__ import annotations

import socket
import sys

from ._admission import run_threads_needed
from ._store import StoreError

WORKER_TIMEOUT_S = 120  # a worker silent for this long is killed and replaced (its requests fail)
LISTEN_BACKLOG = 2048  # connections waiting to be accepted, per socket
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")  # a socket per worker besides the shared one


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
        if REUSE_PORT:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # Accepted connections inherit it. Without it a response written in two parts waits for
        # the client's delayed ACK: 40 ms (gunicorn sets it on the sockets it makes itself).
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(address)
        listener.listen(LISTEN_BACKLOG)
    except (OSError, sqlite3.Error, StoreError, app_module.ApiError) as e:
        print(f"wasm-compute: cannot serve on {host}:{port}: {e}", file=sys.stderr)
        return 2
    listener.set_inheritable(True)
    real_port = listener.getsockname()[1]

    if REUSE_PORT:
        bound_host = address[0] if family != socket.AF_INET6 else f"[{address[0]}]"
        sockets = {"bind": [f"{bound_host}:{real_port}"], "reuse_port": True, "backlog": LISTEN_BACKLOG,
                   "post_fork": lambda arbiter, worker: worker.sockets.append(listener)}
    else:
        sockets = {"bind": [f"fd://{listener.fileno()}"]}

    class Playground(BaseApplication):
        def load_config(self):
            for name, value in {
                **sockets,
                "workers": workers,
                "worker_class": "gthread",
                # gthread workers: every eval slot and place in the admission queue of a
                # worker holds one of its threads, and a few more serve the rest.
                "threads": run_threads_needed(**config.get("ADMISSION", {})),
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
