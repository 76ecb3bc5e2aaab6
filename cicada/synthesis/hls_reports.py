"""Reading vendor HLS synthesis reports (Vivado HLS and Vitis HLS ``csynth.xml``).

Latency comes in clock cycles; it is converted to ns with the *target* clock period and to
LHC bunch crossings of 25 ns. The algorithm accepts one event per crossing when the
initiation interval times the clock period is at most 25 ns.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..core.errors import ToolError

BUNCH_CROSSING_NS = 25.0
RESOURCE_KINDS = ("LUT", "FF", "DSP", "BRAM_18K", "URAM")
# Where the csynth report sits: Vitis/Vivado project tree, or flat (copied reports).
_CSYNTH_LOCATIONS = (
    "{top}_prj/solution1/syn/report/{top}_csynth.xml",
    "{top}_csynth.xml",
)
_COSIM_LOCATIONS = (
    "{top}_prj/solution1/sim/report/{top}_cosim.rpt",
    "{top}_prj/solution1/sim/report/{top}_axi_cosim.rpt",
    "{top}_cosim.rpt",
)
# hls4ml's vivado_synth.tcl writes the post-synthesis utilisation into the project folder
_VIVADO_LOCATIONS = ("vivado_synth.rpt",)


def _find(project_dir: Path, patterns: tuple[str, ...], top: str) -> Path | None:
    for pattern in patterns:
        candidate = Path(project_dir) / pattern.format(top=top)
        if candidate.exists():
            return candidate
    return None


def find_csynth_report(project_dir: Path, top: str = "myproject") -> Path | None:
    """The C-synthesis XML report in a Vitis/Vivado HLS project tree or a flat folder."""
    return _find(project_dir, _CSYNTH_LOCATIONS, top)


def find_cosim_report(project_dir: Path, top: str = "myproject") -> Path | None:
    return _find(project_dir, _COSIM_LOCATIONS, top)


def find_vivado_report(project_dir: Path, top: str = "myproject") -> Path | None:
    return _find(project_dir, _VIVADO_LOCATIONS, top)


def read_reports(project_dir: Path, top: str = "myproject") -> dict:
    """Everything the vendor tools left in a project: C synthesis (required), co-simulation
    and Vivado logic synthesis (when they were run)."""
    csynth = find_csynth_report(project_dir, top)
    if csynth is None:
        places = ", ".join(pattern.format(top=top) for pattern in _CSYNTH_LOCATIONS)
        raise ToolError(f"{project_dir}: no {top}_csynth.xml (looked for {places})")
    result = {"csynth": read_csynth(csynth)}
    cosim = find_cosim_report(project_dir, top)
    result["cosim"] = read_cosim(cosim) if cosim else None
    vivado = find_vivado_report(project_dir, top)
    result["vivado"] = read_vivado_utilisation(vivado) if vivado else None
    return result


def _number(node: ET.Element, path: str, report: Path) -> float:
    found = node.find(path)
    if found is None or found.text is None:
        raise ToolError(f"{report}: no <{path}> in the synthesis report (truncated or not a csynth report?)")
    text = found.text.strip()
    try:
        return float(text)
    except ValueError:
        if text in ("undef", "?", ""):
            return math.nan
        raise ToolError(f"{report}: <{path}> holds {text!r}, expected a number") from None


def read_csynth(report: Path) -> dict:
    """Latency, II, clock and resources from a ``*_csynth.xml``."""
    report = Path(report)
    try:
        root = ET.parse(report).getroot()
    except FileNotFoundError:
        raise ToolError(f"{report}: synthesis report not found") from None
    except ET.ParseError as err:
        raise ToolError(f"{report}: not a readable XML report (truncated?): {err}") from None
    target = _number(root, "UserAssignments/TargetClockPeriod", report)
    estimated = _number(root, "PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod", report)
    latency = root.find("PerformanceEstimates/SummaryOfOverallLatency")
    if latency is None:
        raise ToolError(f"{report}: no latency summary in the synthesis report")
    best = _number(latency, "Best-caseLatency", report)
    worst = _number(latency, "Worst-caseLatency", report)
    ii_min = _number(latency, "Interval-min", report)
    ii_max = _number(latency, "Interval-max", report)
    resources, available = {}, {}
    for kind in RESOURCE_KINDS:
        tags = ("DSP", "DSP48E") if kind == "DSP" else (kind,)
        for tag in tags:
            used = root.find(f"AreaEstimates/Resources/{tag}")
            if used is not None and used.text is not None:
                resources[kind] = int(float(used.text))
                avail = root.find(f"AreaEstimates/AvailableResources/{tag}")
                if avail is not None and avail.text is not None:
                    available[kind] = int(float(avail.text))
    part = root.findtext("UserAssignments/Part", default="").strip()
    return {
        "source": str(report),
        "tool_version": root.findtext("ReportVersion/Version", default="").strip(),
        "part": part,
        **timing(best, worst, ii_max, target),
        "interval_min_cycles": ii_min,
        "estimated_clock_ns": estimated,
        "resources": resources,
        "part_resources": available,
        "utilisation_percent": {k: 100.0 * resources[k] / available[k] for k in resources if available.get(k)},
    }


def timing(best_cycles: float, worst_cycles: float, ii_cycles: float, clock_ns: float) -> dict:
    """Latency in cycles, ns and bunch crossings, and whether one event per crossing fits."""
    return {
        "target_clock_ns": clock_ns,
        "latency_best_cycles": best_cycles,
        "latency_worst_cycles": worst_cycles,
        "latency_worst_ns": worst_cycles * clock_ns,
        "latency_worst_bx": worst_cycles * clock_ns / BUNCH_CROSSING_NS,
        "interval_cycles": ii_cycles,
        "interval_ns": ii_cycles * clock_ns,
        "one_event_per_crossing": ii_cycles * clock_ns <= BUNCH_CROSSING_NS,
    }


_COSIM_ROW = re.compile(r"^\|\s*(VHDL|Verilog)\s*\|\s*(\w+)\s*\|(.*)\|\s*$")


def read_cosim(report: Path) -> dict:
    """The co-simulation verdict (Pass/Fail/NA per HDL) and its measured latency/interval."""
    report = Path(report)
    text = _read_report(report, "co-simulation report")
    languages = {}
    for line in text.splitlines():
        match = _COSIM_ROW.match(line.strip())
        if match:
            cells = [c.strip() for c in match.group(3).split("|")]
            numbers = [float(c) if _is_number(c) else None for c in cells]
            languages[match.group(1)] = {
                "status": match.group(2),
                "latency_min_cycles": numbers[0] if numbers else None,
                "latency_max_cycles": numbers[2] if len(numbers) > 2 else None,
                "interval_max_cycles": numbers[5] if len(numbers) > 5 else None,
            }
    if not languages:
        raise ToolError(f"{report}: no VHDL/Verilog result rows (truncated or not a co-simulation report?)")
    statuses = [v["status"] for v in languages.values() if v["status"] != "NA"]
    verdict = "Pass" if statuses and all(s == "Pass" for s in statuses) else ("Fail" if statuses else "NA")
    return {"source": str(report), "verdict": verdict, "languages": languages}


def _read_report(report: Path, what: str) -> str:
    try:
        return report.read_text(errors="replace")
    except FileNotFoundError:
        raise ToolError(f"{report}: {what} not found") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# report_utilization rows, by what the resource is called on 7-series vs UltraScale parts
_VIVADO_ROWS = {
    "LUT": ("Slice LUTs", "CLB LUTs"),
    "FF": ("Slice Registers", "CLB Registers"),
    "DSP": ("DSPs",),
    "BRAM_36K_tiles": ("Block RAM Tile",),
    "URAM": ("URAM",),
}


def read_vivado_utilisation(report: Path) -> dict:
    """Post-synthesis utilisation from Vivado's report_utilization (used, available, %)."""
    report = Path(report)
    text = _read_report(report, "Vivado utilisation report")
    device = re.search(r"\|\s*Device\s*:\s*(\S+)", text)
    resources = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5:
            continue
        name = cells[0].rstrip("*").strip()
        for kind, labels in _VIVADO_ROWS.items():
            if name in labels and kind not in resources and _is_number(cells[1]):
                resources[kind] = {
                    "used": float(cells[1]),
                    "available": float(cells[3]) if _is_number(cells[3]) else None,
                    "percent": float(cells[4]) if _is_number(cells[4]) else None,
                }
    if not resources:
        raise ToolError(f"{report}: no utilisation table found (truncated or not a report_utilization file?)")
    return {"source": str(report), "device": device.group(1) if device else "", "resources": resources}
