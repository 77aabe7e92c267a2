"""PostgresStore: `_home` in PostgreSQL, shared by any number of processes and machines.

Concurrency: begin() locks the home's row in `wasm_compute.homes` (SELECT ... FOR UPDATE) in
a READ COMMITTED transaction, so the evals of one home run one after the other wherever they
run, and evals of different homes never wait for each other. Every statement after the lock
sees all that the previous writer committed, so a read-modify-write loses no update. Why not
SERIALIZABLE with retries: a failed transaction could only be retried by running the eval
again, and an eval is not repeatable (its output, its clock, what it returned to the caller).
Why not an advisory lock: a row lock needs no hashing of names into keys, is released by
COMMIT, ROLLBACK or a lost connection alike, and is what delete_home() waits on too.

Connections come from a psycopg_pool.ConnectionPool (made from a DSN, or passed in so many
stores share one): each is checked when taken, so a database that restarted costs no eval,
and one lost mid-eval is discarded by the pool. psycopg and psycopg_pool are imported only
when a PostgresStore is made: they are the `postgres` extra, not needed in the browser.

Schema (in the PostgreSQL schema `wasm_compute`, made at first use; version in `meta`):
homes(hid, name, next_tid, next_seq); tables(hid, tid); entries(hid, tid, seq, key, vtype,
num, raw); shares(id, code, created) for the server (_shares_postgres.py). A key is bytea: b"i" + 8 bytes big-endian for an integer, b"s" + the bytes for a
string, so 1 and "1" differ. A value is `vtype` with `num` (bool, integer, table id) or `raw`
(the string's bytes, a float's IEEE bits: -0.0 and NaN payloads survive).
"""

from __future__ import annotations

import contextlib
import threading

from ._store import (
    DEFAULT_HOME, F64, VTYPE_BOOL, VTYPE_BYTES, VTYPE_FLOAT, VTYPE_INT, VTYPE_TABLE,
    NoSuchTable, SQLReads, Store, StoreError, TableRef, _check_key, _check_scalar, check_home_name,
)

SCHEMA_VERSION = 1
# pg_advisory_xact_lock key held while the schema is made: two processes starting on an empty
# database would otherwise race on CREATE TABLE IF NOT EXISTS (it is not atomic).
SCHEMA_LOCK_KEY = 0x7761736D  # "wasm"
POOL_SIZE_MAX = 4  # connections per store made from a DSN: one eval, plus readers of HomeView
_SCHEMA = (
    "CREATE SCHEMA IF NOT EXISTS wasm_compute",
    "CREATE TABLE wasm_compute.meta (name text PRIMARY KEY, value bigint NOT NULL)",
    "CREATE TABLE wasm_compute.homes (hid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " name text NOT NULL UNIQUE, next_tid bigint NOT NULL, next_seq bigint NOT NULL)",
    "CREATE TABLE wasm_compute.tables (hid bigint NOT NULL REFERENCES wasm_compute.homes ON DELETE CASCADE,"
    " tid bigint NOT NULL, PRIMARY KEY (hid, tid))",
    "CREATE TABLE wasm_compute.entries (hid bigint NOT NULL, tid bigint NOT NULL, seq bigint NOT NULL,"
    " key bytea NOT NULL, vtype smallint NOT NULL, num bigint, raw bytea, PRIMARY KEY (hid, tid, key),"
    " FOREIGN KEY (hid, tid) REFERENCES wasm_compute.tables ON DELETE CASCADE)",
    "CREATE INDEX entries_order ON wasm_compute.entries (hid, tid, seq)",
    # The share links of `serve --database` (_shares_postgres.py).
    "CREATE TABLE wasm_compute.shares (id text PRIMARY KEY, code text NOT NULL,"
    " input text NOT NULL DEFAULT '', created timestamptz NOT NULL DEFAULT now())",
    f"INSERT INTO wasm_compute.meta VALUES ('schema_version', {SCHEMA_VERSION})",
)
_HID = "(SELECT hid FROM wasm_compute.homes WHERE name = %(home)s)"
# set() and set_new_table() in one statement: writes only when the table exists, says whether
# it did and what the key held before (a table there must be freed).
_PUT = (
    "WITH t AS (SELECT 1 FROM wasm_compute.tables WHERE hid = %(hid)s AND tid = %(tid)s),"
    " old AS (SELECT vtype, num FROM wasm_compute.entries WHERE hid = %(hid)s AND tid = %(tid)s AND key = %(key)s),"
    " up AS (INSERT INTO wasm_compute.entries (hid, tid, seq, key, vtype, num, raw)"
    "  SELECT %(hid)s, %(tid)s, %(seq)s, %(key)s::bytea, %(vtype)s, %(num)s::bigint, %(raw)s::bytea FROM t"
    "  ON CONFLICT (hid, tid, key) DO UPDATE SET vtype = EXCLUDED.vtype, num = EXCLUDED.num, raw = EXCLUDED.raw),"
    " new AS (INSERT INTO wasm_compute.tables (hid, tid) SELECT %(hid)s, %(num)s::bigint FROM t WHERE %(is_table)s)"
    " SELECT (SELECT count(*) FROM t), (SELECT vtype FROM old), (SELECT num FROM old)"
)
_DELETE = (
    "WITH t AS (SELECT 1 FROM wasm_compute.tables WHERE hid = %(hid)s AND tid = %(tid)s),"
    " d AS (DELETE FROM wasm_compute.entries WHERE hid = %(hid)s AND tid = %(tid)s AND key = %(key)s"
    "  RETURNING vtype, num)"
    " SELECT (SELECT count(*) FROM t), (SELECT vtype FROM d), (SELECT num FROM d)"
)
# The subtree under a table, found and removed in one statement (entries go by ON DELETE CASCADE).
# OFFSET 0 keeps the planner from flattening the lateral subquery into a join, which it plans
# badly while the table's statistics are stale (a tree just written): as it is, each table's
# children are one index lookup on (hid, tid).
_FREE = (
    "WITH RECURSIVE sub(tid) AS (SELECT %(tid)s::bigint UNION ALL SELECT c.num FROM sub,"
    "  LATERAL (SELECT e.num FROM wasm_compute.entries e WHERE e.hid = %(hid)s AND e.tid = sub.tid"
    "   AND e.vtype = " + str(VTYPE_TABLE) + " OFFSET 0) c)"
    " DELETE FROM wasm_compute.tables WHERE hid = %(hid)s AND tid IN (SELECT tid FROM sub)"
)


def require_psycopg() -> None:
    """Raises a StoreError that says what to install when psycopg or psycopg_pool is missing."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as e:
        raise StoreError(f"PostgreSQL needs {e.name}: pip install 'wasm-compute[server]'") from None


def _key(key) -> bytes:
    if type(key) is int:
        return b"i" + key.to_bytes(8, "big", signed=True)
    return b"s" + key


def _unkey(data: bytes):
    data = bytes(data)
    if data[:1] == b"i":
        return int.from_bytes(data[1:], "big", signed=True)
    return data[1:]


def _encode(value) -> tuple[int, int | None, bytes | None]:
    if type(value) is bool:
        return VTYPE_BOOL, int(value), None
    if type(value) is int:
        return VTYPE_INT, value, None
    if type(value) is float:
        return VTYPE_FLOAT, None, F64.pack(value)
    return VTYPE_BYTES, None, value


def _decode(vtype: int, num, raw):
    if vtype == VTYPE_INT:
        return num
    if vtype == VTYPE_BYTES:
        return bytes(raw)
    if vtype == VTYPE_FLOAT:
        return F64.unpack(raw)[0]
    if vtype == VTYPE_BOOL:
        return bool(num)
    return TableRef(num)


def ensure_schema(conn) -> None:
    """Makes the `wasm_compute` schema when missing, in a transaction of its own, and checks
    its version. `conn` is an autocommit psycopg connection."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        if conn.execute("SELECT to_regclass('wasm_compute.meta')").fetchone()[0] is None:
            for statement in _SCHEMA:
                conn.execute(statement)
        version = conn.execute("SELECT value FROM wasm_compute.meta WHERE name = 'schema_version'").fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):  # a lost connection has no transaction left
            conn.execute("ROLLBACK")
        raise
    if version != SCHEMA_VERSION:
        raise StoreError(f"the database's wasm_compute schema is version {version};"
                         f" this code reads version {SCHEMA_VERSION}")


def make_pool(dsn: str, size_max: int, timeout_s: float, name: str):
    """An opened pool of autocommit connections to `dsn`, each checked when taken out."""
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(dsn, min_size=1, max_size=size_max, timeout=timeout_s, name=name, open=False,
                          kwargs={"autocommit": True, "connect_timeout": max(1, round(timeout_s))},
                          check=ConnectionPool.check_connection)
    pool.open(wait=False)
    return pool


def _reason(error: Exception) -> str:
    """The first line of a psycopg error, without the server's address: 'connection to server at
    "10.0.0.5", port 5432 failed: Connection refused' becomes 'Connection refused', since the
    message may reach a user of the playground (a 503)."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    if "connection to server" in lines[0] and "failed: " in lines[0]:
        return lines[0].rsplit("failed: ", 1)[1]
    return lines[0]


def describe(error: Exception, what: str, dsn: str | None, timeout_s: float) -> str:
    """A psycopg or pool error as a sentence for the user, naming the cause."""
    import psycopg
    from psycopg_pool import PoolTimeout

    if isinstance(error, psycopg.errors.LockNotAvailable):
        return f"{what}: still locked by another writer after {timeout_s} s"
    if isinstance(error, PoolTimeout):
        # The pool says only that it waited; one direct attempt says why it could not connect.
        cause = "no connection became free"
        if dsn is not None:
            try:
                psycopg.connect(dsn, connect_timeout=2).close()
            except psycopg.Error as e:
                cause = _reason(e)
        return f"{what}: no PostgreSQL connection within {timeout_s} s ({cause})"
    return f"{what}: PostgreSQL: {_reason(error)}"


class PostgresStore(SQLReads, Store):
    """The store in PostgreSQL. database: a DSN ("postgresql://user@host/db", or key=value
    form) or a psycopg_pool.ConnectionPool of autocommit connections that other stores share.
    home: which of the database's homes this store serves (made when missing). timeout_s: the
    longest wait for a connection or for another eval's lock on the home. Like a connection, a
    store belongs to the process that made it: make one in each process, after any fork."""

    _GET = ("SELECT e.vtype, e.num, e.raw FROM wasm_compute.tables t LEFT JOIN wasm_compute.entries e"
            f" ON e.hid = t.hid AND e.tid = t.tid AND e.key = %(key)s WHERE t.hid = {_HID} AND t.tid = %(tid)s")
    _ENTRIES = ("SELECT e.key, e.vtype, e.num, e.raw FROM wasm_compute.tables t LEFT JOIN wasm_compute.entries e"
                f" ON e.hid = t.hid AND e.tid = t.tid WHERE t.hid = {_HID} AND t.tid = %(tid)s ORDER BY e.seq")
    _SIZE = ("SELECT (SELECT count(*) FROM wasm_compute.entries e WHERE e.hid = t.hid AND e.tid = t.tid)"
             f" FROM wasm_compute.tables t WHERE t.hid = {_HID} AND t.tid = %(tid)s")
    _HOMES = "SELECT name FROM wasm_compute.homes"
    _sql_key = staticmethod(_key)
    _key_of = staticmethod(_unkey)
    _value_of = staticmethod(_decode)

    def __init__(self, database, home: str = DEFAULT_HOME, *, timeout_s: float = 30.0):
        require_psycopg()
        import psycopg

        self.home = check_home_name(home)
        self._timeout_s = timeout_s
        self._lock = threading.RLock()  # held from begin() to commit()/rollback()
        self._tx: dict | None = None  # the connection, the home's id and counters of the open transaction
        self._reader = None  # the connection of a multi-call read (_reading)
        self._pool, self._own_pool = None, False
        self._dsn = database if isinstance(database, str) else None
        self._where = self._dsn_text()
        try:
            if self._dsn is not None:
                # A direct first connection: a database that is not there fails at once with
                # its reason, where the pool would wait timeout_s and then only time out.
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=max(1, round(timeout_s))) as conn:
                    ensure_schema(conn)
                self._pool = make_pool(self._dsn, POOL_SIZE_MAX, timeout_s, f"wasm-compute home {home}")
                self._own_pool = True
            else:
                self._pool = database
                with self._connection() as conn:
                    self._call(ensure_schema, conn)
        except psycopg.Error as e:
            raise StoreError(describe(e, f"cannot open store {self._where}", None, timeout_s)) from e
        try:
            if self._q(f"SELECT 1 FROM wasm_compute.homes WHERE hid = {_HID}", {"home": self.home}) == []:
                self.begin()  # makes the home
                self.commit()
        except BaseException:
            self.close()
            raise

    def _dsn_text(self) -> str:
        """Where the store is, for messages, without a password."""
        if self._dsn is None:
            return "a shared pool"
        from psycopg.conninfo import conninfo_to_dict

        try:
            info = conninfo_to_dict(self._dsn)
        except Exception:
            return "PostgreSQL"
        return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"

    # ---- connections and errors ------------------------------------------------------------

    def _call(self, fn, *args):
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            return fn(*args)
        except (psycopg.Error, PoolTimeout) as e:
            raise StoreError(describe(e, self._where, self._dsn, self._timeout_s)) from e

    @contextlib.contextmanager
    def _connection(self):
        """The connection of the open transaction or read, else one from the pool for a
        statement (autocommit: atomic on its own)."""
        if self._tx is not None:
            yield self._tx["conn"]
        elif self._reader is not None:
            yield self._reader
        else:
            conn = self._call(self._pool.getconn)
            try:
                yield conn
            finally:
                self._pool.putconn(conn)

    def _q(self, sql: str, params=None) -> list:
        """The rows of one statement ([] for one that returns none)."""
        def run(conn):
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description is not None else []

        with self._connection() as conn:
            return self._call(run, conn)

    def _release(self, conn) -> None:
        """Ends whatever transaction `conn` has (a lost connection has none) and gives it back;
        the pool discards a broken one."""
        import psycopg

        try:
            if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection is broken: the pool will not hand it out again
        finally:
            self._pool.putconn(conn)

    # ---- transactions ----------------------------------------------------------------------

    def begin(self) -> None:
        self._lock.acquire()
        if self._tx is not None:
            self._lock.release()
            raise StoreError("a transaction is already open")
        conn = None
        try:
            conn = self._call(self._pool.getconn)
            self._call(self._lock_home, conn)
        except BaseException:
            if conn is not None:
                self._release(conn)
            self._lock.release()
            raise

    def _lock_home(self, conn) -> None:
        select = "SELECT hid, next_tid, next_seq FROM wasm_compute.homes WHERE name = %s FOR UPDATE"
        with conn.pipeline():  # the three statements in one round trip
            conn.execute("BEGIN")
            conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{max(1, round(self._timeout_s * 1000))}ms",))
            cursor = conn.execute(select, (self.home,))
        row = cursor.fetchone()
        if row is None:  # never made, or deleted since: made (again) empty
            made = conn.execute("INSERT INTO wasm_compute.homes (name, next_tid, next_seq) VALUES (%s, 2, 1)"
                                " ON CONFLICT (name) DO NOTHING RETURNING hid", (self.home,)).fetchone()
            if made is not None:
                conn.execute("INSERT INTO wasm_compute.tables VALUES (%s, %s)", (made[0], self.ROOT))
            row = conn.execute(select, (self.home,)).fetchone()
        hid, next_tid, next_seq = row
        self._tx = {"conn": conn, "hid": hid, "next_tid": next_tid, "next_seq": next_seq,
                    "counters": (next_tid, next_seq)}

    def commit(self) -> None:
        with self._lock:
            if self._tx is None:
                return
            tx = self._tx
            try:
                if (tx["next_tid"], tx["next_seq"]) != tx["counters"]:
                    self._q("UPDATE wasm_compute.homes SET next_tid = %(next_tid)s, next_seq = %(next_seq)s"
                            " WHERE hid = %(hid)s", tx)
                self._q("COMMIT")
            finally:
                self._end_transaction()

    def rollback(self) -> None:
        with self._lock:
            if self._tx is not None:
                self._end_transaction()

    def _end_transaction(self) -> None:
        conn, self._tx = self._tx["conn"], None
        try:
            self._release(conn)
        finally:
            self._lock.release()

    def in_transaction(self) -> bool:
        return self._tx is not None

    @contextlib.contextmanager
    def _reading(self):
        with self._lock:
            if self._tx is not None or self._reader is not None:
                yield
                return
            conn = self._call(self._pool.getconn)
            try:
                # One snapshot for every statement of the read.
                self._call(conn.execute, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                self._reader = conn
                yield
                self._reader = None
                self._call(conn.execute, "COMMIT")
            finally:
                self._reader = None
                self._release(conn)

    # ---- writes ----------------------------------------------------------------------------

    def set(self, tid, key, value):
        _check_key(key)
        _check_scalar(value)
        with self._lock:
            self._check_write()
            self._put(tid, key, *_encode(value), is_table=False)

    def set_new_table(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            new = self._tx["next_tid"]
            self._put(tid, key, VTYPE_TABLE, new, None, is_table=True)
            self._tx["next_tid"] = new + 1
            return new

    def _put(self, tid, key, vtype, num, raw, is_table) -> None:
        tx = self._tx
        seq = tx["next_seq"]
        exists, old_vtype, old_num = self._q(_PUT, {
            "hid": tx["hid"], "tid": tid, "seq": seq, "key": _key(key), "vtype": vtype,
            "num": num, "raw": raw, "is_table": is_table,
        })[0]
        if not exists:
            raise NoSuchTable(tid)
        if old_vtype is None:
            tx["next_seq"] = seq + 1
        elif old_vtype == VTYPE_TABLE:
            self._free(old_num)

    def delete(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            exists, old_vtype, old_num = self._q(_DELETE, {"hid": self._tx["hid"], "tid": tid, "key": _key(key)})[0]
            if not exists:
                raise NoSuchTable(tid)
            if old_vtype == VTYPE_TABLE:
                self._free(old_num)

    def _free(self, tid: int) -> None:
        self._q(_FREE, {"hid": self._tx["hid"], "tid": tid})

    # ---- homes -----------------------------------------------------------------------------

    def delete_home(self, name: str) -> bool:
        check_home_name(name)
        with self._lock:
            if self._tx is not None:
                raise StoreError("cannot delete a home while this store has a transaction open")
            # One statement, so one transaction: it waits for the row lock of an eval writing
            # the home, and ON DELETE CASCADE takes its tables and entries along.
            return self._q("DELETE FROM wasm_compute.homes WHERE name = %s RETURNING hid", (name,)) != []

    def close(self) -> None:
        with self._lock:
            if self._tx is not None:
                self.rollback()
            if self._own_pool and self._pool is not None:
                self._pool.close()
            self._pool = None
