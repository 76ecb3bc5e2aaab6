"""``scan.md``: what a scan built, for people: the points, their figures, the failures, the Pareto front."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.files import write_text
from .plots import PARETO_PLOT, efficiency_column, pareto_front, plot_pareto, read_reference, signals_of, usable_rows
from .results import RESULTS_CSV, RESULTS_PARQUET, rate_label

if TYPE_CHECKING:
    from ..config.scan import ScanConfig
    from .points import ScanPoint

SCAN_MD = "scan.md"


def _verdict(value) -> str:
    return "" if value is None else ("yes" if value else "NO")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _table(header: list[str], rows: list[list]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_cell(c).replace("|", "\\|") for c in row) + " |" for row in rows),
    ]


def _varying_and_common(points: list["ScanPoint"]) -> tuple[list[str], dict]:
    """The keys whose value differs between points (the table's columns) and those every point
    sets to the same value (listed once: a whole layer list in every row reads badly)."""
    keys = list(dict.fromkeys(k for p in points for k in p.values))
    common = {}
    for key in keys:
        values = [p.values.get(key, _UNSET) for p in points]
        if len(points) > 1 and all(v is not _UNSET and v == values[0] for v in values):
            common[key] = values[0]
    return [k for k in keys if k not in common], common


_UNSET = object()


def markdown(
    spec: "ScanConfig",
    scan_file: Path,
    rows: list[dict],
    points: list["ScanPoint"],
    plot: str | None,
    references: list[dict],
) -> str:
    done = [row for row in rows if row["status"] == "done"]
    rate = spec.pareto.rate_khz
    signals = signals_of(done, rate)
    keys, common = _varying_and_common(points)
    lines = [
        f"# cicada scan: {spec.name}",
        "",
        f"Scan file `{scan_file}`, base config `{spec.base}`, engine `{spec.engine.kind}`. "
        f"{len(rows)} point(s): {len(done)} done, {len(rows) - len(done)} failed. "
        f"Results: [{RESULTS_CSV}]({RESULTS_CSV}), [{RESULTS_PARQUET}]({RESULTS_PARQUET}).",
        "",
        "Every figure comes from the point's own build (`hls_projects/<scan>/<point>/report.json`); latency and "
        "resources are the best source each point has, named in the results' `latency_source` and "
        "`resources_source` columns.",
        "",
        "## Points",
        "",
    ]
    if common:
        shown = "; ".join(f"`{k}` = `{json.dumps(v) if isinstance(v, (list, dict)) else v}`" for k, v in common.items())
        lines += [f"Every point sets {shown}.", ""]
    objective = spec.objective.cost if spec.objective else None
    header = [
        "point",
        *keys,
        "params",
        *[f"AUC {s}" for s in signals],
        *[f"AUC {s} - teacher" for s in signals],
        *[f"eff {s} @ {rate:g} kHz [68%]" for s in signals],
        "latency ns",
        "BX",
        *([f"objective ({objective})", "on front"] if objective else []),
        "adder terms",
        "LUT (alkaid est.)",
        "LUT",
        "FF",
        "CARRY",
        "cell delay ns",
        "bit-exact",
        "s",
        "status",
    ]
    body = [
        [
            row["point"],
            *[row.get(k) for k in keys],
            row.get("parameters"),
            *[row.get(f"auc:{s}") for s in signals],
            *[row.get(f"auc_minus_teacher:{s}") for s in signals],
            *[_efficiency(row, rate, s) for s in signals],
            row.get("latency_ns"),
            row.get("latency_bx"),
            *([row.get("objective"), _verdict(row.get("on_front"))] if objective else []),
            row.get("adder_terms"),
            row.get("LUT_estimate"),
            row.get("LUT"),
            row.get("FF"),
            row.get("CARRY"),
            row.get("cell_delay_ns"),
            _verdict(row.get("bit_exact")),
            row.get("wall_seconds"),
            row["status"],
        ]
        for row in rows
    ]
    lines += _table(header, body)
    lines += [
        "",
        "LUT, FF and CARRY: the best source each point has (`resources_source`: Yosys' synth_xilinx, or alkaid's "
        "estimate where Yosys did not run); LUT (alkaid est.): alkaid's cost model of the adder graph for every "
        "point; adder terms: the quantized kernels' canonical-signed-digit terms, once per application of each "
        "kernel (an estimate of the adders before sharing); cell delay: the slowest pipeline stage's cells in "
        "Yosys' 7-series model (an estimate: no placement or routing).",
    ]
    if objective and spec.objective.yosys_on_front:
        measured = [row["point"] for row in rows if row.get("yosys_on_front")]
        lines += [
            "",
            f"Objective: {objective}, minimised against the efficiency at {rate:g} kHz of any signal; Yosys measured "
            f"the front's points after the scan: {', '.join(f'`{p}`' for p in measured) or 'none needed it'}.",
        ]
    if references:
        lines += ["", "References (marked in the Pareto plots):", ""]
        lines += _table(
            [
                "reference",
                *[f"AUC {s}" for s in signals],
                *[f"eff {s} @ {rate:g} kHz [68%]" for s in signals],
                "BX",
                "adder terms",
                "LUT (alkaid est.)",
                "LUT",
                "FF",
                "CARRY",
                "cell delay ns",
                "LUT from",
            ],
            [
                [
                    ref["point"],
                    *[ref.get(f"auc:{s}") for s in signals],
                    *[_efficiency(ref, rate, s) for s in signals],
                    ref.get("latency_bx"),
                    ref.get("adder_terms"),
                    ref.get("LUT_estimate"),
                    ref.get("LUT"),
                    ref.get("FF"),
                    ref.get("CARRY"),
                    ref.get("cell_delay_ns"),
                    ref.get("resources_source"),
                ]
                for ref in references
            ],
        )
    failed = [row for row in rows if row["status"] != "done"]
    if failed:
        lines += ["", "## Failures", ""] + [f"- `{row['point']}`: {row['error']}" for row in failed]
    lines += ["", f"## Pareto front at {rate:g} kHz", ""]
    if plot:
        lines += [f"![Pareto plots]({plot})", ""]
    for signal in signals:
        column = efficiency_column(rate, signal)
        for cost in (*(["objective"] if objective else []), "LUT", "latency_ns"):
            usable = usable_rows(done, cost, column, objective)
            if not usable:
                lines.append(f"- {signal} vs {cost}: no finished point has {cost} figures")
                continue
            front = pareto_front([float(r[cost]) for r in usable], [float(r[column]) for r in usable])
            shown = ", ".join(
                f"`{usable[i]['point']}` ({_cell(usable[i][cost])}, {_cell(usable[i][column])})" for i in front
            )
            lines.append(f"- {signal} vs {cost}: {shown}")
    return "\n".join(lines) + "\n"


def _efficiency(row: dict, rate: float, signal: str) -> str | None:
    """The efficiency with its 68% interval, as one cell."""
    value = row.get(efficiency_column(rate, signal))
    if value is None:
        return None
    low = row.get(f"efficiency_low@{rate_label(rate)}:{signal}")
    high = row.get(f"efficiency_high@{rate_label(rate)}:{signal}")
    return f"{value:.3f}" + (f" [{low:.3f}, {high:.3f}]" if low is not None and high is not None else "")


def write_documents(
    spec: "ScanConfig",
    scan_file: Path,
    rows: list[dict],
    points: list["ScanPoint"],
    directory: Path,
    reference_files: list[Path],
) -> dict[str, Path]:
    """pareto.png and scan.md in ``directory``."""
    references = [read_reference(path, f"{scan_file}: key 'reference'") for path in reference_files]
    plot = plot_pareto(
        rows,
        spec.pareto.rate_khz,
        directory / PARETO_PLOT,
        f"scan {spec.name}: efficiency at {spec.pareto.rate_khz:g} kHz vs cost",
        references,
        spec.objective.cost if spec.objective else None,
    )
    text = markdown(spec, scan_file, rows, points, os.path.relpath(plot, directory), references)
    return {"pareto": plot, "markdown": write_text(directory / SCAN_MD, text)}
