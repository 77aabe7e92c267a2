"""What one host-function call costs on the Python host (zig/ABI.md §11), next to an
empty eval:

    PYTHONPATH=server .venv/bin/python bench/host_call.py [--calls N] [--evals N]

A call is timed inside one eval of N calls, against the same loop calling a Lua function
that does nothing; what is left, over N, is the crossing: the arguments encoded in the
module, the import, Python's decoding, the call, the reply and the values built from it.
"""

from __future__ import annotations

import argparse
import time

from wasm_compute import Sandbox

LOOP = "for i = 1, {calls} do f({args}) end"


def fastest_us(sb: Sandbox, code: str, repeat: int, divide: int = 1) -> float:
    """The fastest of `repeat` evals of `code`, over `divide`: on a shared machine the
    fastest run is the one the others disturbed least (as `timeit` advises)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        r = sb.eval(code)
        times.append(time.perf_counter() - started)
        r.raise_for_error()
    return min(times) * 1e6 / divide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="host calls in one eval")
    parser.add_argument("--evals", type=int, default=2_000, help="empty evals timed")
    parser.add_argument("--repeat", type=int, default=7, help="loops timed; the fastest counts")
    a = parser.parse_args()
    with Sandbox(functions={"nop": lambda *args: None, "echo": lambda *args: args}) as sb:
        for _ in range(200):
            sb.eval("return 1")
        empty = fastest_us(sb, "return 1", a.evals)
        print(f"empty eval (`return 1`):             {empty:8.2f} µs")
        for label, fn, args in (("nop()", "nop", ""), ("echo(1, 'two', 3.5)", "echo", "1, 'two', 3.5"),
                                ("echo({1, 2, 3, x = 'y'})", "echo", "{1, 2, 3, x = 'y'}")):
            host = fastest_us(sb, f"local f = {fn} " + LOOP.format(calls=a.calls, args=args), a.repeat, a.calls)
            lua = fastest_us(sb, "local f = function() end " + LOOP.format(calls=a.calls, args=args),
                            a.repeat, a.calls)
            print(f"one host call {label:<24} {host - lua:8.2f} µs  (loop of {a.calls}, a Lua call: {lua:.3f} µs)")


if __name__ == "__main__":
    main()
