"""Yosys' figures of an RTL project as typed records: resources (with the netlist's cells) and the
logic depth against the clock, each labelled with its source.

The ``rtl`` backend measures the RTL it has just written with it; a scan measures, after its points
are built, the RTL of the points on its Pareto front (:func:`measure_written`), whose builds may
have left Yosys off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.labels import source
from ...core.synthesis_figures import LogicDepth, NetlistCells, Resources
from .project import RTLProject, read_project
from .yosys import synthesize

DEPTH_METHOD = (
    "slowest register-to-register path of the synthesized stages, 7-series cell delays of Yosys' cells_sim.v plus "
    "clock-to-Q, no placement or routing (routing typically adds as much again)"
)


@dataclass(frozen=True)
class Measured:
    """What Yosys measured of one project, and how long it took."""

    resources: Resources
    depth: LogicDepth
    seconds: float


def measure(project: RTLProject, part: str, clock_ns: float) -> Measured:
    """Synthesize ``project`` with Yosys for ``part``: its resources and logic depth."""
    synthesis = synthesize(project, part)
    tool = synthesis.yosys.split(" (")[0]
    cells = synthesis.resources
    resources = Resources(
        source("open-source synthesis", tool, synthesis.method),
        {**cells.summary(), "FF": synthesis.flip_flops},
        netlist=NetlistCells(cells.luts_by_size, cells.count("INV"), cells.cells, synthesis.family),
    )
    delay = synthesis.depth.delay_ps / 1000
    depth = LogicDepth(
        lut_levels=synthesis.depth.lut_levels,
        carry4=synthesis.depth.carry_cells,
        max_lut_levels=synthesis.depth.max_lut_levels,
        cell_delay_ns=delay,
        clock_ns=clock_ns,
        margin_for_routing_ns=clock_ns - delay,
        stage_cell_delays_ns=[d.delay_ps / 1000 for d in synthesis.stage_depths],
        source=source("estimate", tool, DEPTH_METHOD),
    )
    return Measured(resources, depth, synthesis.seconds)


def measure_written(rtl_dir: Path, part: str, clock_ns: float) -> Measured:
    """:func:`measure` of the project written in ``rtl_dir`` earlier (its ``project.json``)."""
    return measure(read_project(rtl_dir), part, clock_ns)
