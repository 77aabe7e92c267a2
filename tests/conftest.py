import multiprocessing

import pytest

from wasm_compute import Sandbox


@pytest.fixture
def sb():
    with Sandbox(clock=1_700_000_000, random_seed=42) as sandbox:
        yield sandbox


def run(sb, code, **options):
    """Evals `code` (with Sandbox.eval's options) and fails the test on a Lua error."""
    r = sb.eval(code, **options)
    assert r.error is None, f"{r.error!r}\n{r.error.traceback}"
    return r


def run_in_processes(target, args, count=2, timeout=300):
    """Runs target(*args) in `count` fresh processes at once; asserts each exited with 0."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=target, args=args) for _ in range(count)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=timeout)
    assert [p.exitcode for p in procs] == [0] * count
