"""A long fuzzing campaign: random Lua programs, damaged programs and random bytes as scripts.

    .venv/bin/python bench/fuzz_campaign.py --minutes 10
    .venv/bin/python bench/fuzz_campaign.py --minutes 60 --seed 1234
    .venv/bin/python bench/fuzz_campaign.py --replay program:1234-5678   # one case again

The generators are those of tests/test_fuzz.py (tests/fuzz_gen.py), with larger programs.
Each case must end with a result or a documented error (syntax, runtime, memory_limit,
instruction_limit, timeout, code_size) with a message; a generated program must compile; a
failed eval must keep none of its `_home` writes; the sandbox must still answer
`return 1 + 1`. Programs also run twice more, each in a fresh sandbox from the same `_home`:
with the clock and the random seed fixed, the two runs must agree exactly.

Cases run in one long-lived sandbox, replaced every 1000 cases. The campaign stops at the
25th failure. Every case has a name,
KIND:SEED-N, from which --replay rebuilds it. Failing cases are written to --out; the case
being run is always in OUT/current.lua, so a crash of the process leaves it behind.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_gen import Choices, LuaGen, canonical_raw, check_outcome, mutate  # noqa: E402

from wasm_compute import MemoryStore, Sandbox  # noqa: E402
from wasm_compute import _homejson  # noqa: E402

LIMITS = {"instructions_max": 5_000_000, "memory_bytes_max": 16 * 1024 * 1024, "timeout_ms": 2000,
          "output_bytes_max": 64 * 1024, "clock": 1_700_000_000, "random_seed": 7}
SEED_HOME = {"a": 1, "n": 0, "list": [1, 2, 3], "cfg": {"x": "y", "deep": {"k": [1.5, "s"]}}}
KINDS = ("program", "mutant", "bytes")
SANDBOX_CASES = 1000  # cases per sandbox before a new one
FAILURES_MAX = 25  # then the campaign stops: later cases would mostly repeat the finding


def make_case(kind: str, name: str) -> bytes:
    rng = random.Random(name)
    c = Choices.from_random(rng)

    def program(scale: int) -> str:
        return LuaGen(c, statements_max=rng.randint(5, scale), depth_max=rng.randint(2, 4),
                      loop_count_max=rng.choice([5, 20, 100, 1000])).program()

    if kind == "program":
        return program(80).encode()
    if kind == "mutant":
        return mutate(c, program(30).encode(), edits_max=8)
    # Random bytes: uniform, or drawn from Lua's own characters so the lexer goes further.
    alphabet = bytes(range(256)) if rng.random() < 0.5 else b" \n\t()[]{}=~<>.,;:+-*/%^#&|'\"\\abcdefglnortux0123456789_"
    return bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))


def fingerprint(r) -> tuple:
    """What two runs of one program in fresh sandboxes must share."""
    err = r.error and (r.error.name, r.error.message, r.error.traceback)
    return (r.output_bytes, [canonical_raw(v) for v in r.raw_values], err, r.stats.instructions)


def check_case(sb: Sandbox, kind: str, code: bytes) -> tuple[str, str | None]:
    """Runs one case; returns (outcome name, failure text or None)."""
    try:
        return _check_case(sb, kind, code)
    except Exception:  # the host failed: the worst finding, reported with its traceback
        return "crash", traceback.format_exc()


def _check_case(sb: Sandbox, kind: str, code: bytes) -> tuple[str, str | None]:
    before = _homejson.dump(sb.store)
    try:
        r = sb.eval(code)
        check_outcome(r)
        if kind == "program" and r.error is not None and r.error.name == "syntax":
            return "syntax", f"a generated program does not compile: {r.error.message}"
        if r.error is not None and _homejson.dump(sb.store) != before:
            return r.error.name, "a failed eval changed _home"
        if len(r.output_bytes) > LIMITS["output_bytes_max"] + 64:
            return "?", f"output of {len(r.output_bytes)} bytes"
        after = sb.eval("return 1 + 1")
        if after.values != [2]:
            return "?", f"the sandbox no longer answers: {after.error!r}"
    except AssertionError as e:
        return "?", str(e)
    outcome = r.error.name if r.error is not None else "ok"
    if kind == "program" and outcome != "timeout":
        runs = []
        for _ in range(2):
            with Sandbox(home=MemoryStore(SEED_HOME), **LIMITS) as fresh:
                fresh.eval("return 1")  # the same history in both: one eval before
                runs.append(fresh.eval(code))
        if not any(x.error is not None and x.error.name == "timeout" for x in runs):
            if fingerprint(runs[0]) != fingerprint(runs[1]):
                return outcome, f"two fresh sandboxes disagree:\n{fingerprint(runs[0])!r}\n{fingerprint(runs[1])!r}"
    return outcome, None


def replay(name: str) -> int:
    kind, _, seed = name.partition(":")
    if kind not in KINDS or not seed:
        print(f"fuzz_campaign: --replay takes KIND:SEED-N with KIND one of {', '.join(KINDS)}", file=sys.stderr)
        return 2
    code = make_case(kind, seed)
    sys.stdout.buffer.write(code + b"\n")
    with Sandbox(home=MemoryStore(SEED_HOME), **LIMITS) as sb:
        outcome, failure = check_case(sb, kind, code)
        r = sb.eval(code)
    print(f"-- outcome: {outcome}; error: {r.error!r}")
    if failure:
        print(f"-- FAILURE: {failure}")
    return 1 if failure else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--seed", type=int, help="the campaign's seed (default: a random one, printed)")
    parser.add_argument("--out", help="where failing cases go (default: a new temporary folder)")
    parser.add_argument("--replay", metavar="KIND:SEED-N", help="rebuild one case, print it and run it")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="fuzz-campaign-"))
    out.mkdir(parents=True, exist_ok=True)
    current = out / "current.lua"
    print(f"fuzz campaign: seed {seed}, {args.minutes:g} min, failures to {out}", flush=True)

    outcomes: dict[str, collections.Counter] = {k: collections.Counter() for k in KINDS}
    failures = 0
    started = time.monotonic()
    deadline = started + args.minutes * 60
    next_report = started + 30
    n = 0
    sb = None
    try:
        while time.monotonic() < deadline:
            if n % SANDBOX_CASES == 0 or sb is None:
                if sb is not None:
                    sb.close()
                    sb = None
                try:
                    sb = Sandbox(home=MemoryStore(SEED_HOME), **LIMITS)
                except Exception:
                    failures += 1
                    print(f"FAILURE: cannot make a sandbox after {n} cases:\n{traceback.format_exc()}", flush=True)
                    break
            kind = KINDS[n % len(KINDS)]
            name = f"{seed}-{n}"
            code = make_case(kind, name)
            current.write_bytes(code)
            outcome, failure = check_case(sb, kind, code)
            outcomes[kind][outcome] += 1
            if failure:
                failures += 1
                (out / f"{kind}-{name}.lua").write_bytes(code)
                (out / f"{kind}-{name}.txt").write_text(failure + "\n")
                print(f"FAILURE {kind}:{name}: {failure.strip().splitlines()[-1][:200]}", flush=True)
                if failures >= FAILURES_MAX:
                    print(f"{failures} failures: stopping", flush=True)
                    break
            n += 1
            if time.monotonic() >= next_report:
                next_report += 30
                elapsed = time.monotonic() - started
                print(f"  {elapsed / 60:5.1f} min  {n} cases ({n / elapsed:.0f}/s)  {failures} failures", flush=True)
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        if sb is not None:
            sb.close()
    current.unlink(missing_ok=True)
    elapsed = time.monotonic() - started
    print(f"\n{n} cases in {elapsed / 60:.1f} min ({n / max(elapsed, 1e-9):.0f}/s), seed {seed}")
    for kind in KINDS:
        counts = ", ".join(f"{k} {v}" for k, v in outcomes[kind].most_common())
        print(f"  {kind:<8} {counts}")
    print(f"{failures} failures" + (f" (cases in {out}; rerun one with --replay KIND:SEED-N)" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
