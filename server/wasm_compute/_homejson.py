"""`_home` as typed JSON (zig/ABI.md §10): what the browser and the server exchange."""

from __future__ import annotations

import base64
import math
import re

from ._store import INT64_MAX, INT64_MIN, Store, TableRef
from ._wire import encode_value


# As web/home-store.js: digits only, no sign but '-', no spaces or underscores.
_DECIMAL = re.compile(r"-?[0-9]+")
# Deeper snapshots are refused: a script stores at most 100 levels at once, and
# JSON encoders recurse.
DEPTH_MAX = 200


class HomeJSONError(ValueError):
    """A snapshot that does not follow zig/ABI.md §10."""


def dump(store: Store, tid: int = Store.ROOT) -> dict:
    """The table `tid` and everything under it, in the store's order."""
    root: list = []
    stack = [(tid, root)]
    while stack:
        table, out = stack.pop()
        for key, value in store.entries(table):
            if isinstance(value, TableRef):
                child: list = []
                stack.append((value.id, child))
                out.append([encode_value(key), {"t": child}])
            else:
                out.append([encode_value(key), encode_value(value)])
    return {"t": root}


def parse(data) -> list:
    """Validates a snapshot and returns its entries as [(key, value)], where a
    nested table is again such a list. Raises HomeJSONError naming the place."""
    if not isinstance(data, dict) or set(data) != {"t"}:
        raise HomeJSONError('home: the snapshot must be a table {"t": [...]}')
    return _table(data, "home", 0)


def _table(node, path: str, depth: int) -> list:
    if depth > DEPTH_MAX:
        raise HomeJSONError(f"{path}: nested deeper than {DEPTH_MAX} levels")
    entries = node["t"]
    if not isinstance(entries, list):
        raise HomeJSONError(f'{path}: "t" must be a list of [key, value] pairs')
    out = []
    seen = set()
    for n, pair in enumerate(entries):
        if not isinstance(pair, list) or len(pair) != 2:
            raise HomeJSONError(f"{path}: entry {n} is not a [key, value] pair")
        key = _value(pair[0], f"{path} key {n}")
        if isinstance(key, (bool, float, list)):
            raise HomeJSONError(f"{path}: key {n} must be an integer or a string")
        if key in seen:
            raise HomeJSONError(f"{path}: key {key!r} appears twice")
        seen.add(key)
        where = f"{path}[{key!r}]"
        value = pair[1]
        if isinstance(value, dict) and set(value) == {"t"}:
            out.append((key, _table(value, where, depth + 1)))
        else:
            out.append((key, _value(value, where)))
    return out


def _value(node, path: str):
    if node is True or node is False:
        return node
    if isinstance(node, str):
        return node.encode("utf-8", "surrogatepass")
    if isinstance(node, dict) and len(node) == 1:
        (tag, payload), = node.items()
        if tag == "i" and isinstance(payload, str) and _DECIMAL.fullmatch(payload):
            v = int(payload, 10)
            if INT64_MIN <= v <= INT64_MAX:
                return v
        elif tag == "f":
            special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}
            if isinstance(payload, str) and payload in special:
                return special[payload]
            if isinstance(payload, (int, float)) and not isinstance(payload, bool):
                try:
                    v = float(payload)
                except OverflowError:
                    v = math.inf
                if math.isfinite(v):
                    return v
        elif tag == "b" and isinstance(payload, str):
            try:
                return base64.b64decode(payload, validate=True)
            except ValueError:  # binascii.Error, or a character that is not ASCII
                pass
    raise HomeJSONError(f"{path}: {_short(node)} is not a value of a _home snapshot")


def _short(node) -> str:
    text = repr(node)
    return text if len(text) <= 60 else text[:57] + "..."


def load(store: Store, data, tid: int = Store.ROOT) -> None:
    """Replaces table `tid` with the snapshot, in one transaction; nothing
    changes when the snapshot is invalid."""
    store.replace_tree(parse(data), tid)
