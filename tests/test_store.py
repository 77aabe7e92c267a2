"""The host store behind `_home` (ABI §6): ordering, the tree, transactions, snapshots, SQLite."""

import contextlib
import math
import re
import sqlite3
import struct
import threading
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wasm_compute._store import (
    MemoryStore,
    NoSuchTable,
    SQLiteStore,
    StoreError,
    TableRef,
)

from conftest import run_in_processes


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    s = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "home.db")
    yield s
    s.close()


@contextlib.contextmanager
def tx(store):
    store.begin()
    try:
        yield store
    except BaseException:
        store.rollback()
        raise
    store.commit()


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def typed(entries):
    """Entries with value types made explicit: 1 == 1.0 == True would hide a lost type."""
    return [(k, type(v).__name__, bits(v) if type(v) is float else v) for k, v in entries]


def sqlite_rows(path):
    db = sqlite3.connect(path)
    try:
        return (
            db.execute("SELECT count(*) FROM entries").fetchone()[0],
            db.execute("SELECT count(*) FROM tables").fetchone()[0],
        )
    finally:
        db.close()


# --- the data model --------------------------------------------------------------------------


def test_root_always_exists_and_starts_empty(store):
    assert store.entries(1) == []
    assert store.size(1) == 0
    assert store.get(1, b"x") is None
    assert store.snapshot() == {}


def test_unknown_table_raises_no_such_table(store):
    for read in (lambda: store.get(7, b"k"), lambda: store.entries(7), lambda: store.size(7)):
        with pytest.raises(NoSuchTable):
            read()
    with tx(store):
        for write in (
            lambda: store.set(7, b"k", 1),
            lambda: store.set_new_table(7, b"k"),
            lambda: store.delete(7, b"k"),
        ):
            with pytest.raises(KeyError):  # NoSuchTable is a KeyError
                write()


def test_order_new_at_end_overwrite_in_place_readd_at_end(store):
    with tx(store):
        for k in (b"a", b"b", b"c"):
            store.set(1, k, k)
    assert [k for k, _ in store.entries(1)] == [b"a", b"b", b"c"]
    with tx(store):
        store.set(1, b"b", 2)
    assert store.entries(1) == [(b"a", b"a"), (b"b", 2), (b"c", b"c")]
    with tx(store):
        store.delete(1, b"a")
        store.set(1, b"a", 1)
    assert store.entries(1) == [(b"b", 2), (b"c", b"c"), (b"a", 1)]
    with tx(store):  # the same in one transaction, as the module sends it
        store.delete(1, b"b")
        store.set(1, b"d", 4)
        store.set(1, b"b", 5)
        store.set(1, b"c", 3)
    assert store.entries(1) == [(b"c", 3), (b"a", 1), (b"d", 4), (b"b", 5)]


def test_int_and_bytes_keys_are_distinct(store):
    keys = [1, b"1", 0, b"", -(2**63), 2**63 - 1, b"\x00\xff"]
    with tx(store):
        for i, k in enumerate(keys):
            store.set(1, k, i)
    assert store.size(1) == len(keys)
    assert [store.get(1, k) for k in keys] == list(range(len(keys)))
    assert store.entries(1) == [(k, i) for i, k in enumerate(keys)]
    assert store.get(1, 2) is None and store.get(1, b"2") is None


def test_value_types_round_trip_exactly(store):
    payload_nan = struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0]
    values = [True, False, 0, 1, -(2**63), 2**63 - 1, 1.0, -0.0, 0.0, math.inf, -math.inf,
              math.nan, payload_nan, b"", b"\x00\xff", 0.1]
    with tx(store):
        for i, v in enumerate(values):
            store.set(1, i, v)
    assert typed(store.entries(1)) == typed(enumerate(values))
    assert typed([(0, store.get(1, 12))]) == typed([(0, payload_nan)])


def test_bad_keys_and_values_are_refused(store):
    with tx(store):
        for key in (True, 1.0, "s", 2**63):
            with pytest.raises(TypeError):
                store.set(1, key, 1)
        for value in (None, "s", 2**63, TableRef(1), [1]):
            with pytest.raises(TypeError):
                store.set(1, b"k", value)
    assert store.entries(1) == []


def test_writes_need_a_transaction(store):
    with pytest.raises(StoreError):
        store.set(1, b"k", 1)
    store.begin()
    with pytest.raises(StoreError):
        store.begin()
    assert store.in_transaction()
    store.commit()
    assert not store.in_transaction()
    store.rollback()  # the host may roll back an eval that never touched _home
    assert store.entries(1) == []


# --- the tree ------------------------------------------------------------------------------


def build_subtree(store):
    """root.a -> t1 {x: t2 {y: t3 {}}, z: t4 {}}; returns the four ids."""
    with tx(store):
        t1 = store.set_new_table(1, b"a")
        t2 = store.set_new_table(t1, b"x")
        t3 = store.set_new_table(t2, b"y")
        t4 = store.set_new_table(t1, b"z")
        store.set(t2, 5, b"five")
        store.set(1, b"keep", 1)
    return [t1, t2, t3, t4]


def test_new_tables_get_fresh_ids(store):
    ids = build_subtree(store)
    assert len(set(ids)) == 4 and min(ids) > 1
    assert store.get(1, b"a") == TableRef(ids[0])
    assert store.get(1, b"a") != ids[0]
    with tx(store):
        store.delete(1, b"a")
        again = store.set_new_table(1, b"a")
    assert again not in ids


@pytest.mark.parametrize("how", ["set", "set_new_table", "delete"])
def test_removing_a_table_frees_its_whole_subtree(store, how, tmp_path):
    ids = build_subtree(store)
    with tx(store):
        if how == "set":
            store.set(1, b"a", 0)
        elif how == "set_new_table":
            store.set_new_table(1, b"a")
        else:
            store.delete(1, b"a")
    for tid in ids:
        with pytest.raises(NoSuchTable):
            store.entries(tid)
    assert [k for k, _ in store.entries(1)] == ([b"keep"] if how == "delete" else [b"a", b"keep"])
    if isinstance(store, SQLiteStore):
        live_tables = 2 if how == "set_new_table" else 1
        assert sqlite_rows(store.path) == (store.size(1), live_tables)


def test_deep_tree_is_built_snapshotted_loaded_and_freed(store):
    depth = 5000
    with tx(store):
        tid = 1
        for _ in range(depth):
            tid = store.set_new_table(tid, b"d")
        store.set(tid, b"leaf", 1)
    node = store.snapshot()
    for _ in range(depth):
        node = node["d"]
    assert node == {"leaf": 1}

    data = leaf = {}
    for _ in range(depth):
        leaf["d"] = {}
        leaf = leaf["d"]
    leaf["end"] = True
    store.load_snapshot(data)  # replaces (so frees) the first chain too
    with pytest.raises(NoSuchTable):
        store.entries(tid)
    node = store.snapshot()
    for _ in range(depth):
        node = node["d"]
    assert node == {"end": True}

    with tx(store):
        store.delete(1, b"d")
    assert store.snapshot() == {}
    if isinstance(store, SQLiteStore):
        assert sqlite_rows(store.path) == (0, 1)


# --- transactions --------------------------------------------------------------------------


def test_rollback_restores_values_order_and_freed_tables(store):
    ids = build_subtree(store)
    with tx(store):
        store.set(1, b"b", 2.5)
        store.set(1, b"c", b"c")
    before = {tid: typed(store.entries(tid)) for tid in [1, *ids]}

    store.begin()
    store.set(1, b"keep", 99)  # overwrite
    store.delete(1, b"b")  # delete
    store.set(1, b"b", 3)  # and re-add at the end
    store.set(1, b"new", 1)  # add
    store.set(ids[1], 5, b"changed")  # write in a table that is then freed
    store.delete(ids[1], 5)
    store.set(1, b"a", False)  # frees t1..t4
    new = store.set_new_table(1, b"n")
    store.set(new, 1, 1)
    assert store.entries(1) != before[1]
    store.rollback()

    assert {tid: typed(store.entries(tid)) for tid in [1, *ids]} == before
    with pytest.raises(NoSuchTable):
        store.entries(new)
    with tx(store):  # and the store still works
        store.set(ids[2], b"after", 1)
    assert store.get(ids[2], b"after") == 1


KEYS = [1, 2, b"1", b"a", b"b"]
VALUES = [True, False, 0, 1, -1, 2**63 - 1, 1.0, -0.0, math.inf, b"", b"x"]
OPS = st.lists(
    st.tuples(st.integers(0, 1000), st.sampled_from(KEYS),
              st.sampled_from(["set", "table", "delete"]), st.sampled_from(VALUES)),
    max_size=30,
)


def apply(store, model, ops):
    """Apply ops to the store (in its open transaction) and, when model is given, to it."""
    for pick, key, kind, value in ops:
        live = sorted(store_tables(store))
        tid = live[pick % len(live)]
        if kind == "delete":
            store.delete(tid, key)
            if model is not None:
                model_remove(model, tid, key)
        else:
            new = store.set_new_table(tid, key) if kind == "table" else None
            if kind == "set":
                store.set(tid, key, value)
            if model is not None:
                model_set(model, tid, key, TableRef(new) if new else value, new)


def model_free(model, tid):
    stack = [tid]
    while stack:
        stack.extend(v.id for v in model.pop(stack.pop()).values() if type(v) is TableRef)


def model_remove(model, tid, key):
    old = model[tid].pop(key, None)
    if type(old) is TableRef:
        model_free(model, old.id)


def model_set(model, tid, key, value, new):
    old = model[tid].get(key)
    model[tid][key] = value  # an existing key keeps its place in a dict
    if type(old) is TableRef:
        model_free(model, old.id)
    if new:
        model[new] = {}


def store_tables(store):
    """Ids of every table reachable from the root."""
    found, stack = [], [1]
    while stack:
        tid = stack.pop()
        found.append(tid)
        stack.extend(v.id for _, v in store.entries(tid) if type(v) is TableRef)
    return found


def state(store):
    return {tid: typed(store.entries(tid)) for tid in store_tables(store)}


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=200, deadline=None)
@given(committed=OPS, discarded=OPS, committed_after=OPS)
def test_random_transactions_match_the_model(kind, tmp_path_factory, committed, discarded,
                                             committed_after):
    store = MemoryStore() if kind == "memory" else SQLiteStore(
        tmp_path_factory.mktemp("h") / "home.db")
    try:
        model = {1: {}}
        with tx(store):
            apply(store, model, committed)
        assert state(store) == {tid: typed(t.items()) for tid, t in model.items()}

        before = state(store)
        store.begin()
        tables_before = set(before)
        apply(store, None, discarded)
        created = set(store_tables(store)) - tables_before
        store.rollback()
        assert state(store) == before
        for tid in created:
            with pytest.raises(NoSuchTable):
                store.size(tid)

        with tx(store):
            apply(store, model, committed_after)
        assert state(store) == {tid: typed(t.items()) for tid, t in model.items()}
    finally:
        store.close()


def test_memory_store_transactions_in_a_large_table_keep_their_values():
    store = MemoryStore({f"k{i}": i for i in range(100_000)})
    with tx(store):
        small = store.set_new_table(1, b"small")
    for i in range(1000):
        with tx(store):
            store.set(1, b"k5", i)  # a write in the 100 000-key table
            store.set(small, b"n", i)
        store.begin()
        store.set(1, b"k7", -1)
        store.rollback()
    assert store.get(1, b"k5") == 999 and store.get(1, b"k7") == 7


def test_threads_serialise_their_transactions(store):
    def count_up():
        for _ in range(200):
            with tx(store):
                store.set(1, b"n", (store.get(1, b"n") or 0) + 1)

    threads = [threading.Thread(target=count_up) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get(1, b"n") == 400


# --- snapshots -----------------------------------------------------------------------------


def test_snapshot_converts_to_plain_python(store):
    with tx(store):
        lst = store.set_new_table(1, b"list")
        store.set(lst, 2, b"two")  # any insertion order
        store.set(lst, 1, b"one")
        holes = store.set_new_table(1, b"holes")
        store.set(holes, 1, 1)
        store.set(holes, 3, 3)
        zero = store.set_new_table(1, b"zero")
        store.set(zero, 0, 0)
        store.set(zero, 1, 1)
        mixed = store.set_new_table(1, b"mixed")
        store.set(mixed, 1, 1)
        store.set(mixed, b"1", 2)
        store.set_new_table(1, b"empty")
        store.set(1, "café".encode(), "thé".encode())
        store.set(1, b"\xff", b"\xfe")
        store.set(1, 7, -0.0)
    snap = store.snapshot()
    assert snap == {
        "list": ["one", "two"],
        "holes": {1: 1, 3: 3},
        "zero": {0: 0, 1: 1},
        "mixed": {1: 1, "1": 2},
        "empty": {},
        "café": "thé",
        b"\xff": b"\xfe",
        7: -0.0,
    }
    assert list(snap) == ["list", "holes", "zero", "mixed", "empty", "café", b"\xff", 7]
    assert bits(snap[7]) == bits(-0.0)
    assert store.snapshot(lst) == ["one", "two"]


def test_load_snapshot_round_trips_and_replaces(store):
    old = build_subtree(store)
    data = {
        "a": 1,
        "b": [1, 2.5, "x", b"\xff", True, {"c": None, "d": []}],
        3: {"k": -0.0, "big": 2**63 - 1},
        b"raw": False,
    }
    store.load_snapshot(data)
    for tid in old:
        with pytest.raises(NoSuchTable):
            store.size(tid)
    assert not store.in_transaction()
    snap = store.snapshot()
    assert snap == {"a": 1, "b": [1, 2.5, "x", b"\xff", True, {"d": {}}], 3: {"k": -0.0, "big": 2**63 - 1},
                    "raw": False}
    assert type(snap["b"][4]) is bool and type(snap["a"]) is int
    assert store.get(1, 3) == TableRef(store.get(1, 3).id) and store.get(1, b"3") is None
    assert [k for k, _ in store.entries(1)] == [b"a", b"b", 3, b"raw"]
    store.load_snapshot([1, None, 3])  # None is nil, as in Lua: a hole
    assert store.snapshot() == {1: 1, 3: 3}


def test_memory_store_can_start_from_data():
    assert MemoryStore({"x": [True]}).snapshot() == {"x": [True]}
    assert MemoryStore(types.MappingProxyType({"m": {}})).snapshot() == {"m": {}}


def cyclic():
    loop = []
    loop.append(loop)
    return {"loop": loop}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"a": [1, {3}]}, r'home\["a"\]\[2\]: cannot store set'),
        ({"a": {"n": 2**63}}, r'home\["a"\]\["n"\]: .*64 bits'),
        ({"a": {True: 1}}, r'home\["a"\]: cannot use True as a key'),
        ({1.5: 1}, r"cannot use 1.5 as a key"),
        ({"t": (1, 2)}, r'home\["t"\]: cannot store tuple'),
        ({"s": "\ud800"}, r'home\["s"\]: .*UTF-8'),
        ({"1": 1, b"1": 2}, r"duplicate key"),
        (cyclic(), r"nested deeper"),
        ("text", r"home: cannot store str"),
    ],
)
def test_load_snapshot_validates_before_writing(store, data, message):
    store.load_snapshot({"keep": {"x": 1}, "order": [1, 2]})
    before = state(store)
    with pytest.raises(ValueError, match=message):
        store.load_snapshot(data)
    assert state(store) == before
    assert not store.in_transaction()


# --- SQLite --------------------------------------------------------------------------------


def test_sqlite_persists_across_store_objects(tmp_path):
    path = tmp_path / "home.db"
    a = SQLiteStore(path)
    a.load_snapshot({"z": 1, "a": {"nan": math.nan, "neg": -0.0}, 1: b"one"})
    with tx(a):
        a.delete(1, b"z")
        a.set(1, b"z", 2)
    a_ids = set(store_tables(a))
    a.close()

    b = SQLiteStore(str(path))
    assert [k for k, _ in b.entries(1)] == [b"a", 1, b"z"]
    nested = b.get(1, b"a").id
    assert bits(b.get(nested, b"nan")) == bits(math.nan)
    assert bits(b.get(nested, b"neg")) == bits(-0.0)
    with tx(b):
        assert b.set_new_table(1, b"new") not in a_ids
    b.close()


def test_sqlite_stores_on_one_file_see_committed_data_only(tmp_path):
    path = tmp_path / "home.db"
    a, b = SQLiteStore(path), SQLiteStore(path, timeout_s=0.2)
    a.begin()
    first = a.set_new_table(1, b"a")
    assert a.get(1, b"a") == TableRef(first)  # a sees its own write
    assert b.get(1, b"a") is None and b.snapshot() == {}  # b sees only committed data
    with pytest.raises(StoreError, match="locked"):
        b.begin()  # the writer holds the lock for longer than b's timeout
    assert not b.in_transaction()
    a.commit()
    with tx(b):
        second = b.set_new_table(1, b"b")
    assert second != first
    assert [k for k, _ in a.entries(1)] == [b"a", b"b"]
    a.close()
    b.close()


def test_sqlite_store_works_from_another_thread(tmp_path):
    store = SQLiteStore(tmp_path / "home.db")
    worker = threading.Thread(target=lambda: store.load_snapshot({"from": "thread"}))
    worker.start()
    worker.join()
    assert store.snapshot() == {"from": "thread"}
    store.close()


def test_sqlite_missing_directory_is_a_store_error(tmp_path):
    path = tmp_path / "missing" / "home.db"
    with pytest.raises(StoreError, match=re.escape(str(path))):
        SQLiteStore(path)


def test_sqlite_refuses_other_files(tmp_path):
    newer = tmp_path / "newer.db"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version = 7")
    db.close()
    with pytest.raises(StoreError, match="version 7"):
        SQLiteStore(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=re.escape(str(junk))):
        SQLiteStore(junk)


def count_up(path, times):
    store = SQLiteStore(path)
    for _ in range(times):
        store.begin()
        n = store.get(1, b"n") or 0
        store.set(1, b"n", n + 1)
        store.commit()
    store.close()


def test_two_processes_serialise_read_modify_write(tmp_path):
    path = str(tmp_path / "home.db")
    SQLiteStore(path).close()
    run_in_processes(count_up, (path, 500))
    store = SQLiteStore(path)
    assert store.get(1, b"n") == 1000
    store.close()
