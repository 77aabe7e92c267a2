import pytest

from wasm_compute import Sandbox


@pytest.fixture
def sb():
    with Sandbox(clock=1_700_000_000, random_seed=42) as sandbox:
        yield sandbox


def run(sb, code):
    """Evals `code` and fails the test on a Lua error."""
    r = sb.eval(code)
    assert r.error is None, f"{r.error!r}\n{r.error.traceback}"
    return r
