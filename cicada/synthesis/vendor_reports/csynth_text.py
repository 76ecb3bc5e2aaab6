"""The C-synthesis report as text: the classic ``<top>_csynth.rpt`` (Vivado HLS / Vitis HLS) or
Vitis's synthesis summary ``csynth.rpt``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...core.errors import ToolError
from .figures import RESOURCE_KINDS, _csynth_result, _read_report, _undefined_reason
from .text_tables import _cell, _find_table, _Table, _tables
from .timing import timing


def read_csynth_text(report: Path) -> dict:
    """Latency, II, clock and resources from a text C-synthesis report: the classic
    ``<top>_csynth.rpt`` (Vivado HLS / Vitis HLS) or Vitis's synthesis summary ``csynth.rpt``."""
    report = Path(report)
    text = _read_report(report, "C-synthesis report")
    classic = re.search(r"^== (Vivado|Vitis) HLS Report for '([^']+)'", text, re.M)
    summary = re.search(r"^== Synthesis Summary Report of '([^']+)'", text, re.M)
    if not (classic or summary):
        raise ToolError(f"{report}: not a C-synthesis report (no 'HLS Report for' or 'Synthesis Summary Report' title)")
    version = re.search(r"^\s*\* Version:\s*(\S+)", text, re.M)
    part = re.search(r"^\s*\* Target device:\s*(\S+)", text, re.M)
    about = (
        (version.group(1) if version else ""),
        (part.group(1) if part else ""),
    )
    tables = _tables(text)
    if classic:
        result = _classic_text(report, classic.group(2), about, tables)
        return {**result, "tool": f"{classic.group(1)} HLS"}
    return {**_summary_text(report, summary.group(1), about, tables), "tool": "Vitis HLS"}


def _missing(report: Path, what: str) -> ToolError:
    return ToolError(f"{report}: no {what} table (truncated, or not a C-synthesis report?)")


def _classic_text(report: Path, top: str, about: tuple[str, str], tables: list[_Table]) -> dict:
    clock = _find_table(tables, "Clock", "Target", "Estimated")
    latency = _find_table(
        tables, "Latency (cycles) min", "Latency (cycles) max", "Interval max", first="Latency (cycles) min"
    )
    usage = _find_table(tables, "Name", first="Name")
    if clock is None or not clock.rows:
        raise _missing(report, "timing summary")
    if latency is None or not latency.rows:
        raise _missing(report, "latency summary")
    totals = {row[0]: usage.named(row) for row in usage.rows} if usage else {}
    if "Total" not in totals:
        raise _missing(report, "utilisation summary (with its Total row)")
    timing_row = clock.named(clock.rows[0])
    undefined: dict[str, str] = {}
    target = _cell(timing_row["Target"], report, "the target clock")
    if target is None:
        raise ToolError(f"{report}: the timing summary gives no target clock ({timing_row['Target']!r})")
    estimated = _cell(timing_row["Estimated"], report, "the estimated clock")
    row = latency.named(latency.rows[0])
    figures = {}
    for key, column, group in (
        ("best", "Latency (cycles) min", "latency"),
        ("worst", "Latency (cycles) max", "latency"),
        ("ii_min", "Interval min", "interval"),
        ("ii_max", "Interval max", "interval"),
    ):
        figures[key] = _cell(row[column], report, column)
        if figures[key] is None:
            undefined.setdefault(group, _undefined_reason(report, column, row[column]))
    if estimated is None:
        undefined["estimated_clock"] = _undefined_reason(report, "estimated clock", timing_row["Estimated"])
    resources, available = {}, {}
    for column in usage.columns[1:]:
        kind = "DSP" if column.startswith("DSP") else column
        if kind not in RESOURCE_KINDS:
            continue
        used = _cell(totals["Total"][column], report, f"Total {column}")
        resources[kind] = int(used or 0)  # '-': none used
        if "Available" in totals:
            avail = _cell(totals["Available"][column], report, f"Available {column}")
            if avail is not None:
                available[kind] = int(avail)
    return _csynth_result(
        report,
        "text",
        top,
        about[0],
        about[1],
        timing(figures["best"], figures["worst"], figures["ii_max"], target, estimated, undefined=undefined),
        figures["ii_min"],
        resources,
        available,
    )


def _summary_text(report: Path, top: str, about: tuple[str, str], tables: list[_Table]) -> dict:
    """Vitis's synthesis summary: one row per module; the first is the top. It gives latency in
    cycles and ns (their ratio is the target clock) and the slack, not the estimated clock."""
    table = _find_table(tables, "Modules & Loops", "Latency (cycles)", "Latency (ns)", "Interval", "Slack")
    if table is None or not table.rows:
        raise _missing(report, "performance & resource estimates")
    row = table.named(table.rows[0])
    name = row["Modules & Loops"].lstrip("+o ").rstrip("*").strip()
    if name != top:
        raise ToolError(f"{report}: the first row of the estimates is '{name}', expected the top '{top}' (truncated?)")
    undefined: dict[str, str] = {}
    cycles = _cell(row["Latency (cycles)"], report, "Latency (cycles)")
    ns = _cell(row["Latency (ns)"], report, "Latency (ns)")
    interval = _cell(row["Interval"], report, "Interval")
    slack = _cell(row["Slack"], report, "Slack")
    if cycles is None or ns is None or not cycles:
        raise ToolError(
            f"{report}: the top's latency is {row['Latency (cycles)']!r} cycles / {row['Latency (ns)']!r} ns; "
            "the synthesis summary then gives no clock period (read the XML or <top>_csynth.rpt instead)"
        )
    if interval is None:
        undefined["interval"] = _undefined_reason(report, "Interval", row["Interval"])
    # the summary prints latency in ns to 4 significant digits: 1 ps resolution is all it supports
    target = round(ns / cycles, 3)
    undefined["estimated_clock"] = (
        f"the synthesis summary {report} gives the slack ({row['Slack']} ns), not the estimated clock period"
    )
    figures = timing(cycles, cycles, interval, target, None, undefined=undefined)
    if slack is not None:
        figures["timing_violation"] = slack < 0
        figures.pop("timing_violation_reason", None)
    figures["slack_ns"] = slack
    figures["target_clock_from"] = "latency (ns) / latency (cycles) of the top in the synthesis summary"
    resources = {}
    for column in ("BRAM", "DSP", "FF", "LUT", "URAM"):
        if column in row:
            resources["BRAM_18K" if column == "BRAM" else column] = int(_cell(row[column], report, column) or 0)
    return _csynth_result(report, "summary", top, about[0], about[1], figures, interval, resources, {})
