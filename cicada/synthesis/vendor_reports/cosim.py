"""The co-simulation report: the verdict per HDL and the latency and interval it measured."""

from __future__ import annotations

import re
from pathlib import Path

from ...core.errors import ToolError
from .figures import _read_report

_COSIM_ROW = re.compile(r"^\|\s*(VHDL|Verilog)\s*\|\s*(\w+)\s*\|(.*)\|\s*$")


def read_cosim(report: Path) -> dict:
    """The co-simulation verdict (Pass/Fail/NA per HDL) and its measured latency/interval."""
    report = Path(report)
    text = _read_report(report, "co-simulation report")
    lines = [line.strip() for line in text.splitlines()]
    languages, last_row = {}, None
    for index, line in enumerate(lines):
        match = _COSIM_ROW.match(line)
        if match:
            cells = [c.strip() for c in match.group(3).split("|")]
            if len(cells) not in (6, 7):  # latency min/avg/max, interval min/avg/max (+ total time)
                raise ToolError(
                    f"{report}: the {match.group(1)} result row has {len(cells)} values, expected 6 or 7 (truncated?)"
                )
            numbers = [_cosim_number(c) for c in cells]
            languages[match.group(1)] = {
                "status": match.group(2),
                "latency_min_cycles": numbers[0],
                "latency_max_cycles": numbers[2],
                "interval_max_cycles": numbers[5],
            }
            last_row = index
    if not languages:
        raise ToolError(f"{report}: no VHDL/Verilog result rows (truncated or not a co-simulation report?)")
    missing = [hdl for hdl in ("VHDL", "Verilog") if hdl not in languages]
    closed = last_row is not None and any(line.startswith("+") for line in lines[last_row + 1 : last_row + 2])
    if missing or not closed:
        what = f"no {' or '.join(missing)} result row" if missing else "no closing line after the result rows"
        raise ToolError(f"{report}: the co-simulation result table is incomplete ({what}): truncated report?")
    statuses = [v["status"] for v in languages.values() if v["status"] != "NA"]
    verdict = "Pass" if statuses and all(s == "Pass" for s in statuses) else ("Fail" if statuses else "NA")
    return {"source": str(report), "verdict": verdict, "languages": languages}


def _cosim_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # NA: that HDL was not simulated
