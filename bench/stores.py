"""The stores and the server scaled out: figures printed as a markdown table, never asserted.

    .venv/bin/python bench/stores.py                 # about a minute
    .venv/bin/python bench/stores.py --seconds 2     # shorter runs

1. Evals per second of a `_home` read-modify-write (`_home.n = (_home.n or 0) + 1`, one
   Sandbox per process, each eval its own transaction) through MemoryStore, SQLiteStore and
   PostgresStore, from one process and from four. Four processes on one SQLite file or one
   PostgreSQL home take turns (the file's lock, the home's row lock); four PostgreSQL homes do
   not wait for each other; four MemoryStores are four separate homes. Each shared counter
   must end at the number of evals counted, or the run fails (exit 1).
2. `POST /api/run` requests per second, p50 and p99 from wrk (8 keep-alive connections,
   harness/httpload.py) against `wasm-compute serve --workers 1` (waitress), `--workers 2` and
   `--workers 3` (gunicorn), shares in SQLite, for --seconds each; with the CPU the client and
   the server spent per second of load (the client shares the cores).

PostgreSQL is a throwaway cluster of the run's own (tests/pgcluster.py) with fsync on, as in
production; SQLite is a file under a temporary directory, in WAL mode as the store sets it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "server"), str(ROOT / "tests"), str(Path(__file__).parent)]
from harness import httpload  # noqa: E402  (bench/ is on the path now)

RMW = "_home.n = (_home.n or 0) + 1"
PROCESSES = 4
CLIENTS = 8  # wrk's keep-alive connections
WORKERS = (1, 2, 3)  # serve --workers: waitress, then gunicorn


def evals_for(kind, where, home, seconds, start, counts):
    """One process: evals for `seconds` after `start` (a multiprocessing Event) on the store at
    `where` (None: memory); puts its count."""
    from wasm_compute import Sandbox
    from wasm_compute._store import open_store

    with Sandbox(home=open_store(where, home)) as sb:
        sb.eval(RMW)  # the first eval opens the home and warms the module
        start.wait()
        n, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            r = sb.eval(RMW)
            if r.error is not None:
                raise SystemExit(f"{kind}: {r.error.message}")
            n += 1
        counts.put((home, n + 1))


def measure(kind: str, where: str | None, homes: list[str], seconds: float) -> tuple[float, str]:
    """Evals per second of len(homes) processes, and a problem or ""."""
    ctx = multiprocessing.get_context("spawn")
    start, counts = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=evals_for, args=(kind, where, home, seconds, start, counts)) for home in homes]
    for p in procs:
        p.start()
    time.sleep(3)  # every process has made its Sandbox and opened its store
    start.set()
    results = [counts.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        return 0.0, f"{kind}: a process failed"
    total = sum(n for _, n in results) - len(results)  # the warm-up evals do not count
    if where is not None:
        from wasm_compute._store import open_store

        per_home: dict = {}
        for home, n in results:
            per_home[home] = per_home.get(home, 0) + n
        for home, n in per_home.items():
            store = open_store(where, home)
            try:
                stored = store.get(1, b"n")
            finally:
                store.close()
            if stored != n:
                return 0.0, f"{kind} home {home}: the counter is {stored}, the evals {n}"
    return total / seconds, ""


def api_rps(workers: int, seconds: float) -> tuple[str, str]:
    """(the figure, a problem or "") of POST /api/run against `serve --workers N`, from wrk
    (harness/httpload.py)."""
    with tempfile.TemporaryDirectory() as data:
        server = httpload.Server(data, workers)
        try:
            load = httpload.run(server, {"code": "return 1"}, '"values":[{"i":"1"}]',
                                connections=CLIENTS, seconds=seconds)
        finally:
            server.close()
    failed = load.wrong + load.socket_errors
    return load.describe(), f"--workers {workers}: {failed} requests failed" if failed else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each store run lasts (default 5)")
    args = parser.parse_args(argv)
    from pgcluster import PgCluster

    problems: list[str] = []
    rows: list[tuple[str, str]] = []
    cluster = PgCluster(durable=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_file = os.path.join(tmp, "home.db")
            runs = [
                ("MemoryStore, 1 process", "memory", None, ["a"]),
                (f"MemoryStore, {PROCESSES} processes (a home each)", "memory", None, ["a"] * PROCESSES),
                ("SQLiteStore, 1 process", "sqlite", sqlite_file, ["a"]),
                (f"SQLiteStore, {PROCESSES} processes, one home", "sqlite", sqlite_file, ["b"] * PROCESSES),
                ("PostgresStore, 1 process", "postgres", cluster.new_database(), ["a"]),
                (f"PostgresStore, {PROCESSES} processes, one home", "postgres", cluster.new_database(),
                 ["b"] * PROCESSES),
                (f"PostgresStore, {PROCESSES} processes, a home each", "postgres", cluster.new_database(),
                 [f"h{i}" for i in range(PROCESSES)]),
            ]
            for label, kind, where, homes in runs:
                rate, problem = measure(kind, where, homes, args.seconds)
                rows.append((label, f"{rate:,.0f} evals/s"))
                if problem:
                    problems.append(problem)
                print(f"{label}: {rate:,.0f} evals/s", file=sys.stderr, flush=True)
    finally:
        cluster.close()
    missing = httpload.wrk_missing()
    for workers in WORKERS:
        server = "waitress" if workers == 1 else "gunicorn"
        label = f"`POST /api/run`, {CLIENTS} keep-alive connections, `--workers {workers}` ({server})"
        if missing:
            rows.append((label, f"n/a: {missing}"))
            continue
        figure, problem = api_rps(workers, args.seconds)
        rows.append((label, figure))
        if problem:
            problems.append(problem)
        print(f"--workers {workers}: {figure}", file=sys.stderr, flush=True)

    load = os.getloadavg()
    print(f"| what | figure |\n|---|---:|")
    for label, figure in rows:
        print(f"| {label} | {figure} |")
    print(f"\n{os.cpu_count()} cores, load average {load[0]:.2f} at the end; {args.seconds:g} s a store run.")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
