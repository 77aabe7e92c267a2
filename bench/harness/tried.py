"""The "What was tried" section of latest.md, from bench/tried.md: the table
of changes made for the targets, what each measured and whether it was kept.
People fill that file by hand; bench/run copies its table as it is, after
checking that every row has the header's number of cells."""

from __future__ import annotations

from pathlib import Path

from .paths import TRIED


class TriedError(ValueError):
    """bench/tried.md has no table, or a row that does not fit its header."""


def cells(line: str) -> list[str]:
    """The cells of a markdown table row; `\\|` inside a cell is not a border."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    parts, cell, escaped = [], "", False
    for char in inner:
        if char == "|" and not escaped:
            parts.append(cell.strip())
            cell = ""
        else:
            cell += char
        escaped = char == "\\" and not escaped
    parts.append(cell.strip())
    return parts


def table(path: Path = TRIED) -> list[str]:
    """The table's lines (header, rule, rows), checked."""
    lines = [line.rstrip() for line in path.read_text().splitlines() if line.lstrip().startswith("|")]
    if len(lines) < 2:
        raise TriedError(f"{path.name}: no table")
    width = len(cells(lines[0]))
    for number, line in enumerate(lines[1:], start=2):
        if len(cells(line)) != width:
            raise TriedError(f"{path.name}: table row {number} has {len(cells(line))} cells, the header {width}: {line[:80]}")
    return lines
