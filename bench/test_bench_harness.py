"""bench/run --tiny writes its report, and every engine prints native Lua's
checksums for every program. No assertion here is about time."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
PROGRAMS = sorted(p.stem for p in (BENCH / "programs").glob("*.lua"))
ENGINES = ["native", "wasmtime", "chromium", "wasmoon", "fengari", "chromium-cold", "wasmoon-cold"]

pytest.importorskip("matplotlib", reason="bench/run draws its chart with matplotlib")
pytest.importorskip("playwright", reason="bench/run drives Chromium with Playwright")
if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("bench/run needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([str(BENCH / "run"), "--tiny", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    return out, done


def test_suite_has_enough_programs():
    assert len(PROGRAMS) >= 8


def test_tiny_run_succeeds(tiny_run):
    out, done = tiny_run
    assert done.returncode == 0, done.stderr[-3000:]


def test_markdown_has_every_program_and_engine(tiny_run):
    out, _ = tiny_run
    md = (out / "latest.md").read_text()
    for heading in ("## CPU suite", "## Targets", "## Host and page figures", "## What was tried", "## Problems"):
        assert heading in md
    for name in PROGRAMS:
        assert f"| {name} |" in md
    assert "| **geomean** |" in md
    assert "lua.wasm Chromium cold s" in md and "wasmoon Chromium cold s" in md
    assert "Cold CPU geomean" in md
    assert "every engine printed the same checksums" in md


def test_chart_is_a_png(tiny_run):
    out, _ = tiny_run
    data = (out / "latest.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


def test_every_engine_prints_the_same_checksums(tiny_run):
    out, _ = tiny_run
    report = json.loads((out / "latest.json").read_text())
    assert report["checksums_agree"], report["problems"]
    assert sorted(report["programs"]) == PROGRAMS
    for name, cells in report["programs"].items():
        assert sorted(cells) == sorted(ENGINES), name
        native = cells["native"]["output"]
        assert native and native.startswith(name), (name, native)
        for engine, cell in cells.items():
            assert cell["error"] is None, (name, engine, cell["error"])
            assert cell["output"] == native, (name, engine)


def test_every_figure_was_taken(tiny_run):
    out, _ = tiny_run
    report = json.loads((out / "latest.json").read_text())
    names = " ".join(f["name"] for f in report["figures"])
    for part in ("sb.eval", "lua.run", "_home", "Sandbox()", "wasm-compute run", "navigation to ready",
                 "first Run", "lua.wasm", "/api/run"):
        assert part in names, part
    for figure in report["figures"]:
        assert not figure["verdict"]["text"].startswith("error"), figure


def test_what_was_tried_is_copied_from_its_file(tiny_run):
    out, _ = tiny_run
    md = (out / "latest.md").read_text()
    section = md.split("## What was tried", 1)[1].split("## Problems", 1)[0]
    table = [line for line in (BENCH / "tried.md").read_text().splitlines() if line.startswith("|")]
    assert table and all(line in section.splitlines() for line in table)


def test_a_row_that_does_not_fit_the_header_is_refused(tmp_path):
    from harness import tried

    good = tmp_path / "good.md"
    good.write_text("intro\n\n| a | b |\n|---|---|\n| `x \\| y` | 2 |\n")
    assert tried.table(good)[2] == "| `x \\| y` | 2 |"
    bad = tmp_path / "bad.md"
    bad.write_text("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n")
    with pytest.raises(tried.TriedError, match="row 3 has 3 cells"):
        tried.table(bad)
