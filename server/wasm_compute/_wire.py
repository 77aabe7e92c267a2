"""Result values as typed JSON, in the encoding of `_home` snapshots (zig/ABI.md §10).

`Result.values` are Python values (see `_abi.to_python`); the browser needs to
tell an integer from a float, a byte string from text, and keep the order of a
table, exactly as in a snapshot. Two additions that a snapshot never holds:
`nil` is JSON `null`, and a value with no data (function, thread, userdata, a
cycle) is `{"o": "function: 0x..."}`.
"""

from __future__ import annotations

import base64
import math

from ._abi import LuaObject


def encode_value(v):
    """One result value as typed JSON."""
    if v is None or v is True or v is False:
        return v
    if isinstance(v, LuaObject):
        return {"o": str.__str__(v)}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": encode_float(v)}
    if isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return encode_bytes(bytes(v))
    if isinstance(v, list):
        return {"t": [[{"i": str(i)}, encode_value(x)] for i, x in enumerate(v, 1)]}
    if isinstance(v, dict):
        return {"t": [[encode_value(k), encode_value(x)] for k, x in v.items()]}
    raise TypeError(f"not a result value: {v!r}")


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
