"""The host side of zig/ABI.md: constants, the value encoding, the records.

Nothing here touches wasmtime: the same code serves every engine.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

from ._store import TableRef

# ABI §5: status codes of `compute`. The last two are the host's own, for an
# eval that never returned (a deadline, a trap).
SUCCESS = 0
ERROR_NULL_STATE = -1
ERROR_INVALID_SIZE = -2
ERROR_COMPILE_FAILED = -3
ERROR_RUNTIME_FAILED = -4
ERROR_BUFFER_OVERFLOW = -5
ERROR_MEMORY_LIMIT = -6
ERROR_INSTRUCTION_LIMIT = -7
ERROR_STORE_FAILED = -8
ERROR_TIMEOUT = -9
ERROR_TRAP = -10

# ABI §4.1 tags.
T_NIL, T_FALSE, T_TRUE, T_INT, T_FLOAT, T_STRING, T_REF, T_NEW, T_TABLE, T_OTHER = range(10)

ROOT_ID = 1

_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_U32 = struct.Struct("<I")
_LIMITS = struct.Struct("<QQIIqII")
_STATS = struct.Struct("<IIII")
# ABI §4: the result record's head.
_RECORD_HEAD = struct.Struct("<IIIIIIQII")
_unpack_head = _RECORD_HEAD.unpack_from
_unpack_i64 = _I64.unpack_from


@dataclass(frozen=True)
class Limits:
    """ABI §3. Every limit is enforced inside the module, the same on every host."""

    memory_bytes_max: int = 64 * 1024 * 1024
    instructions_max: int = 1_000_000_000
    output_bytes_max: int = 1024 * 1024
    code_bytes_max: int = 1024 * 1024
    input_bytes_max: int = 1024 * 1024

    def __post_init__(self) -> None:
        for name, top in (("memory_bytes_max", 2**32 - 1), ("instructions_max", 2**64 - 1),
                          ("output_bytes_max", 2**32 - 1), ("code_bytes_max", 2**31 - 1),
                          ("input_bytes_max", 2**31 - 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
                raise ValueError(f"{name} must be an integer from 1 to {top}, not {value!r}")

    def encode(self, random_seed: int, seed_fixed: bool) -> bytes:
        """The limits record, with the seed of math.random (ABI §3)."""
        return _LIMITS.pack(self.memory_bytes_max, self.instructions_max,
                            self.output_bytes_max, self.code_bytes_max, random_seed, int(seed_fixed),
                            self.input_bytes_max)


# ABI §2.2: bit 0 of the request's flags.
FLAG_KEEP_GLOBALS = 1


_PLAIN_HEAD = struct.Struct("<III")
# No stdin, no arguments, no modules.
_PLAIN_TAIL = bytes(12)


def encode_request(code: bytes, *, name: bytes = b"", stdin: bytes = b"", args=(),
                   keep_globals: bool = False, modules=()) -> bytes:
    """The request record `compute` reads (ABI §2.2): flags, name, code, stdin, args,
    modules ((name, source) pairs of bytes)."""
    flags = FLAG_KEEP_GLOBALS if keep_globals else 0
    if not (name or stdin or args or modules):
        return encode_plain(code, flags)
    parts = [_U32.pack(flags)]
    for field in (name, code, stdin):
        parts.append(_U32.pack(len(field)))
        parts.append(field)
    parts.append(_U32.pack(len(args)))
    for arg in args:
        parts.append(_U32.pack(len(arg)))
        parts.append(arg)
    parts.append(_U32.pack(len(modules)))
    for module_name, source in modules:
        parts.extend((_U32.pack(len(module_name)), module_name, _U32.pack(len(source)), source))
    return b"".join(parts)


def encode_plain(code: bytes, flags: int = 0) -> bytes:
    """A request with no name, input, arguments or modules, as the common eval,
    `sb.eval(code)`, sends it: in one concatenation."""
    return _PLAIN_HEAD.pack(flags, 0, len(code)) + code + _PLAIN_TAIL


class LuaObject(str):
    """A Lua value with no Python counterpart (function, thread, a cycle): its text."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{str.__str__(self)}>"


class MalformedError(ValueError):
    """Bytes from the module that do not follow the encoding."""


def encode_key(key: int | bytes) -> bytes:
    if isinstance(key, bytes):
        return bytes((T_STRING,)) + _U32.pack(len(key)) + key
    return bytes((T_INT,)) + _I64.pack(key)


def encode_value(value) -> bytes:
    """A store value (ABI §6): None, bool, int, float, bytes or TableRef."""
    if value is None:
        return b"\x00"
    if value is True:
        return b"\x02"
    if value is False:
        return b"\x01"
    if isinstance(value, TableRef):
        return bytes((T_REF,)) + _U32.pack(value.id)
    if isinstance(value, int):
        return bytes((T_INT,)) + _I64.pack(value)
    if isinstance(value, float):
        return bytes((T_FLOAT,)) + _F64.pack(value)
    if isinstance(value, bytes):
        return bytes((T_STRING,)) + _U32.pack(len(value)) + value
    raise TypeError(f"not a store value: {value!r}")


def encode_entries(entries) -> bytes:
    """The answer of `js_ext_table_keys`: u32 count, then (key, value) pairs."""
    parts = [_U32.pack(len(entries))]
    for key, value in entries:
        parts.append(encode_key(key))
        parts.append(encode_value(value))
    return b"".join(parts)


class Reader:
    __slots__ = ("data", "at")

    def __init__(self, data: bytes | bytearray | memoryview, at: int = 0):
        self.data = data
        self.at = at

    def take(self, n: int) -> bytes:
        end = self.at + n
        if end > len(self.data):
            raise MalformedError("record ends early")
        chunk = bytes(self.data[self.at:end])
        self.at = end
        return chunk

    def u32(self) -> int:
        return self._unpack(_U32)

    def _unpack(self, fmt: struct.Struct):
        try:
            (v,) = fmt.unpack_from(self.data, self.at)
        except struct.error:
            raise MalformedError("record ends early") from None
        self.at += fmt.size
        return v

    def value(self, allow_new: bool = False):
        """One value. Tables (tag 8) come back as lists of (key, value) pairs."""
        if self.at >= len(self.data):
            raise MalformedError("record ends early")
        tag = self.data[self.at]
        self.at += 1
        if tag == T_INT:
            return self._unpack(_I64)
        if tag == T_STRING:
            return self.take(self._unpack(_U32))
        if tag == T_NIL:
            return None
        if tag == T_FALSE:
            return False
        if tag == T_TRUE:
            return True
        if tag == T_FLOAT:
            return self._unpack(_F64)
        if tag == T_REF:
            return TableRef(self._unpack(_U32))
        if tag == T_NEW and allow_new:
            return NEW_TABLE
        if tag == T_TABLE:
            return LuaTable([(self.value(), self.value()) for _ in range(self._unpack(_U32))])
        if tag == T_OTHER:
            return LuaObject(self.take(self._unpack(_U32)).decode("utf-8", "replace"))
        raise MalformedError(f"unexpected tag {tag}")

    def key(self) -> int | bytes:
        key = self.value()
        if isinstance(key, bool) or not isinstance(key, (int, bytes)):
            raise MalformedError(f"invalid key {key!r}")
        return key


NEW_TABLE = object()


class LuaTable(list):
    """A table of a result, as the module sent it: (key, value) pairs in order."""

    __slots__ = ()


class RawResult(NamedTuple):
    status: int
    output: bytes
    stderr: bytes
    values: list
    message: bytes
    traceback: bytes
    instructions: int
    heap_used: int
    heap_peak: int


def parse_record(status: int, data: bytes) -> RawResult:
    """The result record (ABI §4): its head says where each part is."""
    try:
        (n_output, n_stderr, count, n_values, n_message, n_traceback, instructions, heap_used,
         heap_peak) = _unpack_head(data)
    except struct.error:
        raise MalformedError("record ends early") from None
    stderr_at = _RECORD_HEAD.size + n_output
    values_at = stderr_at + n_stderr
    message_at = values_at + n_values
    traceback_at = message_at + n_message
    end = traceback_at + n_traceback
    if end != len(data):
        raise MalformedError("record ends early" if end > len(data) else "trailing bytes after the record")
    if count == 1 and n_values == 1 + _I64.size and data[values_at] == T_INT:
        # One integer, the most common result, without a Reader.
        values = [_unpack_i64(data, values_at + 1)[0]]
    else:
        r = Reader(memoryview(data)[:message_at], values_at)
        values = [r.value() for _ in range(count)]
        if r.at != message_at:
            raise MalformedError("trailing bytes after the values")
    # tuple.__new__ skips the named tuple's own __new__, a Python function.
    return _new_tuple(RawResult, (status, data[_RECORD_HEAD.size:stderr_at], data[stderr_at:values_at], values,
                                  data[message_at:traceback_at], data[traceback_at:end], instructions, heap_used,
                                  heap_peak))


_new_tuple = tuple.__new__


def parse_memory_stats(data: bytes) -> dict:
    used, total, peak, gc_count = _STATS.unpack(data)
    return {"heap_used": used, "heap_total": total, "heap_peak": peak, "gc_count": gc_count}


STATS_SIZE = _STATS.size


def text(b: bytes) -> str | bytes:
    """Lua strings: str when they are valid UTF-8, the bytes otherwise."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b


def to_python(value):
    """A decoded result value as plain Python data (ABI §4.1 → the public API)."""
    if isinstance(value, bytes):
        return text(value)
    if isinstance(value, LuaTable):
        items = [(to_python(k), to_python(v)) for k, v in value]
        keys = [k for k, _ in items]
        n = len(items)
        if n and all(type(k) is int for k in keys) and sorted(keys) == list(range(1, n + 1)):
            return [v for _, v in sorted(items, key=lambda kv: kv[0])]
        return {(k if _hashable(k) else repr(k)): v for k, v in items}
    return value


def _hashable(k) -> bool:
    try:
        hash(k)
    except TypeError:
        return False
    return True
