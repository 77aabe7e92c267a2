"""ABI §6 over a Store: decodes what the module sends, encodes what it reads,
and makes the calls of one eval one transaction (§6.1).

Shared by every engine; an engine only moves bytes in and out of memory.
"""

from __future__ import annotations

import math
import struct
import time

from . import _abi
from ._store import NoSuchTable, Store, TableRef


_U32 = struct.Struct("<I")


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


class BridgeImports:
    """The imports of ABI §6, §7 and §11 as an engine answers them, over `_bridge`,
    `_clock`, `_host` (a `_host.HostFunctions`) and the engine's own `_read(ptr, n)` /
    `_write(ptr, data)`: the one copy every engine shares."""

    def _answer(self, data: bytes, ptr: int, max_len: int) -> int:
        """ABI §6: write when it fits, else say how much room it needs."""
        if len(data) <= max_len:
            self._write(ptr, data)
        return len(data)

    # ---------------------------------------------------------------- ABI §6

    def _get(self, tid, key_ptr, key_len, val_ptr, val_max):
        value = self._bridge.get(tid, self._read(key_ptr, key_len))
        if value is HomeBridge.NO_TABLE:
            return -1
        return self._answer(value, val_ptr, val_max)

    def _set(self, tid, key_ptr, key_len, val_ptr, val_len):
        return self._bridge.set(tid, self._read(key_ptr, key_len), self._read(val_ptr, val_len))

    def _delete(self, tid, key_ptr, key_len):
        return self._bridge.delete(tid, self._read(key_ptr, key_len))

    def _size(self, tid):
        return self._bridge.size(tid)

    def _keys(self, tid, buf_ptr, buf_max):
        entries = self._bridge.entries(tid)
        if entries is HomeBridge.NO_TABLE:
            return -1
        return self._answer(entries, buf_ptr, buf_max)

    # ---------------------------------------------------------------- ABI §7

    def _clock_import(self, kind):
        return self._clock(kind)

    # The monotonic time at which the running eval's timeout_ms ends; an
    # engine sets it around each compute call, none while idle.
    _deadline = math.inf

    def _deadline_import(self):
        # Past the deadline the import does not return: the exception traps
        # the call, and compute raises it (ABI §7).
        if time.monotonic() >= self._deadline:
            raise TimeoutError

    # ---------------------------------------------------------------- ABI §11

    def _host_call(self, fn_index, args_ptr, args_len, res_ptr, res_max):
        if not 0 <= fn_index < len(self._host.names):
            return -1
        reply = self._host.call(fn_index, self._read(args_ptr, args_len))
        if len(reply) <= res_max:
            self._write(res_ptr, reply)
        else:
            self._write(res_ptr, _U32.pack(self._host.keep(reply)))
        return len(reply)

    def _host_reply(self, ticket, ptr, length):
        reply = self._host.take(ticket, length)
        if reply is None:
            return -1
        self._write(ptr, reply)
        return 0
