"""Values as typed JSON (zig/ABI.md §10), the form both hosts give to the browser.

It encodes values as the module sent them (`Result.raw_values`, `_abi.Reader`), not
the Python values of `Result.values`: a Python dict would merge the keys `1` and
`true`, and would lose a table's order. It mirrors `wireValue` in web/abi.js. Two
additions a snapshot never holds: nil is JSON `null`, and a value with no data
(function, thread, a cycle) is `{"o": "function: 0x..."}`.
"""

from __future__ import annotations

import base64
import math

from ._abi import LuaObject, LuaTable


def encode_value(v):
    """One raw value (None, bool, int, float, bytes, LuaObject, LuaTable) as typed JSON."""
    if v is None or v is True or v is False:
        return v
    if isinstance(v, LuaObject):
        return {"o": str.__str__(v)}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": encode_float(v)}
    if isinstance(v, bytes):
        return encode_bytes(v)
    if isinstance(v, LuaTable):
        pairs = list(v)
        keys = [k for k, _ in pairs]
        # A sequence is written in index order, as web/abi.js writes it.
        if keys and all(type(k) is int for k in keys) and sorted(keys) == list(range(1, len(keys) + 1)):
            pairs.sort(key=lambda kv: kv[0])
        return {"t": [[encode_value(k), encode_value(x)] for k, x in pairs]}
    raise TypeError(f"not a raw value: {v!r}")


def encode_float(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0 and math.copysign(1, x) < 0:
        return "-0"
    return x


def encode_bytes(b: bytes):
    """A JSON string when `b` is valid UTF-8, else `{"b": "<base64>"}`."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return {"b": base64.b64encode(b).decode("ascii")}


def base64_unless_text(data: bytes) -> str | None:
    """A stream's exact bytes for JSON, beside its text (`output_b64`, `stderr_b64`): None
    when `data` is valid UTF-8 (its text says it all), else the bytes in base64."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii")
