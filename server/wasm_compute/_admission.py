"""Admission: who may run or share now, decided before a request takes an eval slot.

One `Admission` per server process holds, under one lock, every client's state:

- runs in flight (running or waiting), at most `client_runs_max`; past it a 429 at once;
- a CPU-time token bucket: each run is charged the CPU time its thread used, the bucket
  refills `client_cpu_ms_per_minute` a minute (and holds that much); a client in debt gets a
  429 until it has paid it back;
- `runs_max` eval slots for all clients; a run that finds them taken waits in a queue of at
  most `queue_max`, served round-robin across clients (so a client with many runs waiting
  goes after each other client's next one); a full queue, or a wait past `queue_wait_ms`,
  is a 503;
- a share token bucket (`client_shares_per_minute`, as many at once) and a cap on the bytes
  a client shares per UTC day (`client_share_bytes_per_day`).

Every refusal is a `Refused` with its status, a message and a Retry-After in seconds. A
decision is O(1) under the lock; only a run that has to wait makes an object (its Event).
`AdmissionMiddleware` puts it in front of the app (app.py): `POST /api/run` and `POST
/api/share` pass it, and a refusal is answered there, before Flask, at the least cost. A
waiting run holds its server thread, so the server has a thread for every slot and every
place in the queue, and a few more (`run_threads_needed`).

A client is its peer address (an IPv6 one by its /64, what one machine is usually given);
`X-Forwarded-For` (else `Forwarded`) is believed only when the peer is one of
`trusted_proxies`, and then the address taken is the rightmost one that is not a trusted
proxy (the one the trusted proxy itself saw). The state of `clients_max` clients is kept;
past that, the least recently seen idle ones are forgotten.
"""

from __future__ import annotations

import collections
import contextlib
import ipaddress
import json
import math
import threading
import time

# The settings of an Admission and their defaults (`wasm-compute serve` shows them).
DEFAULTS = {
    "client_runs_max": 2,
    "client_cpu_ms_per_minute": 20_000,
    "runs_max": 8,
    "queue_max": 16,
    "queue_wait_ms": 10_000,
    "client_shares_per_minute": 10,
    "client_share_bytes_per_day": 32 * 1024 * 1024,
}
# The per-client limits lifted past what a load test sends when its many clients share one
# address (the e2e server, bench/'s loads, tests/test_server_load.py): each of them stands for
# a visitor of its own. tests/test_admission.py and bench/abuse.py measure the limits themselves.
ONE_ADDRESS_LOAD = {
    "client_runs_max": 64,
    "client_cpu_ms_per_minute": 10**9,
    "client_shares_per_minute": 10**9,
    "client_share_bytes_per_day": 10**12,
}
RUN_THREADS_SPARE = 4  # server threads beyond the runs and the queue, for pages, shares and probes
SECONDS_PER_DAY = 86_400


class Refused(Exception):
    """A request that admission turns away: `status` (429: this client is over its limits;
    503: the server is full), a message for the user, and when to try again."""

    def __init__(self, status: int, message: str, retry_after_s: int):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after_s = max(1, retry_after_s)


class _Client:
    __slots__ = ("runs", "cpu_s", "cpu_at", "shares", "shares_at", "day", "day_bytes")

    def __init__(self, cpu_s: float, shares: float, now: float):
        self.runs = 0  # running and waiting
        self.cpu_s, self.cpu_at = cpu_s, now
        self.shares, self.shares_at = shares, now
        self.day, self.day_bytes = -1, 0


def run_threads_needed(**settings) -> int:
    """Server threads (waitress's, or a gunicorn worker's) for an Admission of these settings:
    every slot and every place in the queue holds a thread, and a few more serve the rest."""
    settings = {**DEFAULTS, **settings}
    return settings["runs_max"] + settings["queue_max"] + RUN_THREADS_SPARE


class Admission:
    """The limits of one server process (module docstring). clock: seconds, monotonic;
    wall_clock: seconds since the epoch, for the UTC day of the share cap."""

    def __init__(self, *, trusted_proxies=(), clients_max: int = 65_536,
                 clock=time.monotonic, wall_clock=time.time, cpu_clock=time.thread_time, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown admission settings: {', '.join(sorted(unknown))}")
        settings = {**DEFAULTS, **settings, "clients_max": clients_max}
        for name, value in settings.items():
            least = 0 if name == "queue_max" else 1
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be an integer of at least {least}, not {value!r}")
        self.client_runs_max = settings["client_runs_max"]
        self.runs_max = settings["runs_max"]
        self.queue_max = settings["queue_max"]
        self.queue_wait_s = settings["queue_wait_ms"] / 1000
        self.cpu_budget_s = settings["client_cpu_ms_per_minute"] / 1000
        self.share_budget = settings["client_shares_per_minute"]
        self.share_bytes_per_day = settings["client_share_bytes_per_day"]
        self.trusted_proxies = tuple(ipaddress.ip_network(p, strict=False) for p in trusted_proxies)
        self.clients_max = clients_max
        self._clock, self._wall_clock, self._cpu_clock = clock, wall_clock, cpu_clock
        self._lock = threading.Lock()
        self._clients: collections.OrderedDict[str, _Client] = collections.OrderedDict()  # least recent first
        self._running = 0
        # The clients that have runs waiting, in their turn's order, each with its own waiters.
        self._turns: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self._queued = 0

    # ---- who is asking ----------------------------------------------------------

    def client_of(self, environ: dict) -> str:
        """The client a WSGI request comes from (module docstring)."""
        peer = environ.get("REMOTE_ADDR") or ""
        if self.trusted_proxies and self._trusted(peer):
            forwarded = _forwarded_for(environ)
            for hop in reversed(forwarded):
                if not self._trusted(hop):
                    peer = hop
                    break
            else:
                peer = forwarded[0] if forwarded else peer
        return _client_key(peer)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted_proxies)

    # ---- runs ---------------------------------------------------------------------

    @contextlib.contextmanager
    def run(self, environ: dict):
        """Holds an eval slot for the request's client while the block runs, and charges the
        block's CPU time to the client's bucket; raises Refused instead when it may not run."""
        client = self._enter_run(self.client_of(environ))
        started = self._cpu_clock()
        try:
            yield
        finally:
            self._leave_run(client, self._cpu_clock() - started)

    def _enter_run(self, key: str) -> _Client:
        with self._lock:
            now = self._clock()
            client = self._client(key, now)
            if client.runs >= self.client_runs_max:
                raise Refused(429, f"too many runs at once from your address: at most {self.client_runs_max}"
                                   " may run or wait at a time", 1)
            self._refill_cpu(client, now)
            if client.cpu_s <= 0:
                rate = self.cpu_budget_s / 60
                raise Refused(429, f"your runs used their CPU time: {self.cpu_budget_s:g} CPU-seconds a minute"
                                   " are allowed", math.ceil(-client.cpu_s / rate))
            if self._running < self.runs_max and not self._turns:
                self._running += 1
                client.runs += 1
                return client
            if self._queued >= self.queue_max:
                raise Refused(503, "the server is busy: try again shortly", 1)
            waiter = threading.Event()
            self._turns.setdefault(key, collections.deque()).append(waiter)
            self._queued += 1
            client.runs += 1
        if waiter.wait(self.queue_wait_s):
            return client
        with self._lock:
            if waiter.is_set():  # handed a slot between the timeout and the lock
                return client
            waiters = self._turns[key]
            waiters.remove(waiter)
            if not waiters:
                del self._turns[key]
            self._queued -= 1
            client.runs -= 1
        raise Refused(503, "the server is busy: try again shortly", 1)

    def _leave_run(self, client: _Client, cpu_used_s: float) -> None:
        with self._lock:
            client.runs -= 1
            self._refill_cpu(client, self._clock())
            client.cpu_s -= cpu_used_s
            if not self._turns:
                self._running -= 1
                return
            # The slot goes to the first client in turn; one with more waiting goes last.
            key, waiters = next(iter(self._turns.items()))
            waiter = waiters.popleft()
            if waiters:
                self._turns.move_to_end(key)
            else:
                del self._turns[key]
            self._queued -= 1
            waiter.set()

    def _refill_cpu(self, client: _Client, now: float) -> None:
        rate = self.cpu_budget_s / 60
        client.cpu_s = min(self.cpu_budget_s, client.cpu_s + (now - client.cpu_at) * rate)
        client.cpu_at = now

    # ---- shares -------------------------------------------------------------------

    @contextlib.contextmanager
    def share(self, environ: dict):
        """Admits a share of the request's body size (CONTENT_LENGTH) for its client, or raises
        Refused; the block is the share's handler, and gets a function that gives the share and
        its bytes back (for a share that was not stored: only stored shares count). A block
        that raises gives them back too."""
        size_bytes = int(environ.get("CONTENT_LENGTH") or 0)
        client = self._admit_share(self.client_of(environ), size_bytes)

        def give_back():
            with self._lock:
                client.shares = min(self.share_budget, client.shares + 1)
                client.day_bytes = max(0, client.day_bytes - size_bytes)  # 0: a new day began meanwhile

        try:
            yield give_back
        except Exception:
            give_back()
            raise

    def _admit_share(self, key: str, size_bytes: int) -> _Client:
        with self._lock:
            now = self._clock()
            client = self._client(key, now)
            rate = self.share_budget / 60
            client.shares = min(self.share_budget, client.shares + (now - client.shares_at) * rate)
            client.shares_at = now
            if client.shares < 1:
                raise Refused(429, f"too many shares from your address: {self.share_budget} a minute are allowed",
                              math.ceil((1 - client.shares) / rate))
            wall = self._wall_clock()
            day = int(wall // SECONDS_PER_DAY)
            if client.day != day:
                client.day, client.day_bytes = day, 0
            if client.day_bytes + size_bytes > self.share_bytes_per_day:
                raise Refused(429, f"your shares today would pass {self.share_bytes_per_day} bytes, the limit"
                                   " per address and day (UTC)", math.ceil((day + 1) * SECONDS_PER_DAY - wall))
            client.shares -= 1
            client.day_bytes += size_bytes
            return client

    # ---- the clients' state ---------------------------------------------------------

    def _client(self, key: str, now: float) -> _Client:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = self._clients[key] = _Client(self.cpu_budget_s, self.share_budget, now)
        if len(self._clients) > self.clients_max:
            # The least recently seen client is forgotten unless it has runs (its record is
            # theirs until they end); a busy one is looked at again later, and the new one is
            # never the one forgotten. Two at a time keep the map at its size while new
            # clients keep coming.
            for _ in range(2):
                oldest_key, oldest = next(iter(self._clients.items()))
                if oldest_key == key:
                    break
                if oldest.runs:
                    self._clients.move_to_end(oldest_key)
                else:
                    del self._clients[oldest_key]
        return client


def _forwarded_for(environ: dict) -> list[str]:
    """The addresses a proxy chain recorded, oldest first: X-Forwarded-For, else the for=
    of Forwarded (RFC 7239), quotes, brackets and ports taken off."""
    xff = environ.get("HTTP_X_FORWARDED_FOR")
    if xff:
        return [hop.strip() for hop in xff.split(",") if hop.strip()]
    hops = []
    for element in (environ.get("HTTP_FORWARDED") or "").split(","):
        for pair in element.split(";"):
            name, _, value = pair.strip().partition("=")
            if name.lower() == "for" and value:
                hops.append(_strip_port(value.strip('"')))
    return hops


def _strip_port(node: str) -> str:
    if node.startswith("["):  # "[2001:db8::1]:4711"
        return node[1:].partition("]")[0]
    if node.count(":") == 1:  # "192.0.2.1:4711"
        return node.partition(":")[0]
    return node


def _client_key(address: str) -> str:
    """The client an address stands for: IPv4 as it is, IPv6 by its /64 (an IPv4-mapped one
    as its IPv4 address); anything else (a Unix socket's peer) as its text."""
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address.partition("%")[0])
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


class AdmissionMiddleware:
    """WSGI middleware: `POST /api/run` runs inside Admission.run, `POST /api/share` inside
    Admission.share; a refusal is answered here, before the app, as the app answers its errors
    (`{"error": {"message": ...}}`, with `headers`) and with Retry-After. A share the app does
    not answer with a 2xx is given back."""

    def __init__(self, wsgi_app, admission: Admission, headers: dict | None = None):
        self.wsgi_app = wsgi_app
        self.admission = admission
        self.headers = list((headers or {}).items())

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            path = environ.get("PATH_INFO")
            try:
                if path == "/api/run":
                    with self.admission.run(environ):
                        return self.wsgi_app(environ, start_response)
                if path == "/api/share":
                    with self.admission.share(environ) as give_back:
                        statuses = []

                        def start(status, headers, exc_info=None):
                            statuses.append(status)
                            return start_response(status, headers, exc_info)

                        body = self.wsgi_app(environ, start)
                        if not statuses or not statuses[-1].startswith("2"):
                            give_back()
                        return body
            except Refused as e:
                return self._refuse(e, start_response)
        return self.wsgi_app(environ, start_response)

    def _refuse(self, e: Refused, start_response):
        body = json.dumps({"error": {"message": e.message}}).encode()
        reason = "Too Many Requests" if e.status == 429 else "Service Unavailable"
        start_response(f"{e.status} {reason}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("Retry-After", str(e.retry_after_s)), *self.headers])
        return [body]
