"""Everything the vendor tools left in a project, each report read by its own reader."""

from __future__ import annotations

from pathlib import Path

from ...core.errors import ToolError
from .cosim import read_cosim
from .csynth_xml import read_csynth
from .locate import VIVADO_REPORT, locate_reports
from .vivado import read_vivado_utilisation


def read_reports(project_dir: Path, top: str | None = None) -> dict:
    """Everything the vendor tools left in a project: C synthesis, co-simulation and Vivado logic
    synthesis (each None when absent; at least one of C synthesis and Vivado must be there), and
    ``layout``: the top, where it was found, which report was read and notes on the choice."""
    found = locate_reports(project_dir, top)
    name = found.top.name
    if found.csynth is None and found.vivado is None:
        raise ToolError(
            f"{found.project_dir}: no C-synthesis report for top '{name}' (no {name}_csynth.xml, {name}_csynth.rpt, "
            f"csynth.xml or csynth.rpt in {', '.join(found.looked_in)}) and no {VIVADO_REPORT}; "
            f"top from {found.top.found_in}"
        )
    result: dict = {"csynth": None, "cosim": None, "vivado": None}
    if found.csynth is not None:
        result["csynth"] = read_csynth(found.csynth)
        reported = result["csynth"].get("top")
        if reported and reported != name:
            raise ToolError(
                f"{found.csynth}: the report is for '{reported}' but the project's top is '{name}' "
                f"({found.top.found_in}): stale or mixed-up reports"
            )
    else:
        result["csynth_reason"] = (
            f"no C-synthesis report for top '{name}' in {found.project_dir} (looked in {', '.join(found.looked_in)}): "
            "no latency figures; resources from Vivado's post-synthesis utilisation"
        )
    if found.cosim is not None:
        result["cosim"] = read_cosim(found.cosim)
    if found.vivado is not None:
        result["vivado"] = read_vivado_utilisation(found.vivado)
    result["layout"] = found.layout()
    return result
