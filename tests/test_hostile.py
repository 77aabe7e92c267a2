"""Hostile scripts in the Python host: each ends with its documented outcome within its
limit, the host survives, the next eval works and `_home` is intact (SECURITY.md)."""

import pytest

from wasm_compute import Sandbox

from hostile import LIMITS, cases

CASES = cases()


@pytest.fixture(scope="module")
def sb():
    with Sandbox(**LIMITS) as sandbox:
        assert sandbox.eval("_home.keep = {v = 'safe', n = 1}").error is None
        yield sandbox


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_script(sb, case):
    r = sb.eval(case.source)
    case.check(r.output, r.error and {"name": r.error.name, "message": r.error.message})
    assert sb.eval("return 1 + 1, ('x'):upper(), type(print)").values == [2, "X", "function"]
    assert dict(sb.home)["keep"] == {"v": "safe", "n": 1}
