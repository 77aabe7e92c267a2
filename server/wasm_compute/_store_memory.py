"""MemoryStore: `_home` in this process's memory (the default, and the browser's)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from ._store import (
    DEFAULT_HOME, NoSuchTable, Store, StoreError, TableRef, _check_key, _check_scalar, check_home_name,
)


_ABSENT = object()  # undo entry: the key did not exist
_WHOLE = object()  # undo entry: restore the whole table (None: the table did not exist)


class MemoryStore(Store):
    """The store in memory. Rollback replays an undo log, so a transaction costs what it
    touched, not the size of the store."""

    def __init__(self, data: Mapping | list | None = None, *, home: str = DEFAULT_HOME):
        self.home = check_home_name(home)
        self._exists = True  # False once delete_home() removed it, until the next begin()
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
        self._exists = True

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

    def homes(self) -> list[str]:
        # A MemoryStore is a database of one home: its own.
        with self._lock:
            return [self.home] if self._exists else []

    def delete_home(self, name: str) -> bool:
        check_home_name(name)
        with self._lock:
            if self._undo is not None:
                raise StoreError("cannot delete a home while this store has a transaction open")
            if name != self.home or not self._exists:
                return False
            # As in a database, a home made again is new: its table ids start again at 2.
            self._tables = {self.ROOT: {}}
            self._next_tid = 2
            self._exists = False
            return True

    def close(self) -> None:
        self.rollback()
