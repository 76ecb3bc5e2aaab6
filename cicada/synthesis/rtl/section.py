"""The ``rtl`` backend's own part of the build report (:class:`RTLSection`, registered as the ``rtl``
report section): report.json's ``logic_depth``, ``tradeoff``, ``rtl_bit_accuracy`` and ``adder_cost``, report.md's
paragraphs on them and the summary's logic depth, from its figures (:mod:`.figures`).

Only the report reads this module: a change to it reruns the report, not the RTL flow.
"""

from __future__ import annotations

from ...core.markdown import count, table
from ...core.synthesis_figures import LogicDepth, SimulationCheck
from ..sections import ReportSection, report_section
from .figures import RTLFigures, RTLTradeoffRow


@report_section("rtl")
class RTLSection(ReportSection):
    """report.json's ``logic_depth``, ``tradeoff`` and ``rtl_bit_accuracy``; report.md's paragraphs on
    them; the summary's logic depth."""

    def report_json(self, figures: RTLFigures | None) -> dict:
        if figures is None:
            return {"logic_depth": None, "tradeoff": None, "rtl_bit_accuracy": None}
        out = {
            "logic_depth": figures.logic_depth.as_json() if figures.logic_depth else None,
            "tradeoff": [row.as_json() for row in figures.tradeoff],
            "rtl_bit_accuracy": figures.bit_exact.as_json() if figures.bit_exact else None,
        }
        if figures.adder_cost:  # (runs recorded before the count have none)
            out["adder_cost"] = figures.adder_cost
        return out

    def markdown(self, report: dict) -> list[str]:
        out: list[str] = []
        if report.get("adder_cost"):
            out += ["", _adder_cost_text(report["adder_cost"])]
        if report.get("logic_depth"):
            out += ["", _depth_text(LogicDepth.from_json(report["logic_depth"]))]
        if report.get("tradeoff"):
            out += _tradeoff_table([RTLTradeoffRow.from_json(row) for row in report["tradeoff"]])
        if report.get("rtl_bit_accuracy"):
            bits = SimulationCheck.from_json(report["rtl_bit_accuracy"])
            out += [
                "",
                f"RTL bit accuracy: {bits.events:,} test images, {bits.vs_qkeras.mismatches} differ from QKeras, "
                f"{bits.vs_csim.mismatches} from the C simulation ({bits.source}).",
            ]
        return out

    def summary_lines(self, name: str, figures: RTLFigures) -> list[str]:
        depth = figures.logic_depth
        if depth is None:
            return []
        return [
            f"  depth       {name}: {depth.lut_levels} LUT levels + {depth.carry4} CARRY4, "
            f"{depth.cell_delay_ns:.2f} ns of cells vs {depth.clock_ns:g} ns clock (estimate, no routing)"
        ]


def _depth_text(depth: LogicDepth) -> str:
    return (
        f"Logic depth (RTL): the slowest register-to-register path has {depth.lut_levels} LUT levels and "
        f"{depth.carry4} CARRY4 cells (at most {depth.max_lut_levels} LUT levels on any path), "
        f"{depth.cell_delay_ns:.2f} ns of cell delay against the {depth.clock_ns:g} ns clock: "
        f"{depth.margin_for_routing_ns:.2f} ns left for routing. Source: {depth.source}. "
        "Timing closure needs vendor place and route."
    )


def _adder_cost_text(cost: dict) -> str:
    layers = "; ".join(
        f"{name} {layer['terms']:,} terms"
        + (f" x {layer['applications']} positions" if layer["applications"] > 1 else "")
        + f", {layer['zeros'] / layer['weights']:.0%} of {layer['weights']:,} weights zero, mean |w| "
        f"{layer['mean_abs_lsb']:.1f} LSB"
        for name, layer in cost["layers"].items()
    )
    return (
        f"Adder terms of the weights: {cost['adder_terms']:,} ({layers}). Estimate: {cost['method']}; beside "
        "alkaid's LUT estimate and Yosys' count above."
    )


def _knobs(row: RTLTradeoffRow) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(row.solver.items())) or "defaults"


def _tradeoff_table(tradeoff: list[RTLTradeoffRow]) -> list[str]:
    out = [
        "",
        "Trade-off: the same logic pipelined with more or fewer adder levels per stage"
        + (", or built with other settings of alkaid's knobs" if _knob_columns(tradeoff) else "")
        + ". LUT and FF by Yosys where the setting was synthesized; the RTL's own counts (alkaid's LUT cost model, "
        "the flip-flops it declares) for every setting:",
        "",
    ]
    knob_columns = _knob_columns(tradeoff)
    out += table(
        [
            "adders per stage",
            *knob_columns,
            "stages",
            "cycles",
            "ns",
            "BX",
            "LUT (Yosys)",
            "FF (Yosys)",
            "cell delay (ns)",
            "LUT (estimate)",
            "FF (RTL registers)",
            "latency from",
        ],
        [
            [
                row.adders_per_stage,
                *([row.delay_constraint] if "delay constraint" in knob_columns else []),
                *([_knobs(row)] if "other knobs" in knob_columns else []),
                row.stages,
                row.cycles,
                f"{row.ns:.1f}",
                f"{row.bx:.2f}",
                count(row.LUT),
                count(row.FF),
                f"{row.cell_delay_ns:.2f}" if row.cell_delay_ns else "",
                count(row.LUT_estimate),
                count(row.FF_registers),
                row.latency_source.split(" (")[0],
            ]
            for row in sorted(
                tradeoff, key=lambda x: (x.adders_per_stage, x.delay_constraint, sorted(x.solver.items()))
            )
        ],
    )
    sources = {row.synthesis_source for row in tradeoff if row.synthesis_source} | {tradeoff[0].estimate_source}
    return out + ["", "Sources: " + "; ".join(sorted(sources)) + "."]


def _knob_columns(tradeoff: list[RTLTradeoffRow]) -> list[str]:
    """The knobs' columns the table needs: the delay constraint and the other knobs where a row sets them."""
    columns = []
    if any(row.delay_constraint for row in tradeoff):
        columns.append("delay constraint")
    if any(row.solver for row in tradeoff):
        columns.append("other knobs")
    return columns
