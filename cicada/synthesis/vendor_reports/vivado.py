"""Vivado's post-synthesis utilisation (``report_utilization``): used, available and percent."""

from __future__ import annotations

import re
from pathlib import Path

from ...core.errors import ToolError
from .figures import _read_report
from .text_tables import _cell, _tables

# report_utilization rows, by what the resource is called on 7-series vs UltraScale parts
_VIVADO_ROWS = {
    "LUT": ("Slice LUTs", "CLB LUTs"),
    "FF": ("Slice Registers", "CLB Registers"),
    "DSP": ("DSPs",),
    "BRAM_36K_tiles": ("Block RAM Tile",),
    "URAM": ("URAM",),
}
# every report_utilization has these; URAM only on parts that have it
_VIVADO_REQUIRED = ("LUT", "FF", "BRAM_36K_tiles", "DSP")


def read_vivado_utilisation(report: Path) -> dict:
    """Post-synthesis utilisation from Vivado's report_utilization (used, available, %), its
    tables read by their column names (Vivado 2022.1 and later add a ``Prohibited`` column)."""
    report = Path(report)
    text = _read_report(report, "Vivado utilisation report")
    device = re.search(r"\|\s*Device\s*:\s*(\S+)", text)
    version = re.search(r"\|\s*Tool Version\s*:\s*Vivado v\.?(\S+)", text)
    resources = {}
    for table in _tables(text):
        if not {"Site Type", "Used", "Available", "Util%"} <= set(table.columns):
            continue
        for row in table.rows:
            cells = table.named(row)
            name = cells["Site Type"].rstrip("*").strip()
            for kind, labels in _VIVADO_ROWS.items():
                if name in labels and kind not in resources:
                    resources[kind] = _utilisation(report, name, cells)
    missing = [kind for kind in _VIVADO_REQUIRED if kind not in resources]
    if missing:
        rows = ", ".join(_VIVADO_ROWS[k][-1] for k in missing)
        raise ToolError(
            f"{report}: no {rows} rows in the utilisation tables (truncated or not a report_utilization file?)"
            if resources
            else f"{report}: no utilisation table found (truncated or not a report_utilization file?)"
        )
    return {
        "source": str(report),
        "tool_version": version.group(1) if version else "",
        "device": device.group(1) if device else "",
        "resources": resources,
    }


def _utilisation(report: Path, name: str, cells: dict[str, str]) -> dict:
    used = _cell(cells["Used"], report, f"{name} Used")
    if used is None:
        raise ToolError(f"{report}: the {name} row has no Used count ({cells['Used']!r})")
    available = _cell(cells["Available"], report, f"{name} Available")
    percent_text = cells["Util%"].strip()
    if percent_text.startswith("<") and available:
        percent = 100.0 * used / available  # Vivado prints '<0.01': the exact share instead
    else:
        percent = _cell(percent_text, report, f"{name} Util%")
    return {"used": used, "available": available, "percent": percent}
