"""ABI §6 over a Store: decodes what the module sends, encodes what it reads,
and makes the calls of one eval one transaction (§6.1).

Shared by every engine; an engine only moves bytes in and out of memory.
"""

from __future__ import annotations

from . import _abi
from ._store import NoSuchTable, Store, TableRef


class HomeBridge:
    NO_TABLE = object()

    def __init__(self, store: Store):
        self.store = store
        self._active = False

    def _begin(self) -> None:
        # The first `_home` call of an eval opens its transaction: a store
        # shared by processes takes its write lock here (ABI §6.1).
        if not self._active:
            self.store.begin()
            self._active = True

    def finish(self, committed: bool) -> None:
        if not self._active:
            return
        self._active = False
        if committed:
            self.store.commit()
        else:
            self.store.rollback()

    def get(self, tid: int, key: bytes):
        self._begin()
        try:
            value = self.store.get(tid, _abi.Reader(key).key())
        except NoSuchTable:
            return self.NO_TABLE
        return _abi.encode_value(value)

    def entries(self, tid: int):
        self._begin()
        try:
            return _abi.encode_entries(self.store.entries(tid))
        except NoSuchTable:
            return self.NO_TABLE

    def size(self, tid: int) -> int:
        self._begin()
        try:
            return self.store.size(tid)
        except NoSuchTable:
            return -1

    def set(self, tid: int, key: bytes, value: bytes) -> int:
        self._begin()
        try:
            k = _abi.Reader(key).key()
            v = _abi.Reader(value).value(allow_new=True)
        except _abi.MalformedError:
            return -2
        try:
            if v is _abi.NEW_TABLE:
                return self.store.set_new_table(tid, k)
            if v is None or isinstance(v, (TableRef, _abi.LuaTable, _abi.LuaObject)):
                return -2
            self.store.set(tid, k, v)
            return 0
        except NoSuchTable:
            return -1

    def delete(self, tid: int, key: bytes) -> int:
        self._begin()
        try:
            self.store.delete(tid, _abi.Reader(key).key())
        except _abi.MalformedError:
            return -2
        except NoSuchTable:
            return -1
        return 0
