"""The typed JSON snapshot of `_home` (zig/ABI.md §10) keeps everything plain JSON loses."""

import json
import math
import re

import pytest

from wasm_compute import MemoryStore, Sandbox
from wasm_compute._homejson import HomeJSONError, dump, load

from conftest import run


def test_round_trip_keeps_types_bytes_and_order():
    store = MemoryStore()
    with Sandbox(home=store) as sb:
        run(sb, r"""
            _home.z = 1 _home.a = 1.0 _home[3] = 'int key' _home['3'] = 'str key'
            _home.bin = '\0\255' _home.nan = 0/0 _home.neg = -0.0 _home.inf = -math.huge
            _home.t = {x = {y = true}, 10, 20} _home.no = false
        """)
    snap = json.loads(json.dumps(dump(store)))
    copy = MemoryStore()
    load(copy, snap)
    assert dump(copy) == snap
    with Sandbox(home=copy) as sb:
        r = run(sb, """
            local keys = {} for k in pairs(_home) do keys[#keys + 1] = tostring(k) end
            return table.concat(keys, ' '), math.type(_home.z), math.type(_home.a), _home[3], _home['3'],
                   _home.bin == '\\0\\255', _home.nan ~= _home.nan, 1 / _home.neg, _home.t.x.y, _home.t[2]
        """)
    assert r.values == ["z a 3 3 bin nan neg inf t no", "integer", "float", "int key", "str key",
                        True, True, -math.inf, True, 20]


@pytest.mark.parametrize("snap, fragment", [
    ([], "must be a table"),
    ({"t": [["a"]]}, "not a [key, value] pair"),
    ({"t": [[{"f": 1.5}, 1]]}, "must be an integer or a string"),
    ({"t": [["a", {"i": "99999999999999999999"}]]}, "is not a value"),
    ({"t": [["a", 1]]}, "is not a value"),
    ({"t": [["a", {"t": [["b", None]]}]]}, "is not a value"),
    ({"t": [["a", 1.0], ["a", 2.0]]}, "is not a value"),
    ({"t": [["a", {"i": "1"}], ["a", {"i": "2"}]]}, "appears twice"),
    ({"t": [["a", {"b": "***"}]]}, "is not a value"),
])
def test_invalid_snapshots_are_refused_and_change_nothing(snap, fragment):
    store = MemoryStore({"keep": 1})
    with pytest.raises(HomeJSONError, match=re.escape(fragment)):
        load(store, snap)
    assert store.snapshot() == {"keep": 1}
