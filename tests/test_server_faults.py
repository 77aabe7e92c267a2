"""The server under faults, on a real waitress server (in a thread, or `wasm-compute serve` in a
subprocess when it must be killed): bad requests that only a real HTTP server sees, the shares
database locked, read-only, missing or broken, the data directory gone, a worker killed in the
middle of requests, and SQLite `_home` files shared by processes or left by a killed one.

Each fault must give a clear error for the request it hits (a 4xx or 5xx with a JSON error),
the next requests must be served, and no store may be corrupted. Tests run as root, so no file
is made read-only with chmod: a read-only database is one whose header says so (byte 18, the
"write version", above 2: SQLite then refuses every write, whoever the user is), and an
unwritable directory is one under /proc.
"""

import contextlib
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import run_in_processes
from servers import serve_command, serve_process, stop_waitress

from wasm_compute import Sandbox, SQLiteStore
from wasm_compute.app import create_app, share_id_for

MAX_CODE = 1024
MAX_BODY = 64 * 1024


# ---- a server in a thread, and a small client ---------------------------------------------

class Server:
    def __init__(self, app, data_dir: Path):
        import waitress

        self.app = app
        self.data_dir = data_dir
        self.db_path = data_dir / "shares.db"
        self.httpd = waitress.create_server(app, map={}, host="127.0.0.1", port=0, threads=8)
        self.port = self.httpd.effective_port
        self.thread = threading.Thread(target=self.httpd.run, name="faults-waitress", daemon=True)
        self.thread.start()

    def close(self):
        stop_waitress(self.httpd, self.thread)

    def request(self, method, path, body=None, headers=None, timeout=60):
        return request(self.port, method, path, body, headers, timeout)





def request(port, method, path, body=None, headers=None, timeout=60):
    """One request on a new connection: (status, headers, parsed JSON or raw bytes)."""
    headers = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        if r.getheader("Content-Type") == "application/json":
            return r.status, r.headers, json.loads(raw)
        return r.status, r.headers, raw
    finally:
        conn.close()


def make_app(data_dir: Path, **config):
    return create_app({"DATA_DIR": str(data_dir), "MAX_CODE_BYTES": MAX_CODE, "MAX_BODY_BYTES": MAX_BODY,
                       "SANDBOX_LIMITS": {"instructions_max": 2_000_000, "timeout_ms": 5000}, **config})


@pytest.fixture
def server(tmp_path):
    s = Server(make_app(tmp_path / "data"), tmp_path / "data")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def quiet_app_log():
    """The app logs every 500 with its traceback: expected here, so kept off the output."""
    import logging
    logger = logging.getLogger("wasm_compute.app")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(old)


def is_json_error(status, body, statuses) -> bool:
    return (status in statuses and isinstance(body, dict) and isinstance(body.get("error"), dict)
            and isinstance(body["error"].get("message"), str) and body["error"]["message"] != "")


def assert_served(server, share_id=None, code=None):
    """The requests that do not need the shares database work, and a known share reads back."""
    status, _, body = server.request("POST", "/api/run", {"code": "return 1 + 1"})
    assert status == 200 and body["values"] == [{"i": "2"}], body
    assert server.request("GET", "/api/health")[2] == {"ok": True}
    if share_id is not None:
        status, _, body = server.request("GET", f"/api/share/{share_id}")
        assert (status, body) == (200, {"id": share_id, "code": code, "input": ""})


def integrity(db_path) -> str:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def rows(db_path) -> dict:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT id, code FROM shares").fetchall())
    finally:
        db.close()


# ---- bad requests a real server sees (tests/test_app.py has the rest) ----------------------

def raw_exchange(port, data: bytes, timeout=10) -> bytes:
    """Sends bytes as they are (no client library tidying the request line) and reads the
    answer until the server closes or the JSON body is complete."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            head, sep, body = out.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: (\d+)", head)
            if sep and length and len(body) >= int(length.group(1)):
                return out
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def parse_raw(answer: bytes):
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    ctype = re.search(rb"(?i)content-type: ([^\r]+)", head)
    return status, ctype.group(1).decode() if ctype else None, body


RAW_TARGETS = [
    # (desc, request target, status)
    ("share id ..%2f", "/api/share/..%2f..%2fetc%2fpasswd", 404),
    ("share id %2e%2e", "/api/share/%2e%2e", 404),
    ("share id with a NUL", "/api/share/AAAAAAAAAAA%00", 404),
    ("share id not UTF-8", "/api/share/%FFAAAAAAAAAAA", 404),
    ("share id non-ASCII", "/api/share/%C3%A9AAAAAAAAAA", 404),
    ("share id very long", "/api/share/" + "A" * 20_000, 404),
    ("share id with a query", "/api/share/AAAAAAAAAAAA?id=../../etc/passwd", 404),
    ("share id with a trailing slash", "/api/share/AAAAAAAAAAAA/", 404),
    ("absolute-form target", "http://evil.example/api/share/..%2f..%2fetc%2fpasswd", 404),
    ("/s/ with ..%2f", "/s/..%2f..%2fetc%2fpasswd", 404),
    ("/s/ with %2e%2e segments", "/s/%2e%2e/%2e%2e/etc/passwd", 404),
    ("double slash", "//api/share/AAAAAAAAAAAA", 404),
    ("backslashes", "/api/share/..%5c..%5cetc%5cpasswd", 404),
]


@pytest.mark.parametrize("desc, target, status", RAW_TARGETS, ids=[c[0] for c in RAW_TARGETS])
def test_path_tricks_on_the_wire(server, desc, target, status):
    answer = raw_exchange(server.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    got, ctype, body = parse_raw(answer)
    assert got == status, answer[:300]
    assert ctype == "application/json", answer[:300]
    assert json.loads(body)["error"]["message"] in ("not found", "no such share")


def test_unknown_methods_are_json_405s(server):
    for method in ("BREW", "PATCH", "TRACE"):
        status, headers, body = server.request(method, "/api/run")
        assert is_json_error(status, body, {405}), (method, status, body)
        assert "POST" in headers["Allow"]


BAD_BODIES = [
    # (desc, headers, body, status, message fragment)
    ("no content type", {}, b'{"code": "return 1"}', 415, "application/json"),
    ("a 5000-digit number", {"Content-Type": "application/json"},
     b'{"code": "return 1", "n": 1' + b"0" * 5000 + b"}", 400, "not valid JSON"),
    ("home whose t is not a list", None, {"code": "return 1", "home": {"t": "x"}}, 400, '"t" must be a list'),
    ("home with an integer as a JSON number", None, {"code": "return 1", "home": {"t": [["a", {"i": 5}]]}}, 400,
     "is not a value"),
    ("home with an infinite float", {"Content-Type": "application/json"},
     b'{"code": "return 1", "home": {"t": [["a", {"f": 1e400}]]}}', 400, "is not a value"),
    ("home with a nested table as a key", None, {"code": "return 1", "home": {"t": [[{"t": []}, True]]}}, 400,
     "is not a value"),
    ("home with a boolean key", None, {"code": "return 1", "home": {"t": [[True, 1]]}}, 400,
     "must be an integer or a string"),
    ("home with an extra member", None, {"code": "return 1", "home": {"t": [], "x": 1}}, 400,
     "snapshot must be a table"),
    ("home with a nil value", None, {"code": "return 1", "home": {"t": [["a", None]]}}, 400, "is not a value"),
]


@pytest.mark.parametrize("desc, headers, body, status, fragment", BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_bodies(server, desc, headers, body, status, fragment):
    got, _, answer = server.request("POST", "/api/run", body, headers)
    assert is_json_error(got, answer, {status}), (got, answer)
    assert fragment in answer["error"]["message"]


def test_chunked_body_over_the_limit_is_a_json_413(server):
    chunk = b"x" * 16384
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/api/run", body=iter([b'{"code": "', *[chunk] * 6, b'"}']),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = conn.getresponse()
        assert r.status == 413
        assert json.loads(r.read())["error"]["message"] == f"the request body is larger than {MAX_BODY} bytes"
    finally:
        conn.close()
    assert_served(server)


@pytest.mark.parametrize("text", ["+5", " 5", "5_0", "\u0665", "5\n"])
def test_home_integer_must_be_plain_decimal(server, text):
    status, _, body = server.request("POST", "/api/run", {"code": "return _home.a", "home": {"t": [["a", {"i": text}]]}})
    assert is_json_error(status, body, {400}), (status, body)


def nested_home_json(depth) -> str:
    """A home snapshot `depth` tables deep, as JSON text (json.dumps would recurse)."""
    return '{"t": [["x", ' * depth + '{"t": []}' + "]]}" * depth


def test_deep_home_snapshot_is_never_a_500(tmp_path, quiet_app_log):
    """Depths around Python's recursion limit: each is a 200 or a 400, never a 500.

    A snapshot nests three JSON levels per table, and the response encodes it a little
    deeper in the stack than the request parsed it: whether some depth parses but does not
    encode depends on where the WSGI server's stack starts, modulo 3. So the requests are
    sent from three stack depths (on Flask's test client, which is where the app runs)."""
    client = make_app(tmp_path / "data").test_client()

    def post(depth, extra_frames):
        if extra_frames:
            return post(depth, extra_frames - 1)
        body = '{"code": "return 1", "home": %s}' % nested_home_json(depth)
        return client.post("/api/run", data=body, content_type="application/json").status_code

    bad = {}
    for extra_frames in range(3):
        for depth in range(150, 420):
            status = post(depth, extra_frames)
            if status not in (200, 400):
                bad[(extra_frames, depth)] = status
    assert bad == {}


# ---- the shares database locked, read-only, broken or gone ---------------------------------

def share(server, code):
    return server.request("POST", "/api/share", {"code": code})


@contextlib.contextmanager
def locked(db_path):
    """A second connection holding the database's write lock."""
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        db.close()  # ends the transaction


def test_a_short_lock_makes_a_share_wait_not_fail(server):
    status, _, body = share(server, "return 'before'")
    assert status == 200
    with locked(server.db_path):
        result = queue.Queue()
        threading.Thread(target=lambda: result.put(share(server, "return 'during'")), daemon=True).start()
        assert_served(server, body["id"], "return 'before'")  # reads go on under the lock (WAL)
        time.sleep(1.0)
        assert result.empty()
    status, _, body = result.get(timeout=30)
    assert status == 200 and body["id"] == share_id_for(b"return 'during'")
    assert integrity(server.db_path) == "ok"


def test_a_lock_held_past_the_timeout_fails_that_request_only(server, monkeypatch, quiet_app_log):
    # The wait for the lock is 30 s and no setting changes it; the test shortens it on the
    # app's ShareStore so the failure path runs in a second instead of thirty.
    shares = server.app.extensions["wasm_compute"]["shares"]
    real_connect = shares._connect

    @contextlib.contextmanager
    def impatient():
        with real_connect() as db:
            db.execute("PRAGMA busy_timeout = 500")
            yield db

    monkeypatch.setattr(shares, "_connect", impatient)
    status, _, body = share(server, "return 'kept'")
    assert status == 200
    kept = body["id"]
    with locked(server.db_path):
        status, _, body = share(server, "return 'refused'")
        assert is_json_error(status, body, {500, 503}), (status, body)
        assert body["error"]["message"] != "" and "Traceback" not in json.dumps(body)
        assert_served(server, kept, "return 'kept'")
    status, _, body = share(server, "return 'after'")
    assert status == 200
    assert integrity(server.db_path) == "ok"
    assert rows(server.db_path) == {kept: "return 'kept'", body["id"]: "return 'after'"}


def set_write_version(db_path, version: int) -> None:
    """Byte 18 of an SQLite file: a write version above 2 makes the database read-only for
    every connection (https://www.sqlite.org/fileformat2.html#file_format_version_numbers)."""
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # nothing may stay in the WAL file
    db.close()
    with open(db_path, "r+b") as f:
        f.seek(18)
        f.write(bytes([version]))


def test_a_read_only_database_fails_writes_and_serves_reads(server, quiet_app_log):
    status, _, body = share(server, "return 'kept'")
    kept = body["id"]
    set_write_version(server.db_path, 3)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # the trick works
        sqlite3.connect(server.db_path).execute("INSERT INTO shares(id, code, created) VALUES ('x', 'y', 0)")
    for _ in range(3):
        status, _, body = share(server, "return 'refused'")
        assert is_json_error(status, body, {500, 503}), (status, body)
        assert_served(server, kept, "return 'kept'")
    set_write_version(server.db_path, 2)
    status, _, body = share(server, "return 'after'")
    assert status == 200
    assert integrity(server.db_path) == "ok"
    assert set(rows(server.db_path)) == {kept, body["id"]}


def test_the_app_starts_on_a_read_only_database(tmp_path, quiet_app_log):
    data = tmp_path / "data"
    first = Server(make_app(data), data)
    try:
        kept = share(first, "return 'kept'")[2]["id"]
    finally:
        first.close()
    set_write_version(data / "shares.db", 3)
    second = Server(make_app(data), data)
    try:
        assert_served(second, kept, "return 'kept'")
        status, _, body = share(second, "return 'refused'")
        assert is_json_error(status, body, {500, 503}), (status, body)
    finally:
        second.close()


def break_db_as_directory(db_path: Path, aside: Path):
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db_path) + suffix)
        if p.exists():
            p.rename(Path(str(aside) + suffix))
    db_path.mkdir()


def restore_db_from_directory(db_path: Path, aside: Path):
    db_path.rmdir()
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(aside) + suffix)
        if p.exists():
            p.rename(Path(str(db_path) + suffix))


def break_db_with_garbage(db_path: Path, aside: Path):
    shutil.copyfile(db_path, aside)
    db_path.write_bytes(b"this is not an SQLite database, " * 200)


def restore_db_from_copy(db_path: Path, aside: Path):
    shutil.copyfile(aside, db_path)


@pytest.mark.parametrize("breaks, restores", [
    (break_db_as_directory, restore_db_from_directory),
    (break_db_with_garbage, restore_db_from_copy),
], ids=["shares.db is a directory", "shares.db is garbage"])
def test_a_broken_database_fails_share_requests_until_it_is_back(server, tmp_path, quiet_app_log,
                                                                 breaks, restores):
    kept = share(server, "return 'kept'")[2]["id"]
    db = sqlite3.connect(server.db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    aside = tmp_path / "aside.db"
    breaks(server.db_path, aside)
    for method, path, body in (("POST", "/api/share", {"code": "return 'refused'"}),
                               ("GET", f"/api/share/{kept}", None)):
        status, _, answer = server.request(method, path, body)
        assert is_json_error(status, answer, {500, 503}), (method, status, answer)
    assert_served(server)
    restores(server.db_path, aside)
    assert_served(server, kept, "return 'kept'")
    assert share(server, "return 'after'")[0] == 200
    assert integrity(server.db_path) == "ok"


@pytest.mark.parametrize("how", ["removed", "replaced by a file"])
def test_the_data_dir_gone_fails_share_requests_and_serves_the_rest(server, quiet_app_log, how):
    kept = share(server, "return 'kept'")[2]["id"]
    shutil.rmtree(server.data_dir)
    if how == "replaced by a file":
        server.data_dir.write_text("not a directory\n")
    for method, path, body in (("POST", "/api/share", {"code": "return 'refused'"}),
                               ("GET", f"/api/share/{kept}", None)):
        status, _, answer = server.request(method, path, body)
        assert is_json_error(status, answer, {500, 503}), (how, method, status, answer)
    status, _, answer = server.request("GET", f"/s/{kept}")
    assert 400 <= status < 600
    assert_served(server)


def test_shares_work_again_when_the_data_dir_comes_back(server, quiet_app_log):
    share(server, "return 'lost'")
    shutil.rmtree(server.data_dir)
    assert share(server, "return 'refused'")[0] >= 500
    server.data_dir.mkdir()
    status, _, body = share(server, "return 'after'")
    assert status == 200, body


def test_an_unwritable_data_dir_stops_the_start_with_a_clear_message(tmp_path):
    with pytest.raises(OSError):
        create_app({"DATA_DIR": "/proc/wasm-compute"})  # not even root can create it
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(OSError):
        create_app({"DATA_DIR": str(not_a_dir)})
    for data in ("/proc/wasm-compute", str(not_a_dir)):
        proc = subprocess.run(serve_command(data), capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc
        assert proc.stdout == ""
        assert proc.stderr.startswith("wasm-compute: ") and data in proc.stderr, proc.stderr


# ---- `wasm-compute serve` killed in the middle of requests ---------------------------------







def test_a_killed_server_loses_no_acknowledged_share_and_restarts(tmp_path):
    data = tmp_path / "data"
    acknowledged: dict = {}  # id -> code, for every share that got its 200
    problems: list = []
    outcomes: queue.Queue = queue.Queue()
    stop = threading.Event()

    def sharer(port, n):
        i = 0
        while not stop.is_set():
            code = f"-- sharer {n}, share {i}\nreturn {i}\n"
            i += 1
            try:
                status, _, body = request(port, "POST", "/api/share", {"code": code}, timeout=30)
            except (OSError, http.client.HTTPException):
                return  # the server is gone
            if status != 200:
                problems.append((status, body))
                return
            acknowledged[body["id"]] = code

    def long_run(port):
        try:
            # Runs until the instruction limit or the timeout: seconds, at the server's defaults.
            outcomes.put(request(port, "POST", "/api/run", {"code": "local n = 0 while true do n = n + 1 end"},
                                 timeout=60))
        except (OSError, http.client.HTTPException) as e:
            outcomes.put(e)

    # The four sharers are one address sharing hundreds of times: the per-client share rate
    # (tests/test_admission.py) is lifted, and this is about the kill alone.
    with serve_process(data, "--client-shares-per-minute", "1000000") as (proc, port):
        runner = threading.Thread(target=long_run, args=(port,))
        # Daemons: a failed wait below leaves them looping, and must not keep pytest from ending.
        sharers = [threading.Thread(target=sharer, args=(port, n), daemon=True) for n in range(4)]
        runner.start()
        for t in sharers:
            t.start()
        # Kill well before the long request can end (the instruction limit or the 5 s timeout).
        deadline = time.monotonic() + 3
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outcomes.empty(), "the long request ended before the kill"
        os.killpg(proc.pid, signal.SIGKILL)  # the server: gunicorn's master and its workers
        proc.wait(timeout=10)
        stop.set()
        runner.join(timeout=30)
        for t in sharers:
            t.join(timeout=30)
    outcome = outcomes.get(timeout=1)
    assert isinstance(outcome, (OSError, http.client.HTTPException)), outcome  # an error, not a hang
    assert problems == []
    assert len(acknowledged) >= 20

    db_path = data / "shares.db"
    assert integrity(db_path) == "ok"
    stored = rows(db_path)
    assert all(stored.get(share_id) == code for share_id, code in acknowledged.items())
    assert all(share_id == share_id_for(code.encode()) for share_id, code in stored.items())

    with serve_process(data) as (proc, port):
        for share_id, code in list(acknowledged.items())[:20]:
            assert request(port, "GET", f"/api/share/{share_id}")[2] == {"id": share_id, "code": code, "input": ""}
        status, _, body = request(port, "POST", "/api/share", {"code": "return 'after the restart'"})
        assert status == 200
        status, _, body = request(port, "POST", "/api/run", {"code": "return 6 * 7"})
        assert status == 200 and body["values"] == [{"i": "42"}]
    assert integrity(db_path) == "ok"


def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(tmp_path):
    with serve_process(tmp_path / "data") as (proc, port):
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000000000\r\n\r\n")
            try:
                answer = s.recv(4096)
            except socket.timeout:
                answer = b""
        assert answer.startswith(b"HTTP/1.1 413"), answer


# ---- SQLite `_home` files: killed writers, two writers ----------------------------------

COUNTER = ("_home.n = (_home.n or 0) + 1 "
           "_home.log = _home.log or {} _home.log[#_home.log + 1] = _home.n "
           "return _home.n")

KILLED_WRITER = f"""
import sys
from wasm_compute import Sandbox
from wasm_compute._store import open_store
with Sandbox(home=open_store(sys.argv[1])) as sb:
    while True:
        r = sb.eval({COUNTER!r})
        assert r.error is None, r.error
        print(r.values[0], flush=True)
"""


def kill_a_writer_mid_eval(location: str, evals: int = 300) -> int:
    """Runs COUNTER in a process on the store at `location` (an SQLite path or a PostgreSQL URL)
    and kills it with SIGKILL after `evals` evals, in the middle of the next; returns the last
    value it printed."""
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, location], stdout=subprocess.PIPE, text=True)
    last = 0
    try:
        for line in proc.stdout:
            last = int(line)
            if last >= evals:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    return last


def test_a_writer_killed_mid_eval_leaves_a_consistent_home(tmp_path):
    db = tmp_path / "home.db"
    last = kill_a_writer_mid_eval(str(db))
    assert last >= 300
    assert integrity(db) == "ok"
    with Sandbox(home=SQLiteStore(db)) as sb:
        n = sb.home["n"]
        # The eval after the last line printed may have committed; the rest is exact.
        assert n in (last, last + 1), (n, last)
        assert sb.home["log"] == list(range(1, n + 1))
        assert sb.eval(COUNTER).values == [n + 1]


def _increment(db, times):
    with Sandbox(home=SQLiteStore(db)) as sb:
        for _ in range(times):
            r = sb.eval("_home.n = (_home.n or 0) + 1")
            assert r.error is None, r.error


def test_two_processes_incrementing_one_sqlite_home_500_times_each_end_at_1000(tmp_path):
    db = str(tmp_path / "shared.db")
    SQLiteStore(db).close()
    run_in_processes(_increment, (db, 500))
    with Sandbox(home=SQLiteStore(db)) as sb:
        assert sb.home["n"] == 1000
    assert integrity(db) == "ok"
