"""The server's warm Sandboxes (wasm_compute._sandbox_pool): a request borrows one, and sees
nothing of the requests that had it before but what zig/ABI.md §1 keeps (nothing, since the
server's `_home` comes with each request)."""

import pytest

from wasm_compute import Sandbox
from wasm_compute._sandbox_pool import SandboxPool
from wasm_compute.app import create_app

LIMITS = {"instructions_max": 5_000_000, "timeout_ms": 5000}


@pytest.fixture
def pool():
    made = []

    def make(store, limits):
        made.append(limits)
        return Sandbox(home=store, **limits)

    p = SandboxPool(make, LIMITS)
    p.made = made
    return p


def test_a_sandbox_given_back_is_borrowed_again(pool):
    with pool.sandbox() as first:
        assert first.eval("return 1").values == [1]
    with pool.sandbox() as second:
        assert second.eval("return 2").values == [2]
    assert second is first
    assert pool.made == [LIMITS]


def test_the_next_borrower_sees_neither_globals_nor_home_of_the_last(pool):
    with pool.sandbox([(b"kept", 1)]) as sb:
        r = sb.eval("x = 'leak' _home.written = true string.upper = nil return _home.kept")
        assert r.values == [1]
    with pool.sandbox() as sb:
        r = sb.eval("return x, _home.kept, _home.written, string.upper('a')")
        assert r.error is None
        assert r.values == [None, None, None, "A"]
        assert sb.store.snapshot() == {}


def test_a_sandbox_whose_heap_grew_past_the_bound_is_closed(pool):
    pool.heap_bytes_max = 1024 * 1024
    with pool.sandbox() as big:
        assert big.eval("local t = {} for i = 1, 100000 do t[i] = i end return #t").values == [100000]
    with pool.sandbox() as next_one:
        assert next_one.eval("return 1").values == [1]
    assert next_one is not big
    assert len(pool.made) == 2


def test_other_limits_get_a_sandbox_of_their_own(pool):
    lower = {**LIMITS, "instructions_max": 1000}
    with pool.sandbox(limits=lower) as own:
        assert own.eval("while true do end").error.message == "input:1: instruction limit exceeded"
    with pool.sandbox() as pooled:
        assert pooled.eval("for i = 1, 10000 do end return 1").values == [1]
    assert pooled is not own
    assert pool.made == [lower, LIMITS]


def test_an_exception_in_the_borrower_closes_the_sandbox(pool):
    with pytest.raises(RuntimeError):
        with pool.sandbox() as failed:
            raise RuntimeError("the handler broke")
    with pool.sandbox() as sb:
        assert sb.eval("return 1").values == [1]
    assert sb is not failed
    assert len(pool.made) == 2


def test_runs_through_the_app_do_not_see_each_other(tmp_path):
    client = create_app({"DATA_DIR": str(tmp_path), "SANDBOX_LIMITS": LIMITS}).test_client()
    first = client.post("/api/run", json={"code": "x = 1 _home.n = 1 return x",
                                          "home": {"t": [["m", {"i": "2"}]]}}).get_json()
    assert first["values"] == [{"i": "1"}]
    assert first["home"] == {"t": [["m", {"i": "2"}], ["n", {"i": "1"}]]}
    second = client.post("/api/run", json={"code": "return x, _home.n, _home.m"}).get_json()
    assert second["error"] is None
    assert second["values"] == [None, None, None]
    assert second["home"] == {"t": []}
