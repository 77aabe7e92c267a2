"""The host and page figures: what one eval, one `_home` access, one Sandbox,
one command, one page load and one request cost. Each function returns a
Figure; none raises for a figure it cannot take (it says why instead).
The playground's figures are in page.py."""

from __future__ import annotations

import gzip
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from . import targets
from .engines import SANDBOX_LIMITS
from .paths import ROOT, VENV_BIN, WEB


@dataclass
class Figure:
    name: str
    shown: str                 # the measured value as the report shows it
    target: str                # "≤ 30 µs"
    verdict: targets.Verdict
    how: str                   # how it was taken
    raw: dict = field(default_factory=dict)


@dataclass
class Sizes:
    """How many repetitions each figure takes; --tiny makes them small."""
    evals: int = 2000
    home_iterations: int = 100_000
    home_evals: int = 7
    sandboxes: int = 50
    cli_runs: int = 10
    page_loads: int = 10
    requests: int = 2000
    clients: int = 8

    @classmethod
    def tiny(cls) -> "Sizes":
        return cls(evals=100, home_iterations=1000, home_evals=2, sandboxes=3, cli_runs=2,
                   page_loads=1, requests=40, clients=8)


def _us(seconds: float) -> float:
    return seconds * 1e6


# ---- the Python host ---------------------------------------------------------

def python_eval_overhead(sizes: Sizes) -> Figure:
    from wasm_compute import Sandbox

    with Sandbox(**SANDBOX_LIMITS) as sb:
        for _ in range(min(200, sizes.evals)):
            sb.eval("return 1")
        times = []
        for _ in range(sizes.evals):
            started = time.perf_counter()
            sb.eval("return 1")
            times.append(time.perf_counter() - started)
    median = _us(statistics.median(times))
    return Figure("Python host: one `sb.eval(\"return 1\")`", f"{median:.1f} µs",
                  f"≤ {targets.PY_EVAL_US_MAX} µs", targets.at_most(median, targets.PY_EVAL_US_MAX),
                  f"median of {sizes.evals} evals, `time.perf_counter` around each",
                  {"median_us": median, "p90_us": _us(sorted(times)[int(len(times) * 0.9)])})


def home_loop_code(iterations: int) -> str:
    """One eval timing the same read-modify-write loop on `_home`, on a local
    table and on a global table, with os.clock() around each loop."""
    return f"""
local clock = os.clock
local t0 = clock()
for i = 1, {iterations} do _home.n = _home.n + 1 end
local t1 = clock()
local t = {{n = 0}}
for i = 1, {iterations} do t.n = t.n + 1 end
local t2 = clock()
G = {{n = 0}}
for i = 1, {iterations} do G.n = G.n + 1 end
local t3 = clock()
return t1 - t0, t2 - t1, t3 - t2
"""


def home_figures(host: str, rows: list[list[float]], sizes: Sizes, clock: str) -> list[Figure]:
    """rows: (home, local, global) seconds per eval, as home_loop_code returns them."""
    home = statistics.median(r[0] for r in rows)
    local = statistics.median(r[1] for r in rows)
    global_ = statistics.median(r[2] for r in rows)
    how = (f"{sizes.home_iterations} `_home.n = _home.n + 1` in one eval, timed inside it with "
           f"`os.clock()` ({clock}); median of {len(rows)} evals. The one write `_home` sends "
           f"when the eval ends (ABI §6.1) is outside the timed loop")
    raw = {"home_s": home, "local_s": local, "global_s": global_}
    vs_local = home / local if local > 0 else None
    vs_global = home / global_ if global_ > 0 else None
    return [
        Figure(f"{host}: `_home` loop vs a local table", _ratio(vs_local), f"≤ {targets.HOME_RATIO_MAX:g}×",
               targets.at_most(vs_local, targets.HOME_RATIO_MAX, "the loop was too fast to time"),
               how + f"; `_home` {home * 1e3:.2f} ms, local table {local * 1e3:.2f} ms", raw),
        Figure(f"{host}: `_home` loop vs a global table", _ratio(vs_global), "(reported only)",
               targets.Verdict(None, "—"), f"global table {global_ * 1e3:.2f} ms", raw),
    ]


def python_home_cost(sizes: Sizes) -> list[Figure]:
    from wasm_compute import Sandbox

    code = home_loop_code(sizes.home_iterations)
    with Sandbox(**SANDBOX_LIMITS) as sb:
        sb.eval("_home.n = 0")
        sb.eval(code)  # warm-up
        rows = []
        for _ in range(sizes.home_evals):
            r = sb.eval(code)
            if r.error is not None:
                raise RuntimeError(r.error.message)
            rows.append(r.values)
    return home_figures("Python host", rows, sizes, "the process's CPU time")


def sandbox_new(sizes: Sizes) -> Figure:
    from wasm_compute import Sandbox

    Sandbox().close()  # the module cache is warm from here on
    times = []
    for _ in range(sizes.sandboxes):
        started = time.perf_counter()
        sb = Sandbox()
        times.append(time.perf_counter() - started)
        sb.close()
    median = statistics.median(times) * 1e3
    return Figure("`Sandbox()` with the module cache warm", f"{median:.2f} ms", f"≤ {targets.SANDBOX_NEW_MS_MAX} ms",
                  targets.at_most(median, targets.SANDBOX_NEW_MS_MAX),
                  f"median of {sizes.sandboxes} constructions after a first one", {"median_ms": median})


def cli_run(sizes: Sizes) -> Figure:
    command = [str(VENV_BIN / "wasm-compute"), "run", str(ROOT / "lua" / "examples" / "hello.lua")]
    subprocess.run(command, capture_output=True)  # fills the compiled-module disk cache
    times = []
    for _ in range(sizes.cli_runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or done.stdout != b"hello\n":
            return Figure("`wasm-compute run hello.lua`", "error", f"≤ {targets.CLI_RUN_MS_MAX} ms",
                          targets.Verdict(False, f"error: {done.stderr.decode(errors='replace')[-200:]}"), "")
    median = statistics.median(times) * 1e3
    return Figure("`wasm-compute run lua/examples/hello.lua`", f"{median:.0f} ms", f"≤ {targets.CLI_RUN_MS_MAX} ms",
                  targets.at_most(median, targets.CLI_RUN_MS_MAX),
                  f"wall time of the subprocess, median of {sizes.cli_runs} runs (the compiled-module cache warm)",
                  {"median_ms": median})


def wasm_size() -> list[Figure]:
    data = (WEB / "lua.wasm").read_bytes()
    raw_kb = len(data) / 1000
    gz_kb = len(gzip.compress(data, compresslevel=9)) / 1000
    how = "web/lua.wasm; gzip -9 (Python's gzip); 1 KB = 1000 bytes"
    return [
        Figure("`lua.wasm` size", f"{raw_kb:.1f} KB", f"≤ {targets.WASM_RAW_KB_MAX} KB",
               targets.at_most(raw_kb, targets.WASM_RAW_KB_MAX), how, {"bytes": len(data)}),
        Figure("`lua.wasm` size, gzip", f"{gz_kb:.1f} KB", f"≤ {targets.WASM_GZIP_KB_MAX} KB",
               targets.at_most(gz_kb, targets.WASM_GZIP_KB_MAX), how, {"bytes": round(gz_kb * 1000)}),
    ]


# ---- the JavaScript host (the chromium engine's page) -------------------------

def js_eval_overhead(page, sizes: Sizes) -> Figure:
    per_batch = 100 if sizes.evals >= 1000 else 10
    batches = max(1, sizes.evals // per_batch)
    median = page.evaluate("([b, n]) => bench.evalOverhead(b, n)", [batches, per_batch])
    return Figure("JS host in Chromium: one `lua.run(\"return 1\")`", f"{median:.1f} µs",
                  f"≤ {targets.JS_EVAL_US_MAX} µs", targets.at_most(median, targets.JS_EVAL_US_MAX),
                  f"{batches} batches of {per_batch} evals timed with `performance.now()`; the median batch's mean",
                  {"median_us": median})


def js_home_cost(page, sizes: Sizes) -> list[Figure]:
    code = home_loop_code(sizes.home_iterations)
    page.evaluate("code => bench.evalValues(code, 1)", "_home.n = 0")
    page.evaluate("code => bench.evalValues(code, 1)", code)  # warm-up
    rows = page.evaluate("([code, n]) => bench.evalValues(code, n)", [code, sizes.home_evals])
    return home_figures("JS host in Chromium", rows, sizes, "`performance.now()`, 5 µs grain")


# ---- the server and the page ---------------------------------------------------

def api_throughput(sizes: Sizes) -> list[Figure]:
    """POST /api/run {"code": "return 1"} from `clients` threads, each with one
    keep-alive connection, `requests` in all; the server (`wasm-compute serve`'s
    waitress, 8 threads) runs in a process of its own so the clients do not
    share its interpreter lock."""
    with tempfile.TemporaryDirectory() as data_dir:
        server = subprocess.Popen(
            [sys.executable, "-c",
             "import sys; from wasm_compute.app import serve; sys.exit(serve(port=0, data_dir=sys.argv[1]))",
             data_dir],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = server.stdout.readline()  # "wasm-compute playground: http://127.0.0.1:PORT/"
            port = int(line.rstrip().rstrip("/").rsplit(":", 1)[1])
            return _load(port, sizes)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _load(port: int, sizes: Sizes) -> list[Figure]:
    body = json.dumps({"code": "return 1"})
    headers = {"Content-Type": "application/json"}

    def client(count: int, latencies: list[float], failures: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for _ in range(count):
                started = time.perf_counter()
                conn.request("POST", "/api/run", body, headers)
                response = conn.getresponse()
                data = response.read()
                latencies.append(time.perf_counter() - started)
                if response.status != 200 or json.loads(data)["error"] is not None:
                    failures.append(f"{response.status} {data[:100]!r}")
        except Exception as e:
            failures.append(f"{type(e).__name__}: {e}")
        finally:
            conn.close()

    client(min(50, sizes.requests), [], [])  # warm-up
    per_client = max(1, sizes.requests // sizes.clients)
    latencies: list[float] = []
    failures: list[str] = []
    threads = [threading.Thread(target=client, args=(per_client, latencies, failures)) for _ in range(sizes.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    done = len(latencies)
    rps = done / wall
    latencies.sort()
    p99 = latencies[min(done - 1, int(done * 0.99))] * 1e3 if done else float("nan")
    p50 = statistics.median(latencies) * 1e3 if done else float("nan")
    how = (f"{done} requests `{body}` from {sizes.clients} threads with keep-alive connections, "
           f"against `wasm-compute serve` (waitress, 8 threads) in its own process; p50 {p50:.1f} ms")
    if failures:
        how += f"; {len(failures)} failed: {failures[0]}"
    verdict = targets.at_least(rps, targets.API_RPS_MIN)
    if failures:
        verdict = targets.Verdict(False, f"error: {len(failures)} requests failed")
    return [
        Figure("`POST /api/run` throughput, 8 clients", f"{rps:.0f} req/s", f"≥ {targets.API_RPS_MIN} req/s",
               verdict, how, {"rps": rps, "p50_ms": p50, "p99_ms": p99, "failures": failures[:5]}),
        Figure("`POST /api/run` p99 latency, 8 clients", f"{p99:.1f} ms", "(reported only)",
               targets.Verdict(None, "—"), "the same run", {"p99_ms": p99}),
    ]


def _ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"
