"""Fuzzing with Hypothesis, bounded for the suite (bench/fuzz_campaign.py runs longer):

- every value a store can hold round-trips through Lua exactly (integers to 64 bits, floats
  bit for bit with -0.0, inf and NaN payloads, byte strings, nested tables in order), and
  through the typed JSON of ABI §10 and `POST /api/run` (where every NaN is one "nan");
- any JSON as the `home` of `POST /api/run` is a 200 or a 400, never a 500;
- random well-formed programs, damaged programs and random bytes end with a result or a
  documented error; a failed eval keeps none of its `_home` writes; the host survives.

Examples are derandomized and there is no example database, so a run is the same every time.
"""

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasm_compute import MemoryStore, Sandbox, SQLiteStore
from wasm_compute import _homejson
from wasm_compute.app import create_app

from fuzz_gen import (
    Choices,
    Tree,
    canonical_raw,
    canonical_store,
    canonical_tree,
    check_outcome,
    home_trees,
    load_tree,
    lua_program,
    mutate,
)

LIMITS = {"instructions_max": 2_000_000, "memory_bytes_max": 16 * 1024 * 1024, "timeout_ms": 2000,
          "output_bytes_max": 64 * 1024, "clock": 1_700_000_000, "random_seed": 7}

FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def fuzz(max_examples: int) -> settings:
    return settings(FUZZ, max_examples=max_examples)


# ---- values through Lua -----------------------------------------------------------------

COPY = "_home.copy = _home.orig return _home.orig"

# Lua's own view of the two tables: same types, same float bits, same keys in the same order.
SAME = r"""
local function same(a, b)
  if type(a) ~= type(b) or math.type(a) ~= math.type(b) then return false end
  if math.type(a) == "float" then return string.pack("<d", a) == string.pack("<d", b) end
  if type(a) ~= "table" then return a == b end
  local ka, kb = {}, {}
  for k in pairs(a) do ka[#ka + 1] = k end
  for k in pairs(b) do kb[#kb + 1] = k end
  if #ka ~= #kb then return false end
  for i = 1, #ka do
    if ka[i] ~= kb[i] or math.type(ka[i]) ~= math.type(kb[i]) then return false end
    if not same(a[ka[i]], b[kb[i]]) then return false end
  end
  return true
end
return same(_home.orig, _home.copy), ext_table.size(_home.orig)
"""


def home_with_orig(store, tree: Tree) -> None:
    store.begin()
    orig = store.set_new_table(1, b"orig")
    store.commit()
    load_tree(store, tree, orig)


def check_lua_round_trip(store, tree: Tree) -> None:
    want = canonical_tree(tree)
    home_with_orig(store, tree)
    with Sandbox(home=store, **LIMITS) as sb:
        r = sb.eval(COPY)
        assert r.error is None, r.error
        assert canonical_raw(r.raw_values[0]) == want
        (k1, orig), (k2, copy) = store.entries(1)
        assert (k1, k2) == (b"orig", b"copy")
        assert canonical_store(store, orig.id) == want
        assert canonical_store(store, copy.id) == want
        r = sb.eval(SAME)
        assert r.error is None, r.error
        assert r.values == [True, len(tree)]


@fuzz(200)
@given(home_trees)
def test_values_round_trip_through_lua_exactly_memory(tree):
    check_lua_round_trip(MemoryStore(), tree)


@fuzz(60)
@given(home_trees)
def test_values_round_trip_through_lua_exactly_sqlite(tmp_path_factory, tree):
    check_lua_round_trip(SQLiteStore(tmp_path_factory.mktemp("fuzz") / "home.db"), tree)


# ---- values through the typed JSON and the server ---------------------------------------

def seq_sorted(canon: list) -> list:
    """Sequences in index order, as `_wire.encode_value` writes result tables."""
    keys = [k for k, _ in canon]
    n = len(keys)
    out = [(k, seq_sorted(v) if isinstance(v, list) else v) for k, v in canon]
    if n and all(t == "int" for t, _ in keys) and sorted(v for _, v in keys) == list(range(1, n + 1)):
        out.sort(key=lambda kv: kv[0][1])
    return out


@fuzz(200)
@given(home_trees)
def test_typed_json_round_trips(tree):
    store = MemoryStore()
    load_tree(store, tree)
    text = json.dumps(_homejson.dump(store), allow_nan=False)
    copy = MemoryStore()
    _homejson.load(copy, json.loads(text))
    # ABI §10 has one "nan": NaN payloads and signs are the only thing the JSON drops.
    assert canonical_store(copy, nan_payloads=False) == canonical_tree(tree, nan_payloads=False)
    assert json.dumps(_homejson.dump(copy), allow_nan=False) == text


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("data")),
                      "SANDBOX_LIMITS": {k: v for k, v in LIMITS.items()}})
    return app.test_client()


@fuzz(100)
@given(home_trees)
def test_values_round_trip_through_api_run(client, tree):
    want = canonical_tree(tree, nan_payloads=False)
    store = MemoryStore()
    home_with_orig(store, tree)
    r = client.post("/api/run", json={"code": COPY, "home": _homejson.dump(store)})
    assert r.status_code == 200, r.get_data()
    body = r.get_json()
    assert body["error"] is None, body["error"]
    back = MemoryStore()
    _homejson.load(back, body["home"])
    (_, orig), (_, copy) = back.entries(1)
    assert canonical_store(back, orig.id, nan_payloads=False) == want
    assert canonical_store(back, copy.id, nan_payloads=False) == want
    # The returned value is the same table, as typed JSON (sequences in index order).
    returned = MemoryStore()
    _homejson.load(returned, body["values"][0])
    assert seq_sorted(canonical_store(returned, nan_payloads=False)) == seq_sorted(want)


# Any JSON, with the shapes of ABI §10 mixed in so the parser is reached at every depth.
# Integers stay within ±2**1000: a larger {"f": <integer>} is a known 500 (see below).
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**1000), 2**1000),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
                         st.sampled_from(["nan", "inf", "-inf", "-0", "1", "-9223372036854775809",
                                          "9223372036854775807", "+5", "/w==", "***", "QQ"]))


def json_nodes(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
        st.builds(lambda t: {"t": t}, st.lists(st.lists(children, min_size=1, max_size=3), max_size=4)),
        st.builds(lambda tag, v: {tag: v}, st.sampled_from(["i", "f", "b", "t", "o"]), children),
    )


any_json = st.recursive(json_scalars, json_nodes, max_leaves=25)


@fuzz(300)
@given(st.one_of(any_json, st.builds(lambda t: {"t": t}, st.lists(st.lists(any_json, min_size=2, max_size=2)))))
def test_any_json_home_is_a_200_or_a_400(client, home):
    r = client.post("/api/run", json={"code": "return next(_home)", "home": home})
    assert r.status_code in (200, 400), (r.status_code, r.get_data()[:300])
    body = r.get_json()
    if r.status_code == 400:
        assert body["error"]["message"].startswith("home"), body
    else:
        assert body["error"] is None
        _homejson.parse(body["home"])  # what the server sends back is a valid snapshot


def test_huge_integer_as_a_float_payload_is_a_400(client):
    body = '{"code": "return 1", "home": {"t": [["a", {"f": 1%s}]]}}' % ("0" * 400)
    r = client.post("/api/run", data=body, content_type="application/json")
    assert r.status_code == 400


# ---- programs and bytes as scripts ------------------------------------------------------

def run_and_check(sb: Sandbox, code, generated: bool = False) -> None:
    before = _homejson.dump(sb.store)
    r = sb.eval(code)
    check_outcome(r)
    if generated:
        assert r.error is None or r.error.name != "syntax", f"{r.error.message}\n{code}"
    if r.error is not None:
        assert _homejson.dump(sb.store) == before, "a failed eval changed _home"
    assert len(r.output_bytes) <= LIMITS["output_bytes_max"] + 64
    assert sb.eval("return 1 + 1").values == [2]


SEED_HOME = {"a": 1, "n": 0, "list": [1, 2, 3], "cfg": {"x": "y"}}


@fuzz(300)
@given(st.data())
def test_random_programs_end_with_a_result_or_a_documented_error(data):
    code = lua_program(Choices.from_hypothesis(data), statements_max=20)
    with Sandbox(home=MemoryStore(SEED_HOME), **LIMITS) as sb:
        run_and_check(sb, code, generated=True)


@fuzz(200)
@given(st.data())
def test_damaged_programs_end_with_a_result_or_a_documented_error(data):
    c = Choices.from_hypothesis(data)
    code = mutate(c, lua_program(c, statements_max=10).encode())
    with Sandbox(home=MemoryStore(SEED_HOME), **LIMITS) as sb:
        run_and_check(sb, code)


@pytest.fixture(scope="module")
def small_code_sandbox():
    with Sandbox(home=MemoryStore(SEED_HOME), **{**LIMITS, "code_bytes_max": 256}) as sb:
        yield sb


@fuzz(300)
@given(st.binary(max_size=300))
def test_random_bytes_end_with_a_result_or_a_documented_error(small_code_sandbox, code):
    run_and_check(small_code_sandbox, code)


def test_one_sandbox_survives_many_programs():
    """One long-lived instance (as the browser's worker is) through 300 programs in a row."""
    with Sandbox(home=MemoryStore(SEED_HOME), **LIMITS) as sb:
        for seed in range(300):
            run_and_check(sb, lua_program(Choices.from_random(random.Random(seed))), generated=True)
        assert sb.memory_stats()["heap_used"] < LIMITS["memory_bytes_max"]
