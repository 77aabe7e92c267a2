"""Fair service under abuse: a well-behaved client's latency, quiet and while one client abuses.

    .venv/bin/python bench/abuse.py                        # serve --workers 1, its defaults
    .venv/bin/python bench/abuse.py --seconds 20
    .venv/bin/python bench/abuse.py -- --client-runs-max 64 --client-cpu-ms-per-minute 1000000000
                                                           # serve options after "--"

It starts `wasm-compute serve --workers 1` (waitress, one process) on 127.0.0.1 with a fresh
data directory. The well-behaved client (127.0.0.2, one keep-alive connection, a request every
20 ms) posts `return 1` to /api/run, first on a quiet server, then while the abusive client
(127.0.0.1, another process: 16 keep-alive connections, each posting `while true do end` again
as soon as it has its answer, Retry-After ignored) runs. Latency is from sending a request to
reading the whole response. Printed: p50, p99 and max of each phase, and what the abusive
requests got. A well-behaved request that does not get its 200 and its value makes the exit
status 1; the timings themselves are only reported (the target, SECURITY.md: p99 under 100 ms
while the abuse runs).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_server  # noqa: E402  (start_server, percentile)

ABUSIVE_CONNECTIONS = 16
POLITE_GAP_S = 0.02  # between the well-behaved client's requests: it is not a load of its own
WARM_UP_S = 1.0  # the abuse runs this long before the measuring starts


class Connection:
    """One keep-alive connection from the loopback address `source`."""

    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.conn = self._open()

    def _open(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))

    def post(self, path: str, body: dict) -> tuple[int, dict | None]:
        data = json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                response = self.conn.getresponse()
                raw = response.read()
                try:
                    return response.status, json.loads(raw)
                except ValueError:
                    return response.status, None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = self._open()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.conn.close()


def abuse(port: int, stop, counts) -> None:
    """The abusive client (its own process): 16 connections looping until `stop` is set;
    counts[status] += 1 for each answer."""
    local: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def loop():
        conn = Connection(port, "127.0.0.1")
        mine: collections.Counter = collections.Counter()
        try:
            while not stop.is_set():
                try:
                    status, _ = conn.post("/api/run", {"code": "while true do end"})
                except (OSError, http.client.HTTPException):
                    status = "error"
                mine[status] += 1
        finally:
            conn.close()
            with lock:
                local.update(mine)

    threads = [threading.Thread(target=loop) for _ in range(ABUSIVE_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for status, n in local.items():
        counts[str(status)] = n


def polite(port: int, seconds: float) -> tuple[list[float], list[str]]:
    """The well-behaved client for `seconds`: (latencies in s, problems)."""
    conn = Connection(port, "127.0.0.2")
    latencies, problems = [], []
    deadline = time.perf_counter() + seconds
    try:
        i = 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            status, body = conn.post("/api/run", {"code": f"return {i} + 1"})
            latencies.append(time.perf_counter() - t0)
            if status != 200 or body is None or body.get("values") != [{"i": str(i + 1)}]:
                problems.append(f"request {i}: {status} {str(body)[:200]}")
            i += 1
            time.sleep(POLITE_GAP_S)
    finally:
        conn.close()
    return latencies, problems


def report(phase: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    ms = lambda p: load_server.percentile(ordered, p) * 1000  # noqa: E731
    return (f"{phase:<13} {len(ordered):>5} requests  p50 {ms(50):7.1f} ms  p99 {ms(99):7.1f} ms"
            f"  max {ordered[-1] * 1000 if ordered else float('nan'):7.1f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase (default 10)")
    parser.add_argument("serve_options", nargs="*", help="options for `wasm-compute serve`, after --")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="abuse-") as tmp:
        # start_server lifts the per-client limits for load_server's clients; these come last
        # and put the defaults back, unless the options given here say otherwise.
        from wasm_compute._admission import DEFAULTS
        defaults = [item for name, value in DEFAULTS.items() if name != "queue_wait_ms"
                    for item in ("--" + name.replace("_", "-"), str(value))]
        proc, url = load_server.start_server(os.path.join(tmp, "data"), "--workers", "1", *defaults,
                                             *args.serve_options)
        port = urlsplit(url).port
        try:
            polite(port, 1.0)  # warm-up: the compiled module, the threads
            quiet, quiet_problems = polite(port, args.seconds)
            stop = multiprocessing.Event()
            counts = multiprocessing.Manager().dict()
            abuser = multiprocessing.Process(target=abuse, args=(port, stop, counts))
            abuser.start()
            time.sleep(WARM_UP_S)
            loaded, loaded_problems = polite(port, args.seconds)
            stop.set()
            abuser.join(timeout=60)
            alive = proc.poll() is None
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"serve --workers 1 {' '.join(args.serve_options)}".rstrip() + f"; load average {os.getloadavg()[0]:.2f}")
    print(report("quiet", quiet))
    print(report("under abuse", loaded))
    print("abusive requests: " + ", ".join(f"{n} x {status}" for status, n in sorted(counts.items())))
    problems = quiet_problems + loaded_problems
    for problem in problems[:10]:
        print("problem:", problem)
    if not alive:
        print("problem: the server stopped")
    return 1 if problems or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
