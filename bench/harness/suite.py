"""The CPU suite: the programs of bench/programs and how each is run."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from .paths import PROGRAMS

TINY = re.compile(r"^-- bench: tiny N = (\d+)\s*$", re.M)


@dataclass
class Program:
    name: str
    source: str
    tiny_n: int
    summary: str     # the first comment line, without "-- name: "

    def text(self, tiny: bool) -> str:
        """The source to run. Tiny mode sets the global N the program reads
        (`local N = N or ...`), on the first line so line numbers stay."""
        return f"N = {self.tiny_n} " + self.source if tiny else self.source


def load(names: list[str] | None = None) -> list[Program]:
    programs = []
    for path in sorted(PROGRAMS.glob("*.lua")):
        if names and path.stem not in names:
            continue
        source = path.read_text()
        tiny = TINY.search(source)
        if tiny is None:
            raise SystemExit(f"{path}: no '-- bench: tiny N = <n>' line")
        programs.append(Program(path.stem, source, int(tiny.group(1)), _summary(source)))
    if names:
        missing = set(names) - {p.name for p in programs}
        if missing:
            raise SystemExit(f"no such program: {', '.join(sorted(missing))}")
    return programs


def _summary(source: str) -> str:
    """The leading comment without its "name:" and "bench:" parts."""
    words = []
    for line in source.splitlines():
        if not line.startswith("--") or TINY.match(line):
            break
        words.append(line.removeprefix("--").strip())
    return " ".join(words).split(":", 1)[-1].strip()


@dataclass
class Cell:
    """One program on one engine."""
    runs: list[float] = field(default_factory=list)
    output: str | None = None
    error: str | None = None       # the engine failed, or printed other checksums

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs and self.error is None else None
