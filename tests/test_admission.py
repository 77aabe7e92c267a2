"""Admission (wasm_compute/_admission.py): per-client runs in flight, the fair wait queue, the
CPU-time and share buckets, client identity behind trusted proxies; then the same over HTTP:
16 abusive looping clients on 127.0.0.1 beside a well-behaved one on 127.0.0.2, share spam,
forged X-Forwarded-For, and the operator's ceilings on a run's limits. Clocks are the tests'
own wherever a bucket refills, so nothing here depends on how fast the machine is."""

import contextlib
import http.client
import json
import threading
import time
import urllib.request

import pytest

from servers import serve_process, stop_waitress

from wasm_compute._admission import DEFAULTS, RUN_THREADS_SPARE, Admission, Refused, run_threads_needed
from wasm_compute.app import CONTENT_SECURITY_POLICY, create_app


class Clock:
    """A clock the test moves: now() is its time, in seconds."""

    def __init__(self, start: float = 1_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t


def env(addr="127.0.0.1", **headers):
    return {"REMOTE_ADDR": addr, **{"HTTP_" + k.upper(): v for k, v in headers.items()}}


def wait_until(predicate, what: str):
    """Polls `predicate` for a state another thread reaches; bounded (10 s), never timed."""
    for _ in range(1000):
        if predicate():
            return
        time.sleep(0.01)
    pytest.fail(f"never reached: {what}")


# ---- who is asking ---------------------------------------------------------------------------

IDENTITY = [
    # (desc, trusted proxies, environ, client)
    ("the peer", (), env("192.0.2.7"), "192.0.2.7"),
    ("a forged X-Forwarded-For from an untrusted peer changes nothing", (),
     env("192.0.2.7", x_forwarded_for="10.9.9.9"), "192.0.2.7"),
    ("nor from a peer that is not the trusted proxy", ("10.0.0.1",),
     env("192.0.2.7", x_forwarded_for="10.9.9.9"), "192.0.2.7"),
    ("nor a forged Forwarded", (), env("192.0.2.7", forwarded="for=10.9.9.9"), "192.0.2.7"),
    ("the trusted proxy's X-Forwarded-For names the client", ("10.0.0.1",),
     env("10.0.0.1", x_forwarded_for="198.51.100.3"), "198.51.100.3"),
    ("what the client wrote before it is not believed: the rightmost untrusted hop", ("10.0.0.0/8",),
     env("10.0.0.1", x_forwarded_for="1.1.1.1, 198.51.100.3, 10.0.0.5"), "198.51.100.3"),
    ("a chain of trusted proxies only: the first address", ("10.0.0.0/8",),
     env("10.0.0.1", x_forwarded_for="10.1.1.1, 10.0.0.5"), "10.1.1.1"),
    ("Forwarded, quoted, with a port", ("10.0.0.1",),
     env("10.0.0.1", forwarded='for="198.51.100.3:4711";proto=https'), "198.51.100.3"),
    ("Forwarded with IPv6 in brackets, two elements", ("10.0.0.1",),
     env("10.0.0.1", forwarded='for=1.2.3.4, for="[2001:db8:cafe::17]:4711"'), "2001:db8:cafe::/64"),
    ("X-Forwarded-For wins over Forwarded (a proxy that appends one passes the other through)", ("10.0.0.1",),
     env("10.0.0.1", x_forwarded_for="198.51.100.3", forwarded="for=10.9.9.9"), "198.51.100.3"),
    ("a trusted proxy with no header: itself", ("10.0.0.1",), env("10.0.0.1"), "10.0.0.1"),
    ("IPv6 by its /64", (), env("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64"),
    ("IPv4-mapped IPv6 as IPv4", (), env("::ffff:192.0.2.7"), "192.0.2.7"),
]


@pytest.mark.parametrize("desc, trusted, environ, want", IDENTITY, ids=[c[0] for c in IDENTITY])
def test_client_identity(desc, trusted, environ, want):
    assert Admission(trusted_proxies=trusted).client_of(environ) == want


# ---- runs ------------------------------------------------------------------------------------

def test_a_client_past_its_runs_in_flight_gets_a_429_at_once_and_others_run():
    adm = Admission(client_runs_max=2, runs_max=8)
    with contextlib.ExitStack() as held:
        held.enter_context(adm.run(env()))
        held.enter_context(adm.run(env()))
        with pytest.raises(Refused) as refused:
            held.enter_context(adm.run(env()))
        assert (refused.value.status, refused.value.retry_after_s) == (429, 1)
        assert "at most 2" in refused.value.message
        with adm.run(env("127.0.0.2")):  # another client is not held up
            pass
    with adm.run(env()):  # the runs ended: room again
        pass
    assert (adm._running, adm._queued) == (0, 0)


def test_a_failing_run_gives_its_slot_back():
    adm = Admission(client_runs_max=1, runs_max=1)
    with pytest.raises(ZeroDivisionError), adm.run(env()):
        1 / 0
    with adm.run(env()):
        pass
    assert adm._running == 0


def waiting_run(adm, environ, log, name):
    """A thread that runs through `adm` (it waits when the slots are taken), logging its turn
    or its refusal."""
    def work():
        try:
            with adm.run(environ):
                log.append(name)
        except Refused as e:
            log.append((name, e.status))

    thread = threading.Thread(target=work)
    queued = adm._queued
    thread.start()
    wait_until(lambda: adm._queued == queued + 1 or log, f"{name} waits")
    return thread


def test_the_queue_serves_clients_round_robin():
    adm = Admission(client_runs_max=3, runs_max=1, queue_max=10)
    log = []
    holder = adm.run(env("192.0.2.1"))
    holder.__enter__()
    threads = [waiting_run(adm, env("192.0.2.2"), log, "a1"), waiting_run(adm, env("192.0.2.2"), log, "a2"),
               waiting_run(adm, env("192.0.2.2"), log, "a3"), waiting_run(adm, env("192.0.2.3"), log, "b1"),
               waiting_run(adm, env("192.0.2.4"), log, "c1")]
    holder.__exit__(None, None, None)
    for t in threads:
        t.join(timeout=10)
    # a2 and a3 wait behind b1 and c1, who came after them but from clients with nothing running.
    assert log == ["a1", "b1", "c1", "a2", "a3"]
    assert (adm._running, adm._queued, adm._turns) == (0, 0, {})


def test_a_full_queue_is_a_503_and_a_wait_too_long_is_a_503():
    adm = Admission(client_runs_max=2, runs_max=1, queue_max=1)
    log = []
    holder = adm.run(env("192.0.2.1"))
    holder.__enter__()
    waiter = waiting_run(adm, env("192.0.2.2"), log, "waiter")
    with pytest.raises(Refused) as refused, adm.run(env("192.0.2.3")):
        pass
    assert (refused.value.status, refused.value.retry_after_s) == (503, 1)
    holder.__exit__(None, None, None)
    waiter.join(timeout=10)
    assert log == ["waiter"]

    adm = Admission(runs_max=1, queue_wait_ms=1)
    with adm.run(env("192.0.2.1")):
        with pytest.raises(Refused) as refused, adm.run(env("192.0.2.2")):
            pass
        assert refused.value.status == 503
        assert (adm._queued, adm._turns, adm._clients["192.0.2.2"].runs) == (0, {}, 0)
    assert adm._running == 0


def test_a_client_that_used_its_cpu_time_waits_until_it_is_paid_back():
    clock, cpu = Clock(), Clock(0.0)
    adm = Admission(client_cpu_ms_per_minute=6_000, clock=clock, cpu_clock=cpu)  # 0.1 s a second
    with adm.run(env()):
        cpu.t += 8.0  # the budget (6 s) and 2 s more
    with pytest.raises(Refused) as refused, adm.run(env()):
        pass
    assert (refused.value.status, refused.value.retry_after_s) == (429, 20)
    assert "CPU" in refused.value.message
    with adm.run(env("127.0.0.2")):  # another client's budget is its own
        pass
    clock.t += 19.0
    with pytest.raises(Refused), adm.run(env()):
        pass
    clock.t += 1.5
    with adm.run(env()):
        cpu.t += 0.01
    clock.t += 3600
    assert adm._clients["127.0.0.1"].cpu_s < 6.0  # refilled at the next run, never past the budget
    with adm.run(env()):
        pass
    assert adm._clients["127.0.0.1"].cpu_s == 6.0


# ---- shares ----------------------------------------------------------------------------------

def test_shares_have_a_rate_and_a_daily_byte_cap_per_client():
    clock, wall = Clock(), Clock(3 * 86_400 + 86_000.0)  # 400 s before a UTC midnight
    adm = Admission(client_shares_per_minute=3, client_share_bytes_per_day=100, clock=clock, wall_clock=wall)

    def share(addr, size):
        with adm.share({"REMOTE_ADDR": addr, "CONTENT_LENGTH": str(size)}):
            pass

    for _ in range(3):
        share("192.0.2.1", 10)
    with pytest.raises(Refused) as refused:
        share("192.0.2.1", 10)
    assert (refused.value.status, refused.value.retry_after_s) == (429, 20)
    share("192.0.2.2", 10)
    clock.t += 20
    share("192.0.2.1", 60)  # 90 bytes today
    clock.t += 60
    with pytest.raises(Refused) as refused:
        share("192.0.2.1", 11)
    assert (refused.value.status, refused.value.retry_after_s) == (429, 400)
    assert "100 bytes" in refused.value.message
    share("192.0.2.1", 10)  # what fits still goes
    wall.t += 400  # the next UTC day
    share("192.0.2.1", 100)


def test_a_share_that_fails_is_given_back():
    adm = Admission(client_shares_per_minute=1, client_share_bytes_per_day=100, clock=Clock())
    request = {"REMOTE_ADDR": "192.0.2.1", "CONTENT_LENGTH": "100"}
    with pytest.raises(ValueError), adm.share(request):
        raise ValueError("a bad request")
    with adm.share(request):
        pass
    with pytest.raises(Refused), adm.share(request):
        pass


# ---- the clients' state, the settings ------------------------------------------------------

def test_idle_clients_are_forgotten_past_clients_max_and_busy_ones_kept():
    adm = Admission(clients_max=2, client_shares_per_minute=1, clock=Clock())
    with adm.run(env("192.0.2.1")):
        with adm.share(env("192.0.2.2")):
            pass
        with adm.share(env("192.0.2.3")):  # 192.0.2.1 is the oldest but busy: .2 goes
            pass
        assert set(adm._clients) == {"192.0.2.1", "192.0.2.3"}
    with pytest.raises(Refused), adm.share(env("192.0.2.3")):  # remembered
        pass
    assert adm._running == 0


@pytest.mark.parametrize("settings, error", [
    ({"client_runs_max": 0}, ValueError), ({"runs_max": True}, ValueError), ({"queue_max": -1}, ValueError),
    ({"client_cpu_ms_per_minute": 1.5}, ValueError), ({"clients_max": 0}, ValueError),
    ({"runs_at_once": 3}, TypeError),
])
def test_bad_settings_are_refused(settings, error):
    with pytest.raises(error):
        Admission(**settings)


def test_threads_cover_the_slots_the_queue_and_the_rest():
    assert run_threads_needed() == DEFAULTS["runs_max"] + DEFAULTS["queue_max"] + RUN_THREADS_SPARE
    assert run_threads_needed(runs_max=2, queue_max=0) == 2 + RUN_THREADS_SPARE
    Admission(queue_max=0)


# ---- over HTTP -------------------------------------------------------------------------------

ABUSERS = 16
POLITE_REQUESTS = 30
ABUSER_REQUESTS_MAX = 400  # each abusive loop stops here, or when the polite client is done


@pytest.fixture
def waitress_app(tmp_path):
    """An app (create_app's config over a default) on waitress on 127.0.0.1 with the threads
    `serve` gives it; yields (app, port)."""
    import waitress

    servers = []

    def start(**config):
        app = create_app({"DATA_DIR": str(tmp_path / "data"), **config})
        httpd = waitress.create_server(app, map={}, host="127.0.0.1", port=0,
                                       threads=run_threads_needed(**config.get("ADMISSION", {})))
        thread = threading.Thread(target=httpd.run, name="admission-waitress", daemon=True)
        thread.start()
        servers.append((httpd, thread))
        return app, httpd.effective_port

    yield start
    for httpd, thread in servers:
        stop_waitress(httpd, thread)


class Client:
    """One keep-alive connection from the source address `addr`."""

    def __init__(self, port: int, addr: str):
        self.port, self.addr = port, addr
        self.conn = self._connect()

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.addr, 0))

    def post(self, path: str, body: dict, headers=None):
        """(status, Retry-After, JSON body). A keep-alive connection the server closed is
        opened again once."""
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, body=json.dumps(body).encode(),
                                  headers={"Content-Type": "application/json", **(headers or {})})
                response = self.conn.getresponse()
                return response.status, response.getheader("Retry-After"), json.loads(response.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = self._connect()
                if attempt == 2:
                    raise

    def close(self):
        self.conn.close()


def test_sixteen_abusive_clients_do_not_starve_a_well_behaved_one(waitress_app):
    # 20 M instructions: each abusive run holds its thread a few hundredths of a second.
    app, port = waitress_app(SANDBOX_LIMITS={"instructions_max": 20_000_000})
    polite_done = threading.Event()
    abusive: list = []
    polite: list = []

    def abuse():
        client = Client(port, "127.0.0.1")
        try:
            for _ in range(ABUSER_REQUESTS_MAX):
                if polite_done.is_set():
                    break
                abusive.append(client.post("/api/run", {"code": "while true do end"}))
        finally:
            client.close()

    abusers = [threading.Thread(target=abuse) for _ in range(ABUSERS)]
    for t in abusers:
        t.start()
    wait_until(lambda: len(abusive) >= ABUSERS, "the abuse is under way")
    client = Client(port, "127.0.0.2")
    try:
        for i in range(POLITE_REQUESTS):
            polite.append(client.post("/api/run", {"code": f"return {i} * 2"}))
    finally:
        client.close()
        polite_done.set()
        for t in abusers:
            t.join(timeout=120)
    assert not any(t.is_alive() for t in abusers)

    for i, (status, _, body) in enumerate(polite):
        assert (status, body["error"], body["values"]) == (200, None, [{"i": str(i * 2)}])
    statuses = {status for status, _, _ in abusive}
    assert statuses <= {200, 429}, statuses
    refused = [(retry, body) for status, retry, body in abusive if status == 429]
    assert refused and all(retry is not None and int(retry) >= 1 for retry, _ in refused)
    assert all(body["error"]["message"] for _, body in refused)
    ran = [body for status, _, body in abusive if status == 200]
    assert all(body["error"]["name"] == "instruction_limit" for body in ran)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        assert json.load(r) == {"ok": True}
    adm = app.extensions["wasm_compute"]["admission"]
    assert (adm._running, adm._queued) == (0, 0)


def test_share_spam_is_cut_off_and_another_client_still_shares(tmp_path):
    clock = Clock()
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "ADMISSION": {"clock": clock}})
    spammer = app.test_client()
    # Shares the server refuses as bad requests are not counted.
    assert {spammer.post("/api/share", json={"code": 1}).status_code for _ in range(20)} == {400}
    statuses = [spammer.post("/api/share", json={"code": f"return {i}"}).status_code for i in range(1000)]
    allowed = DEFAULTS["client_shares_per_minute"]
    assert statuses == [200] * allowed + [429] * (1000 - allowed)
    r = spammer.post("/s/api/share", json={"code": "return 'again'"})  # the page's relative URL, under /s/
    assert (r.status_code, r.headers["Retry-After"]) == (429, str(60 // allowed))
    assert "a minute" in r.get_json()["error"]["message"]
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    other = app.test_client().post("/api/share", json={"code": "return 'other'"},
                                   environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert other.status_code == 200
    clock.t += 60 // allowed
    assert spammer.post("/api/share", json={"code": "return 'later'"}).status_code == 200


def test_serve_flags_forged_forwarded_headers_and_trusted_proxies(tmp_path):
    """One share a minute per client: forged X-Forwarded-For from an untrusted peer is the same
    client each time; from a --trusted-proxy it names the client."""
    for trusted, want in (((), [200, 429, 429]), (("--trusted-proxy", "127.0.0.0/8"), [200, 200, 429])):
        with serve_process(tmp_path / "data", "--workers", "1", "--client-shares-per-minute", "1",
                           *trusted) as (_, port):
            client = Client(port, "127.0.0.1")
            try:
                got = [client.post("/api/share", {"code": f"return {i}"}, {"X-Forwarded-For": forged})[0]
                       for i, forged in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.2"))]
            finally:
                client.close()
        assert got == want, trusted


# ---- the operator's ceilings -----------------------------------------------------------------

def test_a_run_may_ask_for_lower_limits_never_higher(tmp_path):
    client = create_app({"DATA_DIR": str(tmp_path / "data"),
                         "SANDBOX_LIMITS": {"instructions_max": 100_000, "output_bytes_max": 1000}}).test_client()
    loop = {"code": "while true do end"}
    cases = [({}, 100_000), ({"instructions_max": 5_000}, 5_000), ({"instructions_max": 10 ** 12}, 100_000)]
    for asked, stopped_at in cases:
        body = client.post("/api/run", json={**loop, "limits": asked}).get_json()
        assert body["error"]["name"] == "instruction_limit"
        assert stopped_at <= body["stats"]["instructions"] <= stopped_at + 2, (asked, body["stats"])
    shout = {"code": "io.write(('x'):rep(5000))"}
    for asked, kept in (({"output_bytes_max": 100}, 100), ({"output_bytes_max": 10 ** 9}, 1000)):
        output = client.post("/api/run", json={**shout, "limits": asked}).get_json()["output"]
        assert output == "x" * kept + f"\n[output truncated: more than {kept} bytes]\n"
    for bad in ([1], {"instructions_max": 0}, {"instructions_max": "9"}, {"clock": 1}, {"timeout_ms": True}):
        r = client.post("/api/run", json={**loop, "limits": bad})
        assert r.status_code == 400 and "limits" in r.get_json()["error"]["message"], bad


def test_serve_limits_are_the_servers(tmp_path):
    with serve_process(tmp_path / "data", "--workers", "1", "--instructions-max", "1000") as (_, port):
        client = Client(port, "127.0.0.1")
        try:
            status, _, body = client.post("/api/run", {"code": "while true do end",
                                                       "limits": {"instructions_max": 10 ** 9}})
        finally:
            client.close()
    assert status == 200 and body["error"]["name"] == "instruction_limit"
    assert body["stats"]["instructions"] <= 1002
