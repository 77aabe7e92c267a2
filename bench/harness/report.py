"""The report: latest.md (tables), latest.png (the ratios), latest.json (every run)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from . import targets, tried
from .figures import Figure
from .suite import Cell, Program


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def ratios(programs, engines, cells, reference="native"):
    """{engine: {program: time / native time}} for the cells both have."""
    out = {}
    for e in engines:
        out[e] = {}
        for p in programs:
            ours, ref = cells[p.name][e].median, cells[p.name].get(reference, Cell()).median
            out[e][p.name] = ours / ref if ours is not None and ref else None
    return out


def complete_geomeans(programs, engines, ratio) -> dict:
    """The geomean of each engine's ratios, over the programs every engine ran:
    a program missing on one engine would make the means incomparable."""
    common = [p.name for p in programs if all(ratio[e][p.name] is not None for e in engines)]
    return {e: geomean([ratio[e][n] for n in common]) for e in engines}, common


def _seconds(cell: Cell, repeat: int) -> str:
    if cell.error is not None:
        return "**error**" if not cell.error.startswith("checksum") else "**checksum differs**"
    if not cell.runs:
        return "—"
    text = f"{cell.median:.3f}"
    if len(cell.runs) < repeat:
        text += f" ({len(cell.runs)})"
    return text


def _ratio(x):
    return "—" if x is None else f"{x:.2f}"


def cpu_targets(geo: dict) -> list[tuple[str, str, targets.Verdict]]:
    rows = []
    w, c, m = geo.get("wasmtime"), geo.get("chromium"), geo.get("wasmoon")
    cold, cold_peer = geo.get("chromium-cold"), geo.get("wasmoon-cold")
    rows.append((f"CPU geomean, lua.wasm in wasmtime ≤ {targets.CPU_WASMTIME_MAX:.2f}× native",
                 _ratio(w) + "×" if w else "—", targets.at_most(w, targets.CPU_WASMTIME_MAX, "engine not run")))
    rows.append((f"CPU geomean, lua.wasm in Chromium ≤ {targets.CPU_CHROMIUM_MAX:.2f}× native",
                 _ratio(c) + "×" if c else "—", targets.at_most(c, targets.CPU_CHROMIUM_MAX, "engine not run")))
    for ours, peer, limit, name in (
            (c, m, targets.CPU_VS_WASMOON_MAX, "CPU geomean, lua.wasm in Chromium"),
            (cold, cold_peer, targets.CPU_COLD_VS_WASMOON_MAX, "Cold CPU geomean (a fresh context per run), lua.wasm")):
        vs = ours / peer if ours and peer else None
        rows.append((f"{name} ≤ {limit:.2f}× wasmoon's",
                     f"{vs:.2f}× ({ours:.2f}× vs {peer:.2f}× native)" if vs else "—",
                     targets.at_most(vs, limit, "engine not run")))
    return rows


def write_markdown(path: Path, *, header: dict, engines: list, infos: dict, programs: list[Program],
                   cells: dict, repeat: int, figures: list[Figure], problems: list[str]) -> dict:
    ratio = ratios(programs, engines, cells)
    geo, common = complete_geomeans(programs, engines, ratio)
    lines = [f"# wasm-compute benchmark{' (tiny mode: no meaningful times)' if header['tiny'] else ''}", ""]
    lines += [f"- {k}: {v}" for k, v in header["facts"].items()]
    lines += ["", "Engines:", ""]
    lines += [f"- **{infos[e].label}** — {infos[e].detail}" for e in engines]

    lines += ["", "## CPU suite", ""]
    head = ["program"]
    for e in engines:
        head.append(f"{infos[e].label} s")
        if e != "native":
            head.append("×")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|---|" + "---:|" * (len(head) - 1))
    for p in programs:
        row = [f"{p.name}"]
        for e in engines:
            row.append(_seconds(cells[p.name][e], repeat))
            if e != "native":
                row.append(_ratio(ratio[e][p.name]))
        lines.append("| " + " | ".join(row) + " |")
    row = ["**geomean**"]
    for e in engines:
        row.append("")
        if e != "native":
            row.append(f"**{_ratio(geo[e])}**")
    lines.append("| " + " | ".join(row) + " |")
    lines += ["", f"Seconds: the median of {repeat} runs, wall time from the source text to the end of the chunk "
              "(compilation included; native's includes its process start, about 1 ms). A count in brackets: fewer "
              f"runs, because the engine's runs of that program passed the time budget ({header['budget']:g} s). "
              "× is the ratio to native; the geomean is over the programs every engine ran"
              + ("" if len(common) == len(programs) else f" ({', '.join(common)})") + ". Every engine's output was "
              "compared with native's: a difference is marked in the table and listed under Problems."
              + (" The cold columns make the engine anew for every run, in a new browser context (an empty cache) and "
                 "a fresh page, and time from the start of its creation (fetching and compiling its wasm, instantiating "
                 "it, the new Lua state) to the end of the chunk: the first run a visitor gets."
                 if any(e.endswith("-cold") for e in engines) else ""), ""]
    lines += ["Programs:", ""]
    lines += [f"- `{p.name}` — {p.summary}" for p in programs]

    lines += ["", "## Targets", "", "| target | measured | status |", "|---|---|---|"]
    for name, shown, verdict in cpu_targets(geo):
        lines.append(f"| {name} | {shown} | {verdict.text} |")
    lines += ["", "For every target missed here or below, what was tried and what it measured is in the section "
              "\"What was tried\" below, and for earlier issues in `bench/README.md`."]

    lines += ["", "## Host and page figures", ""]
    if figures:
        lines += ["| figure | measured | target | status |", "|---|---:|---|---|"]
        for f in figures:
            lines.append(f"| {f.name} | {f.shown} | {f.target} | {f.verdict.text} |")
        lines += ["", "How each was taken:", ""]
        previous = None
        for f in figures:
            if f.how and f.how != previous:
                lines.append(f"- {f.name}: {f.how}.")
            previous = f.how
    else:
        lines.append("Not measured in this run (`--no-figures`).")

    lines += ["", "## What was tried", "", "From `bench/tried.md`:", ""]
    try:
        lines += tried.table()
    except (OSError, tried.TriedError) as e:
        problems.append(f"bench/tried.md: {e}")
        lines.append("Not shown: bench/tried.md could not be read (see Problems).")

    lines += ["", "## Problems", ""]
    lines += [f"- {p}" for p in problems] or ["None: every engine printed the same checksums as native."]
    lines += ["", f"![ratios to native]({path.with_suffix('.png').name})", ""]
    path.write_text("\n".join(lines))
    return {"ratios": ratio, "geomeans": geo, "geomean_programs": common}


def write_json(path: Path, *, header: dict, engines: list, infos: dict, programs, cells, figures,
               problems, summary: dict) -> None:
    data = {
        "header": header,
        "engines": {e: asdict(infos[e]) for e in engines},
        "programs": {p.name: {e: asdict(cells[p.name][e]) for e in engines} for p in programs},
        "checksums_agree": all(cells[p.name][e].error is None and cells[p.name][e].output is not None
                               for p in programs for e in engines),
        "problems": problems,
        "summary": summary,
        "figures": [{**asdict(f), "verdict": asdict(f.verdict)} for f in figures],
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False))


def write_chart(path: Path, *, engines: list, infos: dict, programs, summary: dict, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [e for e in engines if e != "native"]
    groups = [p.name for p in programs] + ["geomean"]
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(groups) + 2), 5), dpi=110)
    width = 0.8 / max(1, len(shown))
    colors = {"native-hook": "#7f7f7f", "wasmtime": "#1f77b4", "chromium": "#2ca02c", "wasmoon": "#ff7f0e",
              "fengari": "#9467bd", "chromium-cold": "#98df8a", "wasmoon-cold": "#ffbb78"}
    for i, e in enumerate(shown):
        values = [summary["ratios"][e][g] for g in groups[:-1]] + [summary["geomeans"][e]]
        xs = [j + (i - (len(shown) - 1) / 2) * width for j in range(len(groups))]
        bars = ax.bar(xs, [v or 0 for v in values], width, label=infos[e].label, color=colors.get(e))
        for bar, v in zip(bars, values):
            if v:
                ax.annotate(f"{v:.1f}", (bar.get_x() + bar.get_width() / 2, v), ha="center", va="bottom",
                            fontsize=6, rotation=90, xytext=(0, 2), textcoords="offset points")
    ax.axhline(1, color="black", linewidth=0.8)
    ax.axhline(targets.CPU_WASMTIME_MAX, color=colors["wasmtime"], linewidth=0.8, linestyle="--",
               label=f"target in wasmtime, {targets.CPU_WASMTIME_MAX:g}×")
    ax.axhline(targets.CPU_CHROMIUM_MAX, color=colors["chromium"], linewidth=0.8, linestyle="--",
               label=f"target in Chromium, {targets.CPU_CHROMIUM_MAX:g}×")
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 3)  # room for the labels above the tallest bars and for the legend
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, rotation=30, ha="right")
    ax.set_ylabel("time / native time (log scale; lower is faster)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper center", ncol=len(shown) + 2, frameon=False)
    ax.grid(axis="y", which="both", linewidth=0.3, alpha=0.5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
