"""Share links kept in PostgreSQL (`serve --database postgresql://...`), for app servers on many
machines: the same interface as app.py's ShareStore (SQLite): put, get, check; a share is its
code, its input and the rest (app.py's share_extra: other files, a _home snapshot).

Nothing here touches the database before the first request of the process that serves it: a
worker that starts (or restarts) while the database is down still starts, and answers 503s
until it is back. Each request borrows a connection from a pool of this process, made at that
first request, never in a process that then forks (a gunicorn worker inherits no connection
from its master); the pool checks each connection before lending it, so service resumes by
itself when the database comes back. A failure is a StoreError naming the cause, which the app
answers with a 503.
"""

from __future__ import annotations

import os
import threading

from ._store import StoreError
from ._store_postgres import describe, ensure_schema, make_pool, require_psycopg

POOL_SIZE_MAX = 10  # connections per server process: waitress's and gunicorn's 8 threads, and /readyz
WAIT_S = 5.0  # the longest a request waits for a connection before its 503


class PostgresShareStore:
    """Shares in the table wasm_compute.shares of the database at `dsn` (made when missing)."""

    def __init__(self, dsn: str, wait_s: float = WAIT_S):
        require_psycopg()
        self.dsn = dsn
        self.wait_s = wait_s
        self._pool = None
        self._pool_pid = None
        self._schema_checked = False
        self._lock = threading.Lock()

    def _connection(self):
        with self._lock:
            if self._pool_pid != os.getpid():
                # A pool made in another process (before a fork) is not this one's to use.
                self._pool = make_pool(self.dsn, POOL_SIZE_MAX, self.wait_s, "wasm-compute shares")
                self._pool_pid = os.getpid()
            return self._pool.connection()

    def _run(self, sql: str, params=()) -> list:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            if not self._schema_checked:
                # A direct first connection: a database that is not there fails at once with
                # its reason, where the pool would wait wait_s and then only time out.
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=max(1, round(self.wait_s))) as conn:
                    ensure_schema(conn)
                    # Shares made before they had other files keep an empty rest.
                    conn.execute("ALTER TABLE wasm_compute.shares ADD COLUMN IF NOT EXISTS extra text NOT NULL DEFAULT ''")
                self._schema_checked = True
            with self._connection() as conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description is not None else []
        except (psycopg.Error, PoolTimeout) as e:
            raise StoreError(describe(e, "shares are unavailable", self.dsn, self.wait_s)) from e

    def put(self, share_id: str, code: str, stdin: str = "", extra: str = "") -> tuple[str, str, str]:
        """Stores `code`, its input and the rest under `share_id` unless it is there; returns
        what is stored, (code, input, extra)."""
        rows = self._run("INSERT INTO wasm_compute.shares (id, code, input, extra) VALUES (%s, %s, %s, %s)"
                         " ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING code, input, extra",
                         (share_id, code, stdin, extra))
        return tuple(rows[0])

    def get(self, share_id: str) -> tuple[str, str, str] | None:
        """(code, input, extra) of `share_id`, or None."""
        rows = self._run("SELECT code, input, extra FROM wasm_compute.shares WHERE id = %s", (share_id,))
        return tuple(rows[0]) if rows else None

    def check(self) -> None:
        """Raises StoreError when the database does not answer (for /readyz, and at the start)."""
        self._run("SELECT 1")

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None
