"""Scale-out (server/README.md, "Deploying"): `_home` in PostgreSQL written from many processes,
shares in PostgreSQL served by several server processes, gunicorn's workers, /healthz and
/readyz, and faults: PostgreSQL stopped in the middle of evals and of requests, a process killed
in the middle of an eval or a request. Each fault must fail only the work in flight, with a
clear error; nothing committed may be lost or half-written; service must resume by itself.

PostgreSQL runs in clusters of the tests' own (tests/pgcluster.py): the session's, or one per
test for the tests that stop it.
"""

import http.client
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import run_in_processes
from pgcluster import PgCluster, free_port
from servers import serve_command, serve_process
from test_server_faults import COUNTER, kill_a_writer_mid_eval, request

from wasm_compute import PostgresStore, Sandbox, SQLiteStore, StoreFailed
from wasm_compute import _abi
from wasm_compute.app import create_app, share_id_for


@pytest.fixture
def own_cluster():
    """A cluster for one test, which it may stop and start."""
    cluster = PgCluster()
    try:
        yield cluster
    finally:
        cluster.close()


def wait_until(check, timeout_s=60, what="the condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not hold within {timeout_s} s")


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def is_json_503(status, body) -> bool:
    return status == 503 and isinstance(body, dict) and body["error"]["message"] != ""


# ---- health and readiness --------------------------------------------------------------------

def test_healthz_needs_nothing_and_readyz_checks_the_shares_database(tmp_path):
    data = tmp_path / "data"
    client = create_app({"DATA_DIR": str(data)}).test_client()
    assert client.get("/healthz").get_json() == {"ok": True}
    assert client.get("/readyz").get_json() == {"ok": True}
    shutil.rmtree(data)
    data.write_text("not a directory\n")
    answer = client.get("/readyz")
    assert answer.status_code == 503 and "shares are unavailable" in answer.get_json()["error"]["message"]
    assert client.get("/healthz").status_code == 200
    assert client.post("/api/run", json={"code": "return 1"}).status_code == 200
    data.unlink()
    data.mkdir()
    assert client.get("/readyz").status_code == 200


# ---- many server processes, one database -----------------------------------------------------

def test_two_servers_on_one_database_see_the_same_shares_at_once(tmp_path, pg_dsn):
    with serve_process(tmp_path / "a", "--database", pg_dsn, "--workers", "1") as (_, port_a), \
            serve_process(tmp_path / "b", "--database", pg_dsn, "--workers", "2") as (_, port_b):
        for i in range(20):
            writer, reader = (port_a, port_b) if i % 2 else (port_b, port_a)
            code, stdin = f"return {i}", "21\n" * (i % 3)
            status, _, body = request(writer, "POST", "/api/share", {"code": code, "input": stdin})
            assert status == 200 and body["id"] == share_id_for(code.encode(), stdin.encode())
            assert request(reader, "GET", f"/api/share/{body['id']}")[2] == {"id": body["id"], "code": code, "input": stdin}
            assert request(reader, "GET", f"/s/{body['id']}")[0] == 200
        assert request(port_a, "GET", "/readyz")[2] == {"ok": True}
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # nothing went to SQLite


def test_workers_are_processes_and_all_of_them_serve(tmp_path):
    # Four clients of one address at once: its runs in flight (tests/test_admission.py) are lifted.
    with serve_process(tmp_path / "data", "--workers", "2", "--client-runs-max", "4") as (proc, port):
        wait_until(lambda: len(children(proc.pid)) == 2, what="two workers")
        results: queue.Queue = queue.Queue()

        def client(n):
            for i in range(10):
                results.put(request(port, "POST", "/api/run", {"code": f"return {n} * 100 + {i}"}))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        answers = [results.get_nowait() for _ in range(results.qsize())]
        assert len(answers) == 40 and all(status == 200 for status, _, _ in answers)
        assert sorted(int(body["values"][0]["i"]) for _, _, body in answers) == sorted(
            n * 100 + i for n in range(4) for i in range(10))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_stops_at_once_when_its_database_does_not_answer(tmp_path, workers):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    proc = subprocess.run(serve_command(tmp_path / "data", "--database", url, "--workers", workers),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc
    assert proc.stderr.startswith("wasm-compute: cannot serve") and "PostgreSQL" in proc.stderr, proc.stderr


def test_a_database_down_is_a_503_for_shares_only_and_service_resumes(tmp_path, own_cluster):
    dsn = own_cluster.new_database()
    with serve_process(tmp_path / "data", "--database", dsn, "--workers", "2") as (proc, port):
        kept = request(port, "POST", "/api/share", {"code": "return 'kept'"})[2]["id"]
        wait_until(lambda: len(children(proc.pid)) == 2, what="two workers")
        own_cluster.stop("immediate")
        # A worker that starts again while the database is down starts (and answers 503s).
        killed = children(proc.pid)[0]
        os.kill(killed, signal.SIGKILL)
        # Gone first: a worker has a socket of its own (_gunicorn.py), and a request that lands in
        # the killed one's queue before the kernel closes it is reset, as with any dying server.
        wait_until(lambda: killed not in children(proc.pid) and len(children(proc.pid)) == 2,
                   what="the worker replaced")
        for method, path, body in (("POST", "/api/share", {"code": "return 'refused'"}),
                                   ("GET", f"/api/share/{kept}", None), ("GET", "/readyz", None)):
            started = time.monotonic()
            status, _, answer = request(port, method, path, body)
            assert is_json_503(status, answer), (method, path, status, answer)
            assert "PostgreSQL" in answer["error"]["message"], answer
            assert time.monotonic() - started < 20  # a wait for a connection, not a hang
        status, _, answer = request(port, "POST", "/api/run", {"code": "return 6 * 7"})
        assert status == 200 and answer["values"] == [{"i": "42"}]
        assert request(port, "GET", "/healthz")[2] == {"ok": True}
        assert proc.poll() is None

        own_cluster.start()
        wait_until(lambda: request(port, "GET", "/readyz")[0] == 200, what="/readyz after the restart")
        assert request(port, "GET", f"/api/share/{kept}")[2] == {"id": kept, "code": "return 'kept'", "input": ""}
        for i in range(10):  # every worker is back, not only the one /readyz reached
            assert request(port, "POST", "/api/share", {"code": f"return {i}"})[0] == 200


def test_a_killed_worker_or_server_loses_no_acknowledged_share(tmp_path, pg_dsn):
    acknowledged: dict = {}
    failures: list = []
    stop = threading.Event()

    def sharer(port, n):
        i = 0
        while not stop.is_set():
            code = f"-- sharer {n}, share {i}\nreturn {i}\n"
            i += 1
            try:
                status, _, body = request(port, "POST", "/api/share", {"code": code}, timeout=30)
            except (OSError, http.client.HTTPException) as e:
                failures.append(e)  # the request the kill cut short
                continue
            if status == 200:
                acknowledged[body["id"]] = code
            else:
                failures.append((status, body))

    # The sharers are one address sharing hundreds of times: its share rate is lifted.
    with serve_process(tmp_path / "data", "--database", pg_dsn, "--workers", "2",
                       "--client-shares-per-minute", "1000000") as (proc, port):
        wait_until(lambda: len(children(proc.pid)) == 2, what="two workers")
        # Daemons: a failed wait below leaves them looping, and must not keep pytest from ending.
        threads = [threading.Thread(target=sharer, args=(port, n), daemon=True) for n in range(4)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acknowledged) >= 100, what="100 shares")
        os.kill(children(proc.pid)[0], signal.SIGKILL)  # one worker, in the middle of requests
        before = len(acknowledged)
        wait_until(lambda: len(acknowledged) >= before + 100, what="100 shares after the kill")
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)  # and the whole server
        proc.wait(timeout=10)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert all(not isinstance(f, tuple) for f in failures), failures  # cut connections, never a 5xx

    with serve_process(tmp_path / "data", "--database", pg_dsn, "--workers", "1") as (proc, port):
        for share_id, code in acknowledged.items():
            assert request(port, "GET", f"/api/share/{share_id}")[2] == {"id": share_id, "code": code, "input": ""}


# ---- `_home` in PostgreSQL: processes, a database that stops, a process killed ---------------

def _increment(dsn, times):
    with Sandbox(home=PostgresStore(dsn, home="shared")) as sb:
        for _ in range(times):
            r = sb.eval("_home.n = (_home.n or 0) + 1")
            assert r.error is None, r.error


def test_four_processes_incrementing_one_postgres_home_through_sandboxes_end_at_1000(pg_dsn):
    PostgresStore(pg_dsn, home="shared").close()
    run_in_processes(_increment, (pg_dsn, 250), count=4)
    with Sandbox(home=PostgresStore(pg_dsn, home="shared")) as sb:
        assert sb.home["n"] == 1000


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_stopped_mid_run_fails_the_evals_in_flight_and_comes_back(own_cluster, mode):
    dsn = own_cluster.new_database()
    successes: list[int] = []
    failures: list = []
    stop = threading.Event()
    with Sandbox(home=PostgresStore(dsn, timeout_s=2)) as sb:
        def evals():
            while not stop.is_set():
                r = sb.eval(COUNTER)
                if r.error is None:
                    successes.append(r.values[0])
                else:
                    failures.append(r.error)
                    time.sleep(0.05)

        worker = threading.Thread(target=evals)
        worker.start()
        try:
            wait_until(lambda: len(successes) >= 100, what="100 evals")
            own_cluster.stop(mode)
            wait_until(lambda: len(failures) >= 3, what="failing evals while PostgreSQL is down")
            own_cluster.start()
            before = len(successes)
            wait_until(lambda: len(successes) >= before + 100, what="100 evals after the restart")
        finally:
            stop.set()
            worker.join(timeout=60)
        for error in failures:
            assert isinstance(error, StoreFailed) and error.code == _abi.ERROR_STORE_FAILED, repr(error)
            assert "the _home store failed" in error.message and "PostgreSQL" in error.message, error.message
        # Every success saw all earlier commits. An eval whose COMMIT reached the server but whose
        # answer was lost with the connection counts as failed although it was kept: at most one.
        assert all(b > a for a, b in zip(successes, successes[1:]))
        n = sb.home["n"]
        assert n == successes[-1]
        assert n - len(successes) in (0, 1), (n, len(successes))
        assert sb.home["log"] == list(range(1, n + 1))  # nothing half-written


def test_a_writer_killed_mid_eval_leaves_a_consistent_home_and_no_lock(pg_dsn):
    last = kill_a_writer_mid_eval(pg_dsn)
    assert last >= 300
    # The killed process may have held the home's lock: PostgreSQL ends its transaction when the
    # connection drops, well within this store's wait.
    with Sandbox(home=PostgresStore(pg_dsn, timeout_s=10)) as sb:
        n = sb.home["n"]
        assert n in (last, last + 1), (n, last)
        assert sb.home["log"] == list(range(1, n + 1))
        r = sb.eval(COUNTER)
        assert r.error is None and r.values == [n + 1], r.error


# ---- the command line --------------------------------------------------------------------

def cli(*args):
    return subprocess.run([sys.executable, "-m", "wasm_compute.cli", *args], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_run_keeps_each_named_home_apart(tmp_path, backend, request):
    location = str(tmp_path / "h.db") if backend == "sqlite" else request.getfixturevalue("pg_dsn")
    script = tmp_path / "count.lua"
    script.write_text("_home.n = (_home.n or 0) + 1 print(_home.n)")
    runs = [("alice", "1"), ("alice", "2"), ("bob", "1"), ("alice", "3")]
    for name, want in runs:
        r = cli("run", "--home", location, "--home-name", name, str(script))
        assert (r.returncode, r.stdout, r.stderr) == (0, want + "\n", ""), r
    r = cli("run", "--home", location, str(script))  # the default home is a third one
    assert (r.returncode, r.stdout) == (0, "1\n"), r
    store = PostgresStore(location) if backend == "postgres" else SQLiteStore(location)
    try:
        assert store.homes() == ["alice", "bob", "default"]
    finally:
        store.close()


def test_a_bad_home_name_or_an_absent_database_is_a_clear_error(tmp_path):
    script = tmp_path / "x.lua"
    script.write_text("return 1")
    r = cli("run", "--home", str(tmp_path / "h.db"), "--home-name", "", str(script))
    assert r.returncode == 2 and r.stderr.startswith("wasm-compute: a home name"), r
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    r = cli("run", "--home", url, str(script))
    assert r.returncode == 2 and "PostgreSQL" in r.stderr and "refused" in r.stderr, r
