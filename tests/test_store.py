"""The host store behind `_home` (ABI §6): ordering, the tree, transactions, snapshots, named
homes; one contract for every backend.

StoreContract holds every behaviour a Store has; SharedStoreContract adds what a store on a
database shared by several store objects and processes has (SQLite, PostgreSQL). A backend's
class only says how to make one (`database`, `make`) and how to count its stored rows, as
Django's cache tests mix BaseCacheTests into each backend's TestCase. PostgreSQL runs in a
cluster of the test session's own (tests/pgcluster.py)."""

import contextlib
import itertools
import math
import re
import shutil
import sqlite3
import struct
import threading
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasm_compute import PostgresStore
from wasm_compute._store import (
    DEFAULT_HOME,
    MemoryStore,
    NoSuchTable,
    SQLiteStore,
    StoreError,
    TableRef,
)

from conftest import run_in_processes

V1_FILE = Path(__file__).parent / "data" / "home-v1.db"  # written by the SQLiteStore of format version 1
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

def cyclic():
    loop = []
    loop.append(loop)
    return {"loop": loop}


EXAMPLES = itertools.count()


class StoreContract:
    """Every behaviour of a Store. A subclass gives a `database` fixture and make(database,
    home, **options), and says how many entries and tables it stores (stored_rows)."""

    @pytest.fixture
    def opener(self, database):
        """open(home=DEFAULT_HOME, **options): a new store on the test's database, closed at the end."""
        opened = []

        def open_store(home=DEFAULT_HOME, **options):
            opened.append(self.make(database, home, **options))
            return opened[-1]

        yield open_store
        for s in reversed(opened):
            s.close()

    @pytest.fixture
    def store(self, opener):
        return opener()

    # --- the data model ----------------------------------------------------------------------

    def test_root_always_exists_and_starts_empty(self, store):
        assert store.entries(1) == []
        assert store.size(1) == 0
        assert store.get(1, b"x") is None
        assert store.snapshot() == {}

    def test_unknown_table_raises_no_such_table(self, store):
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

    def test_order_new_at_end_overwrite_in_place_readd_at_end(self, store):
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

    def test_int_and_bytes_keys_are_distinct(self, store):
        keys = [1, b"1", 0, b"", -(2**63), 2**63 - 1, b"\x00\xff"]
        with tx(store):
            for i, k in enumerate(keys):
                store.set(1, k, i)
        assert store.size(1) == len(keys)
        assert [store.get(1, k) for k in keys] == list(range(len(keys)))
        assert store.entries(1) == [(k, i) for i, k in enumerate(keys)]
        assert store.get(1, 2) is None and store.get(1, b"2") is None

    def test_value_types_round_trip_exactly(self, store):
        payload_nan = struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0]
        values = [True, False, 0, 1, -(2**63), 2**63 - 1, 1.0, -0.0, 0.0, math.inf, -math.inf,
                  math.nan, payload_nan, b"", b"\x00\xff", 0.1]
        with tx(store):
            for i, v in enumerate(values):
                store.set(1, i, v)
        assert typed(store.entries(1)) == typed(enumerate(values))
        assert typed([(0, store.get(1, 12))]) == typed([(0, payload_nan)])

    def test_bad_keys_and_values_are_refused(self, store):
        with tx(store):
            for key in (True, 1.0, "s", 2**63):
                with pytest.raises(TypeError):
                    store.set(1, key, 1)
            for value in (None, "s", 2**63, TableRef(1), [1]):
                with pytest.raises(TypeError):
                    store.set(1, b"k", value)
        assert store.entries(1) == []

    def test_writes_need_a_transaction(self, store):
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

    def test_new_tables_get_fresh_ids(self, store):
        ids = build_subtree(store)
        assert len(set(ids)) == 4 and min(ids) > 1
        assert store.get(1, b"a") == TableRef(ids[0])
        assert store.get(1, b"a") != ids[0]
        with tx(store):
            store.delete(1, b"a")
            again = store.set_new_table(1, b"a")
        assert again not in ids

    @pytest.mark.parametrize("how", ["set", "set_new_table", "delete"])
    def test_removing_a_table_frees_its_whole_subtree(self, store, how):
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
        live_tables = 2 if how == "set_new_table" else 1
        assert self.stored_rows(store) == (store.size(1), live_tables)

    def test_deep_tree_is_built_snapshotted_loaded_and_freed(self, store):
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
        assert self.stored_rows(store) == (0, 1)

    def test_rollback_restores_values_order_and_freed_tables(self, store):
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

    # Each example opens a home of its own in the test's database, so the examples share the
    # function-scoped fixture safely; each backend's class runs the one method (hence
    # "differing executors"), each with its own examples.
    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors])
    @given(committed=OPS, discarded=OPS, committed_after=OPS)
    def test_random_transactions_match_the_model(self, database, committed, discarded, committed_after):
        store = self.make(database, f"example {next(EXAMPLES)}")
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

    def test_threads_serialise_their_transactions(self, store):
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

    def test_snapshot_converts_to_plain_python(self, store):
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

    def test_load_snapshot_round_trips_and_replaces(self, store):
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
    def test_load_snapshot_validates_before_writing(self, store, data, message):
        store.load_snapshot({"keep": {"x": 1}, "order": [1, 2]})
        before = state(store)
        with pytest.raises(ValueError, match=message):
            store.load_snapshot(data)
        assert state(store) == before
        assert not store.in_transaction()


    # --- named homes -------------------------------------------------------------------------

    @pytest.mark.parametrize("name", ["", "a\x00b", "\ud800", "x" * 256, 7, None, b"bytes"])
    def test_bad_home_names_are_refused(self, opener, name):
        with pytest.raises(ValueError, match="home name"):
            opener(name)

    def test_a_home_is_listed_deleted_and_made_again(self, opener):
        store = opener("alice ✓")
        assert store.home == "alice ✓"
        assert store.homes() == ["alice ✓"]
        ids = build_subtree(store)
        assert store.delete_home("nobody") is False
        assert store.delete_home("alice ✓") is True
        assert store.homes() == []
        assert store.snapshot() == {} and store.entries(1) == [] and store.size(1) == 0
        assert store.get(1, b"keep") is None
        for tid in ids:
            with pytest.raises(NoSuchTable):
                store.entries(tid)
        assert self.stored_rows(store) == (0, 0)
        with tx(store):  # the next transaction makes it again, empty, as new
            assert store.set_new_table(1, b"t") == 2
        assert store.homes() == ["alice ✓"]
        assert store.snapshot() == {"t": {}}
        assert store.delete_home("alice ✓") is True

    def test_a_home_is_not_deleted_under_an_open_transaction(self, store):
        store.begin()
        store.set(1, b"k", 1)
        with pytest.raises(StoreError, match="transaction"):
            store.delete_home(store.home)
        store.commit()
        assert store.get(1, b"k") == 1


class SharedStoreContract(StoreContract):
    """What a store on a database that other store objects and processes share does."""

    def test_data_persists_across_store_objects(self, opener):
        a = opener()
        a.load_snapshot({"z": 1, "a": {"nan": math.nan, "neg": -0.0}, 1: b"one"})
        with tx(a):
            a.delete(1, b"z")
            a.set(1, b"z", 2)
        a_ids = set(store_tables(a))
        a.close()

        b = opener()
        assert [k for k, _ in b.entries(1)] == [b"a", 1, b"z"]
        nested = b.get(1, b"a").id
        assert bits(b.get(nested, b"nan")) == bits(math.nan)
        assert bits(b.get(nested, b"neg")) == bits(-0.0)
        with tx(b):
            assert b.set_new_table(1, b"new") not in a_ids

    def test_stores_on_one_database_see_committed_data_only(self, opener):
        a, b = opener(), opener(timeout_s=0.5)
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

    def test_homes_of_one_database_are_apart(self, opener):
        alice, bob = opener("alice"), opener("bob")
        alice.load_snapshot({"who": "alice", "t": {"x": 1}})
        bob.load_snapshot({"who": "bob", "list": [1, 2], "more": {}})
        assert alice.snapshot() == {"who": "alice", "t": {"x": 1}}
        assert bob.snapshot() == {"who": "bob", "list": [1, 2], "more": {}}
        assert alice.homes() == bob.homes() == ["alice", "bob"]
        # Table ids are per home: each has a table 2, only bob a table 3.
        assert alice.entries(2) == [(b"x", 1)] and bob.entries(2) == [(1, 1), (2, 2)]
        with pytest.raises(NoSuchTable):
            alice.entries(3)
        with tx(alice), pytest.raises(NoSuchTable):
            alice.set(3, b"k", 1)
        assert bob.entries(3) == []
        assert alice.delete_home("bob") is True
        assert alice.homes() == ["alice"]
        assert bob.snapshot() == {} and alice.snapshot() == {"who": "alice", "t": {"x": 1}}

    def test_deleting_a_home_waits_for_its_writer(self, opener):
        writer, other = opener("busy"), opener("other")
        writer.begin()
        writer.set(1, b"n", 1)
        done = []
        deleter = threading.Thread(target=lambda: done.append(other.delete_home("busy")))
        deleter.start()
        deleter.join(timeout=0.5)
        assert done == []  # still waiting for the writer's transaction
        writer.commit()
        deleter.join(timeout=30)
        assert done == [True]
        assert writer.snapshot() == {}

    def test_four_processes_serialise_read_modify_write(self, database):
        self.make(database, "counter").close()
        run_in_processes(count_up, (type(self).BACKEND, database, "counter", 250), count=4)
        store = self.make(database, "counter")
        try:
            assert store.get(1, b"n") == 1000
        finally:
            store.close()


def count_up(backend, database, home, times):
    store = BACKENDS[backend](database, home)
    for _ in range(times):
        store.begin()
        n = store.get(1, b"n") or 0
        store.set(1, b"n", n + 1)
        store.commit()
    store.close()


BACKENDS = {
    "sqlite": lambda database, home, **options: SQLiteStore(database, home=home, **options),
    "postgres": lambda database, home, **options: PostgresStore(database, home=home, **options),
}


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def database(self):
        return None

    def make(self, database, home, **options):
        return MemoryStore(home=home)

    def stored_rows(self, store):
        return sum(map(len, store._tables.values())), len(store._tables) if store.homes() else 0


class TestSQLiteStore(SharedStoreContract):
    BACKEND = "sqlite"

    @pytest.fixture
    def database(self, tmp_path):
        return str(tmp_path / "home.db")

    def make(self, database, home, **options):
        return BACKENDS["sqlite"](database, home, **options)

    def stored_rows(self, store):
        db = sqlite3.connect(store.path)
        try:
            return tuple(db.execute(f"SELECT count(*) FROM {table} WHERE hid = (SELECT hid FROM homes WHERE name = ?)",
                                    (store.home,)).fetchone()[0] for table in ("entries", "tables"))
        finally:
            db.close()


class TestPostgresStore(SharedStoreContract):
    BACKEND = "postgres"

    @pytest.fixture
    def database(self, pg_dsn):
        return pg_dsn

    def make(self, database, home, **options):
        return BACKENDS["postgres"](database, home, **options)

    def test_stores_can_share_one_pool(self, database):
        from psycopg_pool import ConnectionPool

        with ConnectionPool(database, min_size=1, max_size=2, kwargs={"autocommit": True}) as pool:
            alice, bob = PostgresStore(pool, home="alice"), PostgresStore(pool, home="bob")
            alice.load_snapshot({"n": 1})
            with tx(bob):
                bob.set(1, b"n", 2)
            assert (alice.snapshot(), bob.snapshot()) == ({"n": 1}, {"n": 2})
            alice.close()
            assert bob.homes() == ["alice", "bob"]  # closing a store leaves a pool it was given open
            bob.close()

    def test_one_homes_writer_does_not_hold_up_anothers(self, opener):
        alice, bob = opener("alice"), opener("bob", timeout_s=0.5)
        alice.begin()  # PostgreSQL locks a home's row; SQLite locks its whole file
        with tx(bob):
            bob.set(1, b"while", True)
        alice.commit()
        assert bob.get(1, b"while") is True

    def stored_rows(self, store):
        import psycopg

        with psycopg.connect(store._dsn) as conn:
            return tuple(conn.execute(f"SELECT count(*) FROM wasm_compute.{table} WHERE hid ="
                                      " (SELECT hid FROM wasm_compute.homes WHERE name = %s)",
                                      (store.home,)).fetchone()[0] for table in ("entries", "tables"))


# --- one backend's own behaviour -------------------------------------------------------------


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


def test_memory_store_can_start_from_data():
    assert MemoryStore({"x": [True]}).snapshot() == {"x": [True]}
    assert MemoryStore(types.MappingProxyType({"m": {}})).snapshot() == {"m": {}}


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


def test_a_file_of_sqlite_format_1_opens_with_its_home_unchanged(tmp_path):
    path = tmp_path / "home.db"
    shutil.copyfile(V1_FILE, path)
    store = SQLiteStore(path)
    try:
        assert store.home == DEFAULT_HOME and store.homes() == [DEFAULT_HOME]
        snap = store.snapshot()
        assert list(snap) == ["n", "neg", "inf", "nan", "raw", "list", "tree", 7, "z", "later"]
        assert snap["n"] == 2**63 - 1 and snap["z"] == -(2**63)
        assert bits(snap["neg"]) == bits(-0.0) and snap["inf"] == math.inf and math.isnan(snap["nan"])
        assert snap["raw"] == "a\x00b\xff".encode("latin-1") and type(snap["raw"]) is bytes
        assert snap["list"] == [1, "two", 3.5, True, False] and type(snap["list"][3]) is bool
        assert snap["tree"] == {"a": {"b": {}}} and snap[7] == "seven" and snap["later"] == ["x"]
        old_ids = set(store_tables(store))
        with tx(store):  # its counters came along: a new table gets an id never used
            assert store.set_new_table(1, b"new") not in old_ids
            store.set(1, b"n", 1)
        assert list(store.snapshot())[-1] == "new"
    finally:
        store.close()
    assert SQLiteStore(path, home="other").homes() == [DEFAULT_HOME, "other"]
