"""Targets and how a measured figure compares with one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Verdict:
    met: bool | None     # None: not measured
    text: str            # "met, 22% under", "missed, 3.2x the limit", "n/a: ..."


def at_most(value: float | None, limit: float, why_missing: str = "not measured") -> Verdict:
    if value is None:
        return Verdict(None, f"n/a: {why_missing}")
    if value <= limit:
        return Verdict(True, f"met, {100 * (1 - value / limit):.0f}% under")
    over = value / limit
    return Verdict(False, f"missed, {100 * (over - 1):.0f}% over" if over < 2 else f"missed, {over:.1f}x the limit")


def at_least(value: float | None, floor: float, why_missing: str = "not measured") -> Verdict:
    if value is None:
        return Verdict(None, f"n/a: {why_missing}")
    if value >= floor:
        return Verdict(True, f"met, {100 * (value / floor - 1):.0f}% over")
    return Verdict(False, f"missed, {100 * (1 - value / floor):.0f}% short")


def faster_than(ratio: float | None, why_missing: str = "not measured") -> Verdict:
    """ratio: our time over the peer's time (below 1 is faster)."""
    if ratio is None:
        return Verdict(None, f"n/a: {why_missing}")
    if ratio < 1:
        return Verdict(True, f"met, {100 * (1 - ratio):.0f}% faster")
    return Verdict(False, f"missed, {ratio:.2f}x the peer's time")


# The suite's targets, ratios of geometric means to native (issue: benchmark harness).
CPU_WASMTIME_MAX = 1.30
CPU_CHROMIUM_MAX = 1.60

# The host and page figures' targets.
PY_EVAL_US_MAX = 30
JS_EVAL_US_MAX = 10
HOME_RATIO_MAX = 3.0
SANDBOX_NEW_MS_MAX = 5
CLI_RUN_MS_MAX = 250
WASM_RAW_KB_MAX = 300
WASM_GZIP_KB_MAX = 110
API_RPS_MIN = 2000  # issue 13: `POST /api/run` on a 2-core machine, the multi-process server
