"""The host store behind Lua's `_home` (ABI §6, §6.1): the contract every backend serves.

A tree of tables with ids; each table is an insertion-ordered map from key (int or bytes) to
value (bool, int, float, bytes or TableRef). Table 1 is the root. All writes of one eval form
one transaction: begin() at the eval's first `_home` access, then commit() or rollback().

A store serves one named home; a database may hold many (`homes()`, `delete_home()`). The
backends live one a module: `_store_memory.py`, `_store_sqlite.py`, `_store_postgres.py`;
tests/test_store.py holds the one contract test suite they all pass.
"""

from __future__ import annotations

import abc
import contextlib
import json
import struct
from collections.abc import Mapping
from typing import NamedTuple, Union

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
MAX_DEPTH = 10_000  # snapshot/load_snapshot refuse deeper trees (and so cyclic Python data)
DEFAULT_HOME = "default"  # the home of a store made without a name (and of a version 1 SQLite file)
HOME_NAME_BYTES_MAX = 255  # a home's name, in UTF-8


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


def check_home_name(name) -> str:
    """A home's name: a non-empty str of at most HOME_NAME_BYTES_MAX bytes of UTF-8, no NUL
    (PostgreSQL's text cannot hold one)."""
    if type(name) is not str or name == "" or "\x00" in name:
        raise ValueError(f"a home name is a non-empty string without NUL, not {name!r}")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError(f"a home name must be valid UTF-8, not {name!r}") from None
    if size > HOME_NAME_BYTES_MAX:
        raise ValueError(f"a home name is at most {HOME_NAME_BYTES_MAX} bytes of UTF-8, not {size}")
    return name


# How the SQL backends tag a stored value (their `vtype` column). Floats are stored as their
# IEEE bits: SQLite turns a NaN REAL into NULL, and a text round trip would lose -0.0's sign or
# a NaN's payload.
VTYPE_BOOL, VTYPE_INT, VTYPE_FLOAT, VTYPE_BYTES, VTYPE_TABLE = 1, 2, 3, 4, 5
F64 = struct.Struct("<d")


class Store(abc.ABC):
    """The contract every store serves. Reads work in or out of a transaction; writes only
    between begin() and commit()/rollback(). Ids of freed tables raise NoSuchTable.

    `home` names the home the store serves. `homes()` lists the homes of its database,
    `delete_home(name)` removes one with its whole tree; a store still open on a deleted home
    reads it as empty, and its next transaction makes it again, as new (table ids start again
    at 2: an id kept from before the deletion names nothing or another table)."""

    ROOT = 1
    home: str = DEFAULT_HOME

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
        """Store a new empty table at key; returns its id, > 1 and never used before in this
        home (since it was made)."""

    @abc.abstractmethod
    def delete(self, tid: int, key: Key) -> None:
        """Remove key (absent: no-op); a table it held is freed with its whole subtree."""

    @abc.abstractmethod
    def homes(self) -> list[str]:
        """The names of the homes in this store's database, sorted."""

    @abc.abstractmethod
    def delete_home(self, name: str) -> bool:
        """Removes the home `name` and its whole tree, in a transaction of its own (waiting for
        an eval writing it to end); True when it existed. Refused while this store has a
        transaction open."""

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


class SQLReads:
    """get, entries, size and homes for a backend that keeps the tree in SQL tables (SQLite,
    PostgreSQL). Each read is one statement, so atomic outside a transaction. No row means no
    table, except for the root of a home deleted since the store opened it, which reads as empty.

    The backend gives the statements _GET (a row of value columns, the first one the type, NULL
    for no key), _ENTRIES (key, then the value columns, in the table's order), _SIZE and _HOMES,
    in its parameter style with the named parameters home, tid and key; how a key is passed to
    SQL (_sql_key) and read back (_key_of); how the value columns decode (_value_of); and _q(sql,
    params), its lock (_lock) and `home`."""

    _GET = _ENTRIES = _SIZE = _HOMES = ""

    def get(self, tid, key):
        _check_key(key)
        with self._lock:
            rows = self._q(self._GET, {"key": self._sql_key(key), "home": self.home, "tid": tid})
        if not rows:
            return self._missing(tid, None)
        return None if rows[0][0] is None else self._value_of(*rows[0])

    def entries(self, tid):
        with self._lock:
            rows = self._q(self._ENTRIES, {"home": self.home, "tid": tid})
        if not rows:
            return self._missing(tid, [])
        return [(self._key_of(row[0]), self._value_of(*row[1:])) for row in rows if row[1] is not None]

    def size(self, tid):
        with self._lock:
            rows = self._q(self._SIZE, {"home": self.home, "tid": tid})
        if not rows:
            return self._missing(tid, 0)
        return rows[0][0]

    def homes(self) -> list[str]:
        with self._lock:
            return sorted(name for (name,) in self._q(self._HOMES))

    def _missing(self, tid: int, empty):
        if tid == Store.ROOT:
            return empty
        raise NoSuchTable(tid)


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




def open_store(location: str | None, home: str = DEFAULT_HOME) -> Store:
    """The store a command line names: None for memory, a postgresql:// (or postgres://) URL for
    PostgreSQL, else the path of an SQLite file."""
    if location is None:
        return MemoryStore(home=home)
    if location.startswith(("postgresql://", "postgres://")):
        from ._store_postgres import PostgresStore

        return PostgresStore(location, home=home)
    return SQLiteStore(location, home=home)


# The backends, importable from here as before the split (each module imports this one first).
from ._store_memory import MemoryStore  # noqa: E402
from ._store_sqlite import SQLiteStore  # noqa: E402
