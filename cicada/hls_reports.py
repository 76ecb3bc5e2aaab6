"""Reading vendor HLS synthesis reports (Vivado HLS and Vitis HLS ``csynth.xml``).

Latency comes in clock cycles; it is converted to ns with the *target* clock period and to
LHC bunch crossings of 25 ns. The algorithm accepts one event per crossing when the
initiation interval times the clock period is at most 25 ns.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from .errors import ToolError

BUNCH_CROSSING_NS = 25.0
RESOURCE_KINDS = ("LUT", "FF", "DSP", "BRAM_18K", "URAM")
# Where the csynth report sits: Vitis/Vivado project tree, or flat (copied reports).
_CSYNTH_LOCATIONS = (
    "{prj}_prj/solution1/syn/report/{top}_csynth.xml",
    "{top}_csynth.xml",
)


def find_csynth_report(project_dir: Path, top: str = "myproject") -> Path | None:
    for pattern in _CSYNTH_LOCATIONS:
        candidate = Path(project_dir) / pattern.format(prj=top, top=top)
        if candidate.exists():
            return candidate
    return None


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
