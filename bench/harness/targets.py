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


# The suite's targets (issue 13): ratios of geometric means to native, or to
# the peer's geometric mean measured the same way (warm: in one page; cold: a
# fresh browser context for every run).
CPU_WASMTIME_MAX = 1.9
CPU_CHROMIUM_MAX = 1.45
CPU_VS_WASMOON_MAX = 0.90
CPU_COLD_VS_WASMOON_MAX = 0.90

# The host and page figures' targets.
PY_EVAL_US_MAX = 10
JS_EVAL_US_MAX = 6
HOME_RATIO_MAX = 4.0
SANDBOX_NEW_MS_MAX = 5
CLI_RUN_MS_MAX = 250
WASM_RAW_KB_MAX = 300
WASM_GZIP_KB_MAX = 110
PAGE_READY_MS_MAX = 100
FIRST_RUN_MS_MAX = 30
API_RPS_MIN = 2000  # `POST /api/run` on a 2-core machine, the multi-process server
