"""`POST /api/run` under load from wrk, with what the client and the server spent.

The load generator shares the machine's cores with the server, so it has to be cheap: wrk
(Debian's `wrk` package, which build.sh installs) drives keep-alive connections from one event
loop in C and spends a few per cent of a core where a client of Python threads spends more than
the server does. Every answer is checked (wrk_post.lua): one that is not a 200 holding the
expected text is counted as wrong.

    from harness import httpload
    server = httpload.Server(data_dir, workers=2)
    load = httpload.run(server, {"code": "return 1"}, '"values":[{"i":"1"}]')
"""

from __future__ import annotations

import json
import os
import queue
import re
import resource
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from wasm_compute._admission import ONE_ADDRESS_LOAD

WRK_SCRIPT = Path(__file__).with_name("wrk_post.lua")
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")
SERVER_START_S = 60  # the server prints its URL within this, or the run stops
# The load's connections come from one address and each stands for a visitor of its own.
MANY_CLIENTS_ONE_ADDRESS = tuple(arg for name, value in ONE_ADDRESS_LOAD.items()
                                 for arg in ("--" + name.replace("_", "-"), str(value)))


def wrk_missing() -> str | None:
    """Why wrk cannot run here, or None."""
    return None if shutil.which("wrk") else "wrk is not installed (build.sh installs Debian's wrk package)"


class Server:
    """`wasm-compute serve --workers N` on 127.0.0.1, port 0, shares under `data_dir`, in a
    process of its own; `workers` None is serve's default (one a core)."""

    def __init__(self, data_dir: str, workers: int | None = None):
        exe = Path(sys.executable).parent / "wasm-compute"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "wasm_compute.cli"]
        cmd += ["serve", "--port", "0", "--data", data_dir, *MANY_CLIENTS_ONE_ADDRESS]
        if workers is not None:
            cmd += ["--workers", str(workers)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=SERVER_START_S)
        except queue.Empty:
            self.close()
            raise RuntimeError(f"the server printed no URL within {SERVER_START_S} s") from None
        match = re.search(r"(http://\S+)", line)
        if not match:
            self.close()
            raise RuntimeError(f"unexpected first line from the server: {line!r}")
        self.url = match.group(1)

    def cpu_s(self) -> float:
        """CPU seconds (user and system) the server's processes have used: the one started and
        its children (gunicorn's workers), as /proc counts them."""
        total = 0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a worker that just ended
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
        return total / CLOCK_TICKS_PER_S

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@dataclass
class Load:
    """What one wrk run measured. Latencies from wrk: sending a request to reading its answer."""
    connections: int
    requests: int
    seconds: float
    wrong: int           # answers that were not a 200 with the expected text
    socket_errors: int   # connect, read and write errors and timeouts
    p50_ms: float
    p99_ms: float
    max_ms: float
    client_cpu_s: float  # wrk's user and system time
    server_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def describe(self) -> str:
        return (f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms; CPU per second of "
                f"load: client {self.client_cpu_s / self.seconds:.2f}, server {self.server_cpu_s / self.seconds:.2f}")


def run(server: Server | str, body: dict, want: str, *, connections: int = 8, seconds: float = 5.0,
        warmup_s: float = 1.0) -> Load:
    """`connections` keep-alive connections from one wrk thread POST `body` to /api/run for
    `seconds`, after `warmup_s` of the same (each worker's first requests make its Sandboxes).
    server: a Server, or the URL of one running elsewhere (its CPU then reads 0)."""
    base_url = server if isinstance(server, str) else server.url
    server_cpu_s = (lambda: 0.0) if isinstance(server, str) else server.cpu_s
    url = base_url.rstrip("/") + "/api/run"
    base = ["wrk", "-t1", f"-c{connections}", "-s", str(WRK_SCRIPT)]
    args = ["--", json.dumps(body), want]
    if warmup_s > 0:
        subprocess.run([*base, f"-d{warmup_s:g}s", url, *args], check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server_cpu_s()
    out = subprocess.run([*base, f"-d{seconds:g}s", "--timeout", "30s", url, *args],
                         check=True, capture_output=True, text=True).stdout
    server_cpu = server_cpu_s() - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(out.strip().splitlines()[-1])
    return Load(
        connections=connections, requests=figures["requests"], seconds=figures["duration_us"] / 1e6,
        wrong=figures["wrong"],
        socket_errors=sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")),
        p50_ms=figures["p50_us"] / 1e3, p99_ms=figures["p99_us"] / 1e3, max_ms=figures["max_us"] / 1e3,
        client_cpu_s=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        server_cpu_s=server_cpu)
