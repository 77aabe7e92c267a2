"""The playground server under load: requests per second and latency, printed, never asserted.

    .venv/bin/python bench/load_server.py                      # 8 clients x 250 requests
    .venv/bin/python bench/load_server.py --clients 16 --requests 500
    .venv/bin/python bench/load_server.py --url http://127.0.0.1:8000/   # a server already running

Without --url it starts `wasm-compute serve` (the production defaults: one gunicorn worker a
core, 8 threads each; waitress with 8 threads on one core) on
127.0.0.1 with a fresh data directory, in its own process, so the clients (threads here, one
keep-alive connection each) do not share its interpreter. Each scenario sends
clients x requests requests and checks every answer; latency is from sending a request to
reading the whole response. Any wrong answer is counted and makes the exit status 1: the
timings themselves are only reported.

Scenarios: POST /api/run with a trivial script; POST /api/share with a new code each time
(one write each); GET /api/share/<id> of those shares. The client's CPU column is what this
process spent per second: client threads in Python cost about as much as the server, so their
req/s is a floor. When wrk is installed (build.sh installs it), a last row measures POST /api/run
again from wrk (harness/httpload.py, as bench/run does), whose client costs a few per cent of a core.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WRK_SECONDS = 5  # the wrk row's length
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import httpload  # noqa: E402  (bench/ is on the path now)


def start_server(data_dir: str, *options: str) -> tuple[subprocess.Popen, str]:
    """`wasm-compute serve` with `options` (e.g. "--workers", "2"); (process, its URL). Its
    clients, threads of one address, each stand for a visitor of their own: the per-client
    limits are lifted as for wrk's connections (harness/httpload.py)."""
    exe = Path(sys.executable).parent / "wasm-compute"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "wasm_compute.cli"]
    proc = subprocess.Popen(cmd + ["serve", "--port", "0", "--data", data_dir, *httpload.MANY_CLIENTS_ONE_ADDRESS, *options],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=60)
    except queue.Empty:
        proc.kill()
        raise SystemExit("load_server: the server printed no URL within 60 s")
    match = re.search(r"(http://\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"load_server: unexpected first line from the server: {line!r}")
    return proc, match.group(1)


class Connection:
    """One keep-alive connection; reopened when the server closed it between requests."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def send(self, method: str, path: str, body=None) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                try:
                    return r.status, json.loads(raw)
                except ValueError:
                    return r.status, raw[:100]  # not JSON: reported by the check
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def run_scenario(host, port, clients, requests, make_request, check):
    """make_request(c, i) -> (method, path, body); check(c, i, status, body) -> error text or
    None. Returns (latencies in s, errors, wall time in s, this process's CPU time in s)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(c):
        conn = Connection(host, port)
        mine, bad = [], []
        try:
            start.wait()
            for i in range(requests):
                try:
                    method, path, body = make_request(c, i)
                except KeyError:  # what it needs failed in an earlier scenario
                    bad.append(f"client {c} request {i}: skipped")
                    continue
                t0 = time.perf_counter()
                try:
                    status, answer = conn.send(method, path, body)
                except (OSError, http.client.HTTPException) as e:
                    bad.append(f"client {c} request {i}: {type(e).__name__}: {e}")
                    continue
                mine.append(time.perf_counter() - t0)
                problem = check(c, i, status, answer)
                if problem:
                    bad.append(f"client {c} request {i}: {problem}")
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                errors.extend(bad)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - t0, time.process_time() - cpu0


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = math.ceil(p / 100 * len(sorted_values))  # nearest rank
    return sorted_values[max(0, min(len(sorted_values), rank) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=250, help="requests per client per scenario (default 250)")
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    args = parser.parse_args(argv)

    proc = None
    tmp = None
    if args.url:
        url = args.url
    else:
        tmp = tempfile.TemporaryDirectory(prefix="load-server-")
        proc, url = start_server(os.path.join(tmp.name, "data"))
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    run_id = f"{os.getpid()}-{time.time_ns()}"  # shares of this run are new even on a used server
    shares: dict = {}

    def run_request(c, i):
        return "POST", "/api/run", {"code": "return 1 + 1"}

    def run_check(c, i, status, body):
        if status != 200 or not isinstance(body, dict) or body.get("values") != [{"i": "2"}] or body.get("error") is not None:
            return f"{status} {str(body)[:200]}"
        return None

    def share_request(c, i):
        return "POST", "/api/share", {"code": f"-- load {run_id} client {c} request {i}\nreturn {i}\n"}

    def share_check(c, i, status, body):
        if status != 200 or not isinstance(body, dict) or len(body.get("id", "")) != 12:
            return f"{status} {str(body)[:200]}"
        shares[(c, i)] = body["id"]
        return None

    def get_request(c, i):
        return "GET", f"/api/share/{shares[(c, i)]}", None

    def get_check(c, i, status, body):
        want = f"-- load {run_id} client {c} request {i}\nreturn {i}\n"
        if status != 200 or body != {"id": shares[(c, i)], "code": want, "input": ""}:
            return f"{status} {str(body)[:200]}"
        return None

    failed = False
    try:
        # Warm-up: the first requests pay for the module cache and the first connections.
        run_scenario(host, port, 2, 10, run_request, lambda *a: None)
        print(f"server: {url} ({'given' if args.url else 'wasm-compute serve, --workers ' + str(os.cpu_count() or 1)})")
        print(f"{args.clients} clients x {args.requests} requests each, keep-alive, {os.cpu_count()} CPUs\n")
        print(f"{'scenario':<34} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
              f" {'client CPU':>10}")
        for name, make, check in (
            ("POST /api/run  (return 1 + 1)", run_request, run_check),
            ("POST /api/share (a new code)", share_request, share_check),
            ("GET  /api/share/<id>", get_request, get_check),
        ):
            latencies, errors, wall, cpu = run_scenario(host, port, args.clients, args.requests, make, check)
            latencies.sort()
            total = args.clients * args.requests
            print(f"{name:<34} {total:>8} {len(errors):>6} {len(latencies) / wall:>8.0f} "
                  f"{percentile(latencies, 50) * 1000:>8.1f} {percentile(latencies, 99) * 1000:>8.1f} "
                  f"{(latencies[-1] if latencies else float('nan')) * 1000:>8.1f} {cpu / wall:>10.2f}")
            for e in errors[:5]:
                print(f"    {e}")
            failed = failed or bool(errors)
        if httpload.wrk_missing() is None:
            load = httpload.run(url, {"code": "return 1 + 1"}, '"values":[{"i":"2"}]', connections=args.clients,
                                seconds=WRK_SECONDS)
            print(f"{'POST /api/run  (wrk)':<34} {load.requests:>8} {load.wrong + load.socket_errors:>6} "
                  f"{load.rps:>8.0f} {load.p50_ms:>8.1f} {load.p99_ms:>8.1f} {load.max_ms:>8.1f} "
                  f"{load.client_cpu_s / load.seconds:>10.2f}")
            failed = failed or bool(load.wrong + load.socket_errors)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if tmp is not None:
            tmp.cleanup()
    print("\nreq/s: answers received / wall time of the scenario; latencies from sending to the last byte;"
          " client CPU: the client's CPU seconds per second.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
