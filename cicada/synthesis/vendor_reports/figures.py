"""What every reader shares: a report's file, its numbers (a figure the tool left undefined is
``None`` with its reason) and the shape of a C-synthesis result.
"""

from __future__ import annotations

from pathlib import Path

from ...core.errors import ToolError

RESOURCE_KINDS = ("LUT", "FF", "DSP", "BRAM_18K", "URAM")


# what a report prints for a figure the tool could not bound
_UNDEFINED = ("undef", "?", "-", "")


def _file(report: Path, what: str) -> Path:
    """``report`` as a file path, or one clear error when it is a folder or absent."""
    report = Path(report)
    if report.is_dir():
        raise ToolError(f"{report}: is a folder; expected the {what} file itself")
    if not report.is_file():
        raise ToolError(f"{report}: {what} not found")
    return report


def _read_report(report: Path, what: str) -> str:
    return _file(report, what).read_text(errors="replace")


def _value(text: str) -> float | int | None:
    """A number as the report prints it; None when undefined; ValueError otherwise."""
    text = text.strip()
    if text.lower() in _UNDEFINED:
        return None
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _undefined_reason(report: Path, what: str, text: str) -> str:
    return (
        f"{what} undefined in the C-synthesis report {report} ({text!r}): the tool could not bound it, "
        "typically a loop with a variable trip count"
    )


def _csynth_result(report, fmt, top, version, part, figures, ii_min, resources, available) -> dict:
    out = {
        "source": str(report),
        "format": fmt,
        "top": top,
        "tool_version": version,
        "part": part,
        **figures,
        "interval_min_cycles": ii_min,
        "resources": resources,
        "part_resources": available,
        "utilisation_percent": {k: 100.0 * resources[k] / available[k] for k in resources if available.get(k)},
    }
    if ii_min is None:
        out["interval_min_cycles_reason"] = figures.get("interval_cycles_reason", "initiation interval not given")
    return out
