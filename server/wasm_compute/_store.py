"""The host store behind Lua's `_home` (ABI §6, §6.1).

A tree of tables with ids; each table is an insertion-ordered map from key (int or bytes) to
value (bool, int, float, bytes or TableRef). Table 1 is the root. All writes of one eval form
one transaction: begin() at the eval's first `_home` access, then commit() or rollback().
"""

from __future__ import annotations

import abc
import contextlib
import json
import struct
import threading
import time
from collections.abc import Mapping
from typing import NamedTuple, Union

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
MAX_DEPTH = 10_000  # snapshot/load_snapshot refuse deeper trees (and so cyclic Python data)


class TableRef(NamedTuple):
    """A value that is a nested table. A tuple, so never equal to the int key or value `id`."""

    id: int


Key = Union[int, bytes]
Value = Union[bool, int, float, bytes, TableRef]


class StoreError(Exception):
    """The store cannot do what was asked (locked too long, unwritable file, misuse)."""


class NoSuchTable(KeyError):
    """The table id does not exist (never made, or freed with its subtree)."""

    def __init__(self, tid: int):
        super().__init__(tid)
        self.tid = tid

    def __str__(self) -> str:
        return f"no such table: {self.tid}"


def _check_key(key) -> None:
    # `type(...) is` rather than isinstance: True must not pass as the key 1.
    if type(key) is bytes or (type(key) is int and INT64_MIN <= key <= INT64_MAX):
        return
    raise TypeError(f"a store key is a 64-bit int or bytes, not {key!r}")


def _check_scalar(value) -> None:
    t = type(value)
    if t is bool or t is float or t is bytes or (t is int and INT64_MIN <= value <= INT64_MAX):
        return
    raise TypeError(f"a stored value is a bool, 64-bit int, float or bytes, not {value!r}")


class Store(abc.ABC):
    """The contract every store serves. Reads work in or out of a transaction; writes only
    between begin() and commit()/rollback(). Ids of freed tables raise NoSuchTable."""

    ROOT = 1

    @abc.abstractmethod
    def begin(self) -> None:
        """Open the eval's transaction (and take the write lock, for a shared store)."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the writes since begin() durable and visible. No-op without a transaction."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Restore the exact state of begin(). No-op without a transaction."""

    @abc.abstractmethod
    def in_transaction(self) -> bool:
        """True between begin() and commit()/rollback()."""

    @abc.abstractmethod
    def get(self, tid: int, key: Key) -> Value | None:
        """The value at key, or None when the key is absent."""

    @abc.abstractmethod
    def entries(self, tid: int) -> list[tuple[Key, Value]]:
        """All (key, value) pairs in the table's order."""

    @abc.abstractmethod
    def size(self, tid: int) -> int: ...

    @abc.abstractmethod
    def set(self, tid: int, key: Key, value: Value) -> None:
        """Store a scalar; a table it replaces is freed with its whole subtree."""

    @abc.abstractmethod
    def set_new_table(self, tid: int, key: Key) -> int:
        """Store a new empty table at key; returns its id, never used before and > 1."""

    @abc.abstractmethod
    def delete(self, tid: int, key: Key) -> None:
        """Remove key (absent: no-op); a table it held is freed with its whole subtree."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store; an open transaction is rolled back."""

    def _reading(self):
        """Context held around a multi-call read, so it sees one consistent state."""
        return contextlib.nullcontext()

    def _check_write(self) -> None:
        if not self.in_transaction():
            raise StoreError("store write outside a transaction (call begin() first)")

    def snapshot(self, tid: int = ROOT) -> dict | list:
        """The table as plain Python: bytes become str when valid UTF-8; a table whose keys
        are exactly 1..n (n >= 1) becomes a list, any other a dict in the store's order."""
        result: list = [None]
        # Top-down with an explicit stack: a child container is put in its parent's slot
        # (holding the slot's place in a dict) and filled when popped.
        stack = [(tid, result, 0, 0)]
        with self._reading():
            while stack:
                t, parent, slot, depth = stack.pop()
                if depth > MAX_DEPTH:
                    raise ValueError(f"_home is nested deeper than {MAX_DEPTH} levels")
                items = self.entries(t)
                n = len(items)
                if n and all(type(k) is int and 1 <= k <= n for k, _ in items):
                    out: dict | list = [None] * n
                    slots = [k - 1 for k, _ in items]
                else:
                    out = {}
                    slots = [_to_python(k) for k, _ in items]
                parent[slot] = out
                for s, (_, v) in zip(slots, items):
                    if type(v) is TableRef:
                        out[s] = None
                        stack.append((v.id, out, s, depth + 1))
                    else:
                        out[s] = _to_python(v)
        return result[0]

    def load_snapshot(self, data: Mapping | list, tid: int = ROOT) -> None:
        """Replace the contents of table tid with Python data (the reverse of snapshot).
        Everything is validated first: on ValueError the store is unchanged."""
        self.replace_tree(_from_python(data), tid)

    def replace_tree(self, entries: list, tid: int = ROOT) -> None:
        """Replace the contents of table tid with validated entries [(key, value)], where a
        nested table is again such a list; in one transaction."""
        self.begin()
        try:
            for key, _ in self.entries(tid):
                self.delete(tid, key)
            stack = [(tid, entries)]
            while stack:
                t, items = stack.pop()
                for key, value in items:
                    if type(value) is list:  # a nested table
                        stack.append((self.set_new_table(t, key), value))
                    else:
                        self.set(t, key, value)
        except BaseException:
            self.rollback()
            raise
        self.commit()


def _to_python(x):
    if type(x) is bytes:
        try:
            return x.decode("utf-8")
        except UnicodeDecodeError:
            return x
    return x


def _path_text(path) -> str:
    keys = []
    while path is not None:
        path, key = path
        keys.append(key)
    parts = []
    for key in reversed(keys):
        text = _to_python(key)
        parts.append(json.dumps(text, ensure_ascii=False) if type(text) is str else repr(text))
    return "home" + "".join(f"[{p}]" for p in parts)


def _from_python(data) -> list:
    """Validate Python data into nested lists of (key, value) pairs, a nested list standing
    for a nested table. Paths are (parent, key) links, so deep data costs no quadratic copy."""
    if not isinstance(data, (Mapping, list)):
        raise ValueError(f"home: cannot store {type(data).__name__} (a dict or list is needed)")
    root: list = []
    stack = [(data, root, None, 0)]
    while stack:
        obj, out, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{_path_text(path)}: nested deeper than {MAX_DEPTH} levels (a cycle?)")
        seen = set()
        for k, v in (enumerate(obj, 1) if isinstance(obj, list) else obj.items()):
            key = _key_from_python(k, path)
            here = (path, key)
            if key in seen:
                raise ValueError(f"{_path_text(here)}: duplicate key (str and bytes keys meet in UTF-8)")
            seen.add(key)
            if v is None:  # as in Lua: nil is the absence of the key
                continue
            t = type(v)
            if isinstance(v, (Mapping, list)):
                child: list = []
                out.append((key, child))
                stack.append((v, child, here, depth + 1))
            elif t is str:
                out.append((key, _utf8(v, here)))
            elif t is int and not INT64_MIN <= v <= INT64_MAX:
                raise ValueError(f"{_path_text(here)}: integer {v} does not fit in 64 bits")
            elif t in (bool, int, float, bytes):
                out.append((key, v))
            else:
                raise ValueError(f"{_path_text(here)}: cannot store {t.__name__}")
    return root


def _key_from_python(k, path) -> Key:
    if type(k) is str:
        return _utf8(k, path)
    if type(k) is bytes or (type(k) is int and INT64_MIN <= k <= INT64_MAX):
        return k
    raise ValueError(f"{_path_text(path)}: cannot use {k!r} as a key (str, bytes or 64-bit int)")


def _utf8(s: str, path) -> bytes:
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"{_path_text(path)}: string is not valid UTF-8 ({e.reason})") from None


_ABSENT = object()  # undo entry: the key did not exist
_WHOLE = object()  # undo entry: restore the whole table (None: the table did not exist)


class MemoryStore(Store):
    """The store in memory. Rollback replays an undo log, so a transaction costs what it
    touched, not the size of the store."""

    def __init__(self, data: Mapping | list | None = None):
        self._tables: dict[int, dict] = {self.ROOT: {}}
        self._next_tid = 2
        self._undo: list | None = None  # a list while a transaction is open
        self._copied: set[int] = set()  # tables whose pre-transaction copy is in _undo
        self._lock = threading.RLock()  # held from begin() to commit()/rollback()
        if data is not None:
            self.load_snapshot(data)

    def begin(self) -> None:
        self._lock.acquire()
        if self._undo is not None:
            self._lock.release()
            raise StoreError("a transaction is already open")
        self._undo = []
        self._copied = set()

    def commit(self) -> None:
        with self._lock:
            if self._undo is not None:
                self._undo = None
                self._lock.release()

    def rollback(self) -> None:
        with self._lock:
            if self._undo is None:
                return
            for tid, key, old in reversed(self._undo):
                if key is _WHOLE:
                    if old is None:
                        del self._tables[tid]
                    else:
                        self._tables[tid] = old
                elif old is _ABSENT:
                    del self._tables[tid][key]
                else:
                    self._tables[tid][key] = old
            self._undo = None
            self._lock.release()

    def in_transaction(self) -> bool:
        return self._undo is not None

    def _reading(self):
        return self._lock

    def _table(self, tid: int) -> dict:
        try:
            return self._tables[tid]
        except KeyError:
            raise NoSuchTable(tid) from None

    def get(self, tid, key):
        _check_key(key)
        with self._lock:
            return self._table(tid).get(key)

    def entries(self, tid):
        with self._lock:
            return list(self._table(tid).items())

    def size(self, tid):
        with self._lock:
            return len(self._table(tid))

    def set(self, tid, key, value):
        _check_key(key)
        _check_scalar(value)
        with self._lock:
            self._check_write()
            self._put(self._table(tid), tid, key, value)

    def set_new_table(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            table = self._table(tid)
            new = self._next_tid
            self._next_tid += 1
            self._tables[new] = {}
            self._undo.append((new, _WHOLE, None))
            self._put(table, tid, key, TableRef(new))
            return new

    def delete(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            table = self._table(tid)
            if key not in table:
                return
            # A dict cannot reinsert a key at its old place, so the first delete in a table
            # saves a copy of it for rollback; the table's later writes need no log entries,
            # since rollback restores the copy before undoing the entries that preceded it.
            if tid not in self._copied:
                self._copied.add(tid)
                self._undo.append((tid, _WHOLE, dict(table)))
            old = table.pop(key)
            if type(old) is TableRef:
                self._free(old.id)

    def _put(self, table: dict, tid: int, key, value) -> None:
        old = table.get(key, _ABSENT)
        if tid not in self._copied:
            self._undo.append((tid, key, old))
        table[key] = value
        if type(old) is TableRef:
            self._free(old.id)

    def _free(self, tid: int) -> None:
        stack = [tid]
        while stack:
            t = stack.pop()
            table = self._tables.pop(t)
            # Freed tables are never written again, so the log can keep them as they are.
            self._undo.append((t, _WHOLE, table))
            stack.extend(v.id for v in table.values() if type(v) is TableRef)

    def close(self) -> None:
        self.rollback()


# SQLite value types (the `vtype` column); floats are stored as their IEEE bits because
# SQLite turns a NaN REAL into NULL.
_BOOL, _INT, _FLOAT, _BYTES, _TABLE = 1, 2, 3, 4, 5
_F64 = struct.Struct("<d")
_DECODE = {_BOOL: bool, _INT: int, _FLOAT: lambda b: _F64.unpack(b)[0], _BYTES: bytes, _TABLE: TableRef}

_SCHEMA_VERSION = 1
# `key` and `value` have no declared type, so SQLite keeps each value's own storage class:
# the INTEGER 1 and the BLOB b"1" are different keys.
_SCHEMA = (
    "CREATE TABLE tables (tid INTEGER PRIMARY KEY)",
    "CREATE TABLE entries (tid INTEGER NOT NULL, seq INTEGER NOT NULL, key NOT NULL,"
    " vtype INTEGER NOT NULL, value NOT NULL, PRIMARY KEY (tid, key))",
    "CREATE INDEX entries_order ON entries (tid, seq)",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO tables VALUES (1)",
    "INSERT INTO meta VALUES ('next_tid', 2), ('next_seq', 1)",
    f"PRAGMA user_version = {_SCHEMA_VERSION}",
)


def _encode(value) -> tuple[int, object]:
    if type(value) is bool:
        return _BOOL, int(value)
    if type(value) is int:
        return _INT, value
    if type(value) is float:
        return _FLOAT, _F64.pack(value)
    return _BYTES, value


class SQLiteStore(Store):
    """The store in an SQLite file, shared safely by several processes: begin() takes the
    database's write lock (BEGIN IMMEDIATE), waiting up to timeout_s for another writer."""

    def __init__(self, path, timeout_s: float = 30.0):
        # sqlite3 is imported here, not with the module: Pyodide has no sqlite3 until it is
        # loaded as a package, and the browser's Python host only needs MemoryStore.
        import sqlite3

        self.path = str(path)
        self._timeout_s = timeout_s
        self._lock = threading.RLock()  # one connection for all threads; held begin() to end
        self._tx: dict | None = None  # meta counters while a transaction is open
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise StoreError(f"cannot open store {self.path}: {e}") from e
        try:
            self._init_schema()
        except BaseException:
            self._db.close()
            raise

    def _init_schema(self) -> None:
        version = self._q("PRAGMA user_version")[0][0]
        if version == 0:
            self._set_wal()
            self._q("BEGIN IMMEDIATE")
            try:
                version = self._q("PRAGMA user_version")[0][0]  # another process may have won
                if version == 0:
                    for statement in _SCHEMA:
                        self._q(statement)
                    version = _SCHEMA_VERSION
                self._q("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._q("ROLLBACK")
                raise
        if version != _SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store format version {version} is not supported"
                f" (this code reads version {_SCHEMA_VERSION})"
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
            self._tx = dict(self._q("SELECT name, value FROM meta"))
        except BaseException:
            self._end_transaction()
            raise

    def commit(self) -> None:
        with self._lock:
            if self._tx is None:
                return
            try:
                for name, value in self._tx.items():
                    self._q("UPDATE meta SET value = ? WHERE name = ?", (value, name))
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

    # Each read is one statement (so atomic outside a transaction); no row means no table.

    def get(self, tid, key):
        _check_key(key)
        with self._lock:
            rows = self._q(
                "SELECT e.vtype, e.value FROM tables t"
                " LEFT JOIN entries e ON e.tid = t.tid AND e.key = ? WHERE t.tid = ?",
                (key, tid),
            )
        if not rows:
            raise NoSuchTable(tid)
        vtype, value = rows[0]
        return None if vtype is None else _DECODE[vtype](value)

    def entries(self, tid):
        with self._lock:
            rows = self._q(
                "SELECT e.key, e.vtype, e.value FROM tables t"
                " LEFT JOIN entries e ON e.tid = t.tid WHERE t.tid = ? ORDER BY e.seq",
                (tid,),
            )
        if not rows:
            raise NoSuchTable(tid)
        return [(k, _DECODE[vtype](v)) for k, vtype, v in rows if vtype is not None]

    def size(self, tid):
        with self._lock:
            rows = self._q(
                "SELECT (SELECT count(*) FROM entries e WHERE e.tid = t.tid)"
                " FROM tables t WHERE t.tid = ?",
                (tid,),
            )
        if not rows:
            raise NoSuchTable(tid)
        return rows[0][0]

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
            self._q("INSERT INTO tables VALUES (?)", (new,))
            self._put(tid, key, _TABLE, new)
            return new

    def delete(self, tid, key):
        _check_key(key)
        with self._lock:
            self._check_write()
            self._check_table(tid)
            old = self._q("SELECT vtype, value FROM entries WHERE tid = ? AND key = ?", (tid, key))
            if old:
                self._q("DELETE FROM entries WHERE tid = ? AND key = ?", (tid, key))
                if old[0][0] == _TABLE:
                    self._free(old[0][1])

    def _check_table(self, tid: int) -> None:
        if not self._q("SELECT 1 FROM tables WHERE tid = ?", (tid,)):
            raise NoSuchTable(tid)

    def _next(self, counter: str) -> int:
        n = self._tx[counter]
        self._tx[counter] = n + 1
        return n

    def _put(self, tid: int, key, vtype: int, value) -> None:
        old = self._q("SELECT vtype, value FROM entries WHERE tid = ? AND key = ?", (tid, key))
        if old:  # an overwrite keeps the key's seq, so its place
            self._q(
                "UPDATE entries SET vtype = ?, value = ? WHERE tid = ? AND key = ?",
                (vtype, value, tid, key),
            )
            if old[0][0] == _TABLE:
                self._free(old[0][1])
        else:
            self._q(
                "INSERT INTO entries (tid, seq, key, vtype, value) VALUES (?, ?, ?, ?, ?)",
                (tid, self._next("next_seq"), key, vtype, value),
            )

    def _free(self, tid: int) -> None:
        stack = [tid]
        while stack:
            t = stack.pop()
            children = self._q("SELECT value FROM entries WHERE tid = ? AND vtype = ?", (t, _TABLE))
            stack.extend(child for (child,) in children)
            self._q("DELETE FROM entries WHERE tid = ?", (t,))
            self._q("DELETE FROM tables WHERE tid = ?", (t,))

    def close(self) -> None:
        with self._lock:
            self.rollback()
            self._db.close()
