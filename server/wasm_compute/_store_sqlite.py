"""SQLiteStore: `_home` in an SQLite file, shared safely by the processes of one machine.

One file holds any number of homes, each under its name. Format version 1 (one home, before
named homes) is upgraded in place to version 2 when opened; its home becomes DEFAULT_HOME.
"""

from __future__ import annotations

import contextlib
import threading
import time

from ._store import (
    DEFAULT_HOME, F64, VTYPE_BOOL, VTYPE_BYTES, VTYPE_FLOAT, VTYPE_INT, VTYPE_TABLE,
    NoSuchTable, SQLReads, Store, StoreError, TableRef, _check_key, _check_scalar, check_home_name,
)

_DECODE = {VTYPE_BOOL: bool, VTYPE_INT: int, VTYPE_FLOAT: lambda b: F64.unpack(b)[0], VTYPE_BYTES: bytes,
           VTYPE_TABLE: TableRef}

_SCHEMA_VERSION = 2
# `key` and `value` have no declared type, so SQLite keeps each value's own storage class:
# the INTEGER 1 and the BLOB b"1" are different keys. AUTOINCREMENT: a deleted home's hid is
# never given to another, so a store still open on it cannot read a newer home's tables.
_TABLES = (
    "CREATE TABLE homes (hid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " next_tid INTEGER NOT NULL, next_seq INTEGER NOT NULL)",
    "CREATE TABLE tables (hid INTEGER NOT NULL, tid INTEGER NOT NULL, PRIMARY KEY (hid, tid))",
    "CREATE TABLE entries (hid INTEGER NOT NULL, tid INTEGER NOT NULL, seq INTEGER NOT NULL, key NOT NULL,"
    " vtype INTEGER NOT NULL, value NOT NULL, PRIMARY KEY (hid, tid, key))",
    "CREATE INDEX entries_order ON entries (hid, tid, seq)",
)
# Version 1 had one home: tables(tid), entries(tid, seq, key, vtype, value), meta(next_tid, next_seq).
_UPGRADE_FROM_1 = (
    "ALTER TABLE tables RENAME TO tables_v1",
    "ALTER TABLE entries RENAME TO entries_v1",
    "DROP INDEX entries_order",
    *_TABLES,
    "INSERT INTO homes (hid, name, next_tid, next_seq) VALUES (1, :name,"
    " (SELECT value FROM meta WHERE name = 'next_tid'), (SELECT value FROM meta WHERE name = 'next_seq'))",
    "INSERT INTO tables SELECT 1, tid FROM tables_v1",
    "INSERT INTO entries SELECT 1, tid, seq, key, vtype, value FROM entries_v1",
    "DROP TABLE tables_v1",
    "DROP TABLE entries_v1",
    "DROP TABLE meta",
)
# The home's id, looked up by name in the statement itself: reads outside a transaction then
# always see the home as it is now, even if another process deleted and made it again.
_HID = "(SELECT hid FROM homes WHERE name = :home)"


def _encode(value) -> tuple[int, object]:
    if type(value) is bool:
        return VTYPE_BOOL, int(value)
    if type(value) is int:
        return VTYPE_INT, value
    if type(value) is float:
        return VTYPE_FLOAT, F64.pack(value)
    return VTYPE_BYTES, value


class SQLiteStore(SQLReads, Store):
    """The store in an SQLite file, shared safely by several processes: begin() takes the
    database's write lock (BEGIN IMMEDIATE), waiting up to timeout_s for another writer.
    home: which of the file's homes this store serves (made when missing)."""

    _GET = ("SELECT e.vtype, e.value FROM tables t LEFT JOIN entries e"
            f" ON e.hid = t.hid AND e.tid = t.tid AND e.key = :key WHERE t.hid = {_HID} AND t.tid = :tid")
    _ENTRIES = ("SELECT e.key, e.vtype, e.value FROM tables t LEFT JOIN entries e"
                f" ON e.hid = t.hid AND e.tid = t.tid WHERE t.hid = {_HID} AND t.tid = :tid ORDER BY e.seq")
    _SIZE = ("SELECT (SELECT count(*) FROM entries e WHERE e.hid = t.hid AND e.tid = t.tid)"
             f" FROM tables t WHERE t.hid = {_HID} AND t.tid = :tid")
    _HOMES = "SELECT name FROM homes"

    @staticmethod
    def _sql_key(key):
        return key

    @staticmethod
    def _key_of(stored):
        return stored

    @staticmethod
    def _value_of(vtype, value):
        return _DECODE[vtype](value)

    def __init__(self, path, timeout_s: float = 30.0, *, home: str = DEFAULT_HOME):
        # sqlite3 is imported here, not with the module: Pyodide has no sqlite3 until it is
        # loaded as a package, and the browser's Python host only needs MemoryStore.
        import sqlite3

        self.path = str(path)
        self.home = check_home_name(home)
        self._timeout_s = timeout_s
        self._lock = threading.RLock()  # one connection for all threads; held begin() to end
        self._tx: dict | None = None  # the home's id and counters while a transaction is open
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise StoreError(f"cannot open store {self.path}: {e}") from e
        try:
            self._init_schema()
            if not self._q(f"SELECT 1 FROM homes WHERE hid = {_HID}", {"home": self.home}):
                self.begin()  # makes the home
                self.commit()
        except BaseException:
            self._db.close()
            raise

    def _init_schema(self) -> None:
        version = self._q("PRAGMA user_version")[0][0]
        if version in (0, 1):
            self._set_wal()
            self._q("BEGIN IMMEDIATE")
            try:
                version = self._q("PRAGMA user_version")[0][0]  # another process may have won
                if version in (0, 1):
                    for statement in _TABLES if version == 0 else _UPGRADE_FROM_1:
                        self._q(statement, {"name": DEFAULT_HOME})
                    self._q(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                    version = _SCHEMA_VERSION
                self._q("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._q("ROLLBACK")
                raise
        if version != _SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store format version {version} is not supported"
                f" (this code reads versions 1 and {_SCHEMA_VERSION})"
            )

    def _set_wal(self) -> None:
        # WAL lets readers go on while one eval writes. Switching to it fails at once (no busy
        # handler) while another process opening the new file holds a lock, hence the retries.
        import sqlite3

        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.Error as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: cannot switch to WAL mode: {e}") from e
                time.sleep(0.01)

    def _q(self, sql: str, params=()) -> list:
        import sqlite3

        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as e:
            if "locked" in str(e):
                raise StoreError(
                    f"{self.path}: still locked by another writer after {self._timeout_s} s"
                ) from e
            raise StoreError(f"{self.path}: {e}") from e
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: {e}") from e

    def begin(self) -> None:
        self._lock.acquire()
        if self._tx is not None:
            self._lock.release()
            raise StoreError("a transaction is already open")
        try:
            self._q("BEGIN IMMEDIATE")
            # The counters live in memory until commit: nobody else writes while we hold the lock.
            row = self._q("SELECT hid, next_tid, next_seq FROM homes WHERE name = ?", (self.home,))
            if not row:  # never made, or deleted since: made (again) empty
                self._q("INSERT INTO homes (name, next_tid, next_seq) VALUES (?, 2, 1)", (self.home,))
                row = self._q("SELECT hid, next_tid, next_seq FROM homes WHERE name = ?", (self.home,))
                self._q("INSERT INTO tables VALUES (?, ?)", (row[0][0], self.ROOT))
            hid, next_tid, next_seq = row[0]
            self._tx = {"hid": hid, "next_tid": next_tid, "next_seq": next_seq}
        except BaseException:
            self._end_transaction()
            raise

    def commit(self) -> None:
        with self._lock:
            if self._tx is None:
                return
            try:
                self._q("UPDATE homes SET next_tid = :next_tid, next_seq = :next_seq WHERE hid = :hid", self._tx)
                self._q("COMMIT")
            finally:
                self._end_transaction()

    def rollback(self) -> None:
        with self._lock:
            if self._tx is not None:
                self._end_transaction()

    def _end_transaction(self) -> None:
        # Whatever failed, leave no SQLite transaction open and give back begin()'s lock hold.
        try:
            if self._db.in_transaction:
                self._q("ROLLBACK")
        finally:
            self._tx = None
            self._lock.release()

    def in_transaction(self) -> bool:
        return self._tx is not None

    @contextlib.contextmanager
    def _reading(self):
        with self._lock:
            if self._tx is not None:
                yield
                return
            self._q("BEGIN")  # a read transaction: one consistent view of committed data
            try:
                yield
            finally:
                self._q("COMMIT")

    def set(self, tid, key, value):
        _check_key(key)
        _check_scalar(value)
        with self._lock:
            self._check_write()
            self._check_table(tid)
            self._put(tid, key, *_encode(value))

    def set_new_table(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            self._check_table(tid)
            new = self._next("next_tid")
            self._q("INSERT INTO tables VALUES (?, ?)", (self._tx["hid"], new))
            self._put(tid, key, VTYPE_TABLE, new)
            return new

    def delete(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            self._check_table(tid)
            hid = self._tx["hid"]
            old = self._q("SELECT vtype, value FROM entries WHERE hid = ? AND tid = ? AND key = ?", (hid, tid, key))
            if old:
                self._q("DELETE FROM entries WHERE hid = ? AND tid = ? AND key = ?", (hid, tid, key))
                if old[0][0] == VTYPE_TABLE:
                    self._free(old[0][1])

    def _check_table(self, tid: int) -> None:
        if not self._q("SELECT 1 FROM tables WHERE hid = ? AND tid = ?", (self._tx["hid"], tid)):
            raise NoSuchTable(tid)

    def _next(self, counter: str) -> int:
        n = self._tx[counter]
        self._tx[counter] = n + 1
        return n

    def _put(self, tid: int, key, vtype: int, value) -> None:
        hid = self._tx["hid"]
        old = self._q("SELECT vtype, value FROM entries WHERE hid = ? AND tid = ? AND key = ?", (hid, tid, key))
        if old:  # an overwrite keeps the key's seq, so its place
            self._q(
                "UPDATE entries SET vtype = ?, value = ? WHERE hid = ? AND tid = ? AND key = ?",
                (vtype, value, hid, tid, key),
            )
            if old[0][0] == VTYPE_TABLE:
                self._free(old[0][1])
        else:
            self._q(
                "INSERT INTO entries (hid, tid, seq, key, vtype, value) VALUES (?, ?, ?, ?, ?, ?)",
                (hid, tid, self._next("next_seq"), key, vtype, value),
            )

    def _free(self, tid: int) -> None:
        hid = self._tx["hid"]
        stack = [tid]
        while stack:
            t = stack.pop()
            children = self._q("SELECT value FROM entries WHERE hid = ? AND tid = ? AND vtype = ?",
                               (hid, t, VTYPE_TABLE))
            stack.extend(child for (child,) in children)
            self._q("DELETE FROM entries WHERE hid = ? AND tid = ?", (hid, t))
            self._q("DELETE FROM tables WHERE hid = ? AND tid = ?", (hid, t))

    def delete_home(self, name: str) -> bool:
        check_home_name(name)
        with self._lock:
            if self._tx is not None:
                raise StoreError("cannot delete a home while this store has a transaction open")
            self._q("BEGIN IMMEDIATE")
            try:
                row = self._q("SELECT hid FROM homes WHERE name = ?", (name,))
                if row:
                    for table in ("entries", "tables", "homes"):
                        self._q(f"DELETE FROM {table} WHERE hid = ?", (row[0][0],))
                self._q("COMMIT")
            finally:
                if self._db.in_transaction:
                    self._q("ROLLBACK")
            return bool(row)

    def close(self) -> None:
        with self._lock:
            self.rollback()
            self._db.close()
