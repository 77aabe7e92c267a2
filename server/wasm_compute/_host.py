"""Host functions (zig/ABI.md §11): the functions record `init` reads, and the calls.

The module sends a call's arguments as encoded values; this file turns them into Python
values, calls the function, and encodes what it returned, or the exception it raised, as
the reply record. Shared by every engine (through `_bridge.BridgeImports`).
"""

from __future__ import annotations

import asyncio
import inspect
import math
import re
import struct
from collections.abc import Callable, Mapping

from . import _abi

_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")

# ABI §3.1: Lua names joined by dots; `_home` and `arg` are set by every eval.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_RESERVED_FIRST = ("_home", "arg")
# ABI §2: the functions record is read from the 64 KiB buffer, after the 40-byte limits.
NAMES_BYTES_MAX = 64 * 1024 - 40
# ABI §11: tables nested deeper than this cross in neither direction.
DEPTH_MAX = 100

REPLY_VALUES = 0
REPLY_ERROR = 1
# Results that are never awaitable: most calls skip `inspect.isawaitable`.
_PLAIN = frozenset((type(None), bool, int, float, str, bytes, tuple, list, dict))
_NO_ARGS = b"\0\0\0\0"
# One nil, the reply of a function that returned None.
_ONE_NIL = bytes((REPLY_VALUES,)) + struct.pack("<I", 1) + b"\0"


class HostFunctions:
    """The host functions of one Sandbox, in the order of the functions record.

    functions: name -> callable. A call gets the Lua arguments as Python values and its
    return value becomes the Lua results (see `encode_results`). An exception becomes a
    Lua error at the call: `name: ExcType: message`.
    """

    def __init__(self, functions: Mapping[str, Callable] | None):
        functions = dict(functions or {})
        for name, fn in functions.items():
            check_name(name)
            if not callable(fn):
                raise TypeError(f"host function {name!r} is not callable: {fn!r}")
        names = list(functions)
        for name in names:
            parts = name.split(".")
            for i in range(1, len(parts)):
                prefix = ".".join(parts[:i])
                if prefix in functions:
                    raise ValueError(f"host function {prefix!r} would replace the table that holds {name!r}")
        self.names = names
        self._functions = [functions[n] for n in names]
        self.record = encode_names(names)
        if len(self.record) > NAMES_BYTES_MAX:
            raise ValueError(f"the names of the host functions take {len(self.record)} bytes;"
                             f" the limit is {NAMES_BYTES_MAX}")
        self._kept: dict[int, bytes] = {}
        self._tickets = 0
        # The event loop of an `eval_async` under way: async functions run on it.
        self.loop: asyncio.AbstractEventLoop | None = None

    def init_hint(self) -> str:
        """What may have made `init` fail, beside the limits (ABI §3.1)."""
        if not self.names:
            return ""
        return (" (or a host function's name runs through a global that is not a table,"
                " as 'print.x' would)")

    def call(self, index: int, args: bytes) -> bytes:
        """One call: the reply record (ABI §11) for the argument record `args`."""
        if not 0 <= index < len(self._functions):
            raise IndexError(f"no host function has index {index}")
        try:
            values = decode_args(args)
            result = self._functions[index](*values)
            if type(result) not in _PLAIN and inspect.isawaitable(result):
                result = self._await(result)
            return encode_results(result)
        except Exception as exc:  # noqa: BLE001 - every failure is the script's error at the call
            return encode_error(exc)

    def _await(self, awaitable):
        if self.loop is not None:
            return asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), self.loop).result()
        return asyncio.run(_as_coroutine(awaitable))

    def keep(self, reply: bytes) -> int:
        """Keeps a reply too long for the module's buffer; returns its ticket (ABI §11)."""
        self._tickets = (self._tickets + 1) & 0xFFFFFFFF
        self._kept[self._tickets] = reply
        return self._tickets

    def take(self, ticket: int, length: int) -> bytes | None:
        reply = self._kept.get(ticket)
        if reply is None or len(reply) != length:
            return None
        del self._kept[ticket]
        return reply

    def end_eval(self) -> None:
        """Replies not taken by the end of `compute` are dropped (ABI §11)."""
        self._kept.clear()


async def _as_coroutine(awaitable):
    return await awaitable


def check_name(name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"a host function's name must be a str, not {type(name).__name__}")
    if not _NAME.fullmatch(name) or not name.isascii():
        raise ValueError(f"host function name {name!r} is not Lua names joined by dots")
    if name.split(".")[0] in _RESERVED_FIRST:
        raise ValueError(f"host function name {name!r}: every eval sets {name.split('.')[0]!r}")


def encode_names(names) -> bytes:
    """The functions record (ABI §3.1)."""
    parts = [_U32.pack(len(names))]
    for name in names:
        data = name.encode("ascii")
        parts.append(_U32.pack(len(data)))
        parts.append(data)
    return b"".join(parts)


def decode_args(data: bytes) -> list:
    """The argument record as Python values: what results give (`_abi.to_python`)."""
    if data == _NO_ARGS:
        return []
    r = _abi.Reader(data)
    values = [_abi.to_python(r.value()) for _ in range(r.u32())]
    if r.at != len(data):
        raise _abi.MalformedError("trailing bytes after the arguments")
    return values


def encode_results(result) -> bytes:
    """A function's return value as a reply of values: a tuple is several results (the
    empty tuple none), anything else one."""
    if result is None:
        return _ONE_NIL
    values = result if isinstance(result, tuple) else (result,)
    parts = [bytes((REPLY_VALUES,)), _U32.pack(len(values))]
    for i, value in enumerate(values):
        _encode(value, parts, [], f"result {i + 1}" if len(values) > 1 else "the result")
    return b"".join(parts)


def encode_error(exc: BaseException) -> bytes:
    """An exception as a reply of kind 1: `ExcType: message` (ABI §11)."""
    text = str(exc)
    message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    data = message.encode("utf-8", "replace")
    return bytes((REPLY_ERROR,)) + _U32.pack(len(data)) + data


def _encode(value, parts: list, path: list, where: str) -> None:
    if value is None:
        parts.append(b"\x00")
    elif value is True:
        parts.append(b"\x02")
    elif value is False:
        parts.append(b"\x01")
    elif isinstance(value, int):
        if not -2**63 <= value < 2**63:
            raise OverflowError(f"the integer {value} does not fit in 64 bits ({where})")
        parts.append(bytes((_abi.T_INT,)) + _I64.pack(value))
    elif isinstance(value, float):
        parts.append(bytes((_abi.T_FLOAT,)) + _F64.pack(value))
    elif isinstance(value, (str, bytes, bytearray, memoryview)):
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
        parts.append(bytes((_abi.T_STRING,)) + _U32.pack(len(data)) + data)
    elif isinstance(value, (list, tuple, dict)):
        if any(v is value for v in path):
            raise ValueError(f"a {type(value).__name__} that contains itself cannot pass to Lua ({where})")
        if len(path) == DEPTH_MAX:
            raise ValueError(f"tables nested deeper than {DEPTH_MAX} cannot pass to Lua ({where})")
        path.append(value)
        items = value.items() if isinstance(value, dict) else enumerate(value, 1)
        items = list(items)
        parts.append(bytes((_abi.T_TABLE,)) + _U32.pack(len(items)))
        for key, item in items:
            _encode(_check_key(key, where), parts, path, where)
            _encode(item, parts, path, where)
        path.pop()
    else:
        raise TypeError(f"cannot pass a {type(value).__name__} to Lua ({where})")


def _check_key(key, where: str):
    """ABI §11: a key is a bool, an int, a float that is not nan, or a string."""
    if key is None or isinstance(key, (list, tuple, dict)):
        raise TypeError(f"{key!r} cannot be a Lua table key ({where})")
    if isinstance(key, float) and math.isnan(key):
        raise ValueError(f"nan cannot be a Lua table key ({where})")
    return key
