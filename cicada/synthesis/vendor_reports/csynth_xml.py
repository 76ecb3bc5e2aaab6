"""The C-synthesis report in XML (``<top>_csynth.xml``): latency, II, clock and resources."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ...core.errors import ToolError
from .csynth_text import read_csynth_text
from .figures import RESOURCE_KINDS, _csynth_result, _file, _undefined_reason, _value
from .timing import timing


def _number(node: ET.Element, path: str, report: Path, undefined: dict[str, str] | None = None, key: str = ""):
    """The number at ``path``; None (its reason in ``undefined[key]``) when the tool left it undefined."""
    found = node.find(path)
    if found is None or found.text is None:
        raise ToolError(f"{report}: no <{path}> in the synthesis report (truncated or not a csynth report?)")
    try:
        value = _value(found.text)
    except ValueError:
        raise ToolError(f"{report}: <{path}> holds {found.text.strip()!r}, expected a number") from None
    if value is None:
        if undefined is None:
            raise ToolError(f"{report}: <{path}> holds {found.text.strip()!r}, expected a number")
        undefined.setdefault(key, _undefined_reason(report, path.rsplit("/", 1)[-1], found.text.strip()))
    return value


def read_csynth(report: Path) -> dict:
    """Latency, II, clock and resources from a ``*_csynth.xml`` (or, given a ``.rpt``, the text report)."""
    report = _file(report, "C-synthesis report")
    if report.suffix == ".rpt":
        return read_csynth_text(report)
    try:
        root = ET.parse(report).getroot()
    except ET.ParseError as err:
        raise ToolError(f"{report}: not a readable XML report (truncated?): {err}") from None
    target = _number(root, "UserAssignments/TargetClockPeriod", report)
    undefined: dict[str, str] = {}
    estimated = _number(
        root, "PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod", report, undefined, "estimated_clock"
    )
    latency = root.find("PerformanceEstimates/SummaryOfOverallLatency")
    if latency is None:
        raise ToolError(f"{report}: no latency summary in the synthesis report")
    best = _number(latency, "Best-caseLatency", report, undefined, "latency")
    worst = _number(latency, "Worst-caseLatency", report, undefined, "latency")
    ii_min = _number(latency, "Interval-min", report, undefined, "interval")
    ii_max = _number(latency, "Interval-max", report, undefined, "interval")
    if root.find("AreaEstimates/Resources") is None:
        raise ToolError(f"{report}: no <AreaEstimates><Resources> in the synthesis report")
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
    return _csynth_result(
        report,
        "xml",
        root.findtext("UserAssignments/TopModelName", default="").strip(),
        root.findtext("ReportVersion/Version", default="").strip(),
        root.findtext("UserAssignments/Part", default="").strip(),
        timing(best, worst, ii_max, target, estimated, undefined=undefined),
        ii_min,
        resources,
        available,
    )
