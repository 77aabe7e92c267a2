"""A throwaway PostgreSQL cluster for the tests and the benchmark: `initdb` into a temporary
directory, `pg_ctl` on a free port of 127.0.0.1, removed at the end. Nothing needs to run
beforehand; Debian's `postgresql` package (build.sh installs it) provides the binaries.

PostgreSQL refuses to run as root, so as root every command runs as the `postgres` user
(`runuser -u postgres -- ...`), which owns the directory."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

def _pg_bin() -> Path:
    """$WASM_COMPUTE_PG_BIN, else the newest of Debian's /usr/lib/postgresql/<version>/bin."""
    if os.environ.get("WASM_COMPUTE_PG_BIN"):
        return Path(os.environ["WASM_COMPUTE_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (./build.sh installs Debian's postgresql package)")
    return found[-1].parent


PG_BIN = _pg_bin()
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """One cluster. dsn(db) is a libpq URL for the database `db` (trust authentication, as the
    user `postgres`); stop() and start() keep the data, as a crashed or restarted server would."""

    def __init__(self, durable: bool = False):
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.dir = Path(tempfile.mkdtemp(prefix="wasm-compute-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                  "--locale=C")
        # fsync off makes the tests fast; a stopped or crashed server still loses nothing, since
        # the operating system keeps what PostgreSQL wrote (only a crash of the machine would
        # lose it). synchronous_commit stays on: off, a crash loses commits already
        # acknowledged, which the fault tests would rightly report. The benchmark keeps fsync on.
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.dir}",
                   "-c max_connections=200"]
        if not durable:
            options += ["-c fsync=off", "-c full_page_writes=off"]
        self._options = " ".join(options)
        self.start()

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([*self._as_postgres, str(PG_BIN / program), *args], capture_output=True, text=True,
                              timeout=START_TIMEOUT_S + 30)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{program} failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
        return proc

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", self._options,
                  "-w", "-t", str(START_TIMEOUT_S), "start")

    def stop(self, mode: str = "fast") -> None:
        """mode: "fast" (sessions are cut, a clean shutdown) or "immediate" (a crash: recovery at
        the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def dsn(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its DSN."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.dsn(name)

    def close(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
