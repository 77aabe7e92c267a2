"""The server under load: 8 clients × 250 requests, each on its own keep-alive connection,
against the app on waitress (8 threads) on 127.0.0.1. Every response is checked, not only its
status: no 500, no lost or duplicated share, each client's `_home` chain intact. The figures
are printed (`pytest -s`), never asserted: bench/load_server.py is the benchmark.
"""

import gc
import http.client
import json
import os
import sqlite3
import threading
import time

import pytest

from servers import stop_waitress

from wasm_compute._admission import ONE_ADDRESS_LOAD
from wasm_compute.app import create_app, share_id_for

CLIENTS = 8
REQUESTS = 250  # per client
COMMON_CODES = 7  # codes every client shares, so the same share is stored concurrently


@pytest.fixture
def server(tmp_path):
    import waitress

    data_dir = tmp_path / "data"
    app = create_app({"DATA_DIR": str(data_dir),
                      "SANDBOX_LIMITS": {"instructions_max": 2_000_000, "timeout_ms": 5000},
                      "ADMISSION": ONE_ADDRESS_LOAD})
    httpd = waitress.create_server(app, map={}, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=httpd.run, name="load-waitress", daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.effective_port, data_dir
    finally:
        stop_waitress(httpd, thread)





class Client:
    """One keep-alive connection; reconnects if the server closed it."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.latencies = []

    def request(self, method, path, body=None):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed between requests. Every request
                # here is idempotent (runs are stateless, shares content-addressed): send once more.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        self.latencies.append(time.perf_counter() - started)
        assert response.getheader("Content-Type") == "application/json", (path, response.getheader("Content-Type"))
        return response.status, json.loads(raw)

    def close(self):
        self.conn.close()


def client_work(host, port, c, shares, problems):
    """The requests of client c; what it shared goes into shares[(c, i)] = (code, id)."""
    client = Client(host, port)
    home = {"t": []}
    runs = 0
    own = []
    try:
        for i in range(REQUESTS):
            kind = i % 5
            if kind == 0:  # a run that carries this client's _home from response to response
                runs += 1
                status, body = client.request("POST", "/api/run", {
                    "code": f"_home.n = (_home.n or 0) + 1 _home.last = {{{c}, {i}}} "
                            f"print({c}, {i}) return _home.n, {c} * 1000 + {i}, ('x'):rep({i % 7})",
                    "home": home})
                assert status == 200, (status, body)
                assert body["error"] is None, body["error"]
                assert body["output"] == f"{c}\t{i}\n"
                assert body["values"] == [{"i": str(runs)}, {"i": str(c * 1000 + i)}, "x" * (i % 7)]
                assert body["home"] == {"t": [["n", {"i": str(runs)}],
                                              ["last", {"t": [[{"i": "1"}, {"i": str(c)}], [{"i": "2"}, {"i": str(i)}]]}]]}
                home = body["home"]
            elif kind == 1:  # a Lua error or a limit: a 200 with `error`, the home unchanged
                limit = i % 25 == 1
                code = "_home.n = -1 while true do end" if limit else f"_home.n = -1 error('boom {c} {i}')"
                status, body = client.request("POST", "/api/run", {"code": code, "home": home})
                assert status == 200, (status, body)
                if limit:
                    assert body["error"]["name"] == "instruction_limit", body["error"]
                else:
                    assert body["error"]["name"] == "runtime"
                    assert body["error"]["message"] == f"input:1: boom {c} {i}"
                assert body["home"] == home
            elif kind in (2, 3):  # a share: this client's own code, or one every client shares
                code = (f"-- client {c}, request {i} é\nreturn {c}, {i}\n" if kind == 2
                        else f"return 'common', {i % COMMON_CODES}\n")
                status, body = client.request("POST", "/api/share", {"code": code})
                assert status == 200, (status, body)
                assert body["id"] == share_id_for(code.encode())
                assert body["url"] == f"http://{host}:{port}/s/{body['id']}"
                shares[(c, i)] = (code, body["id"])
                own.append((code, body["id"]))
            else:  # read back a share this client made
                code, share_id = own[(i // 5) % len(own)]
                status, body = client.request("GET", f"/api/share/{share_id}")
                assert status == 200, (status, body)
                assert body == {"id": share_id, "code": code, "input": ""}
    except Exception as e:  # reported by the test with the client and request that failed
        problems.append(f"client {c}, request {i}: {type(e).__name__}: {e}")
    finally:
        client.close()
    return client.latencies


def test_eight_clients_250_requests_each(server):
    host, port, data_dir = server
    shares: dict = {}
    problems: list = []
    latencies: list = []

    def work(c):
        latencies.extend(client_work(host, port, c, shares, problems))

    threads = [threading.Thread(target=work, args=(c,)) for c in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - started
    assert not any(t.is_alive() for t in threads), "a client is stuck"
    assert problems == []
    assert len(latencies) == CLIENTS * REQUESTS

    # No lost or duplicated share: one id per code, one code per id, every one readable.
    ids_by_code: dict = {}
    for code, share_id in shares.values():
        ids_by_code.setdefault(code, set()).add(share_id)
    assert all(len(ids) == 1 for ids in ids_by_code.values())
    codes_by_id = {next(iter(ids)): code for code, ids in ids_by_code.items()}
    assert len(codes_by_id) == len(ids_by_code) == CLIENTS * (REQUESTS // 5) + COMMON_CODES
    check = Client(host, port)
    try:
        for share_id, code in codes_by_id.items():
            assert check.request("GET", f"/api/share/{share_id}") == (200, {"id": share_id, "code": code, "input": ""})
    finally:
        check.close()
    db = sqlite3.connect(data_dir / "shares.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert dict(db.execute("SELECT id, code FROM shares").fetchall()) == codes_by_id
    finally:
        db.close()

    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"\n{len(latencies)} requests in {elapsed:.2f} s: {len(latencies) / elapsed:.0f} requests/s, "
          f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms (not asserted)")


def memory_maps() -> int:
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="counts the process's memory maps (Linux)")
def test_runs_do_not_grow_the_server_process(server):
    host, port, _ = server
    client = Client(host, port)
    try:
        for _ in range(50):  # warm-up: caches, connections, worker threads
            assert client.request("POST", "/api/run", {"code": "return 1"})[0] == 200
        gc.collect()
        before = memory_maps()
        for _ in range(400):
            assert client.request("POST", "/api/run", {"code": "return 1"})[0] == 200
        gc.collect()
        grown = memory_maps() - before
    finally:
        client.close()
    assert grown < 100, f"{grown} more memory maps after 400 runs"
