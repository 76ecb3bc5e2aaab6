"""A scan's objective: the cost its Pareto front minimises, and Yosys on the points of the front.

With ``objective`` in the scan file, every row gets ``objective`` (the value of the chosen cost
column: by default alkaid's LUT estimate, which every point's RTL flow gives in seconds) and
``on_front`` (whether the point is on the Pareto front of that cost against the efficiency at
``pareto.rate_khz`` for at least one signal). With ``yosys_on_front``, the RTL each front point's
build wrote is then synthesized by Yosys (one Dask task per point), and its measured LUT, FF,
CARRY, cell delay and LUT levels replace the row's, labelled (``resources_source``,
``yosys_on_front``). The figures are kept beside the RTL (``front_yosys.json``) with a hash of its
Verilog, and reused while the RTL is unchanged.
"""

from __future__ import annotations

from pathlib import Path

from ..core.files import read_json, sha256_json, write_json
from .plots import efficiency_column, pareto_front, signals_of

FRONT_FILE = "front_yosys.json"
#: Row columns Yosys fills for a front point.
MEASURED_COLUMNS = ("LUT", "FF", "CARRY", "DSP", "BRAM", "resources_source", "cell_delay_ns", "lut_levels")


def with_objective(rows: list[dict], cost: str, rate_khz: float) -> list[dict]:
    """The rows with ``objective`` and ``on_front`` (finished rows only are on a front)."""
    done = [row for row in rows if row.get("status") == "done" and row.get(cost) is not None]
    on_front: set[str] = set()
    for signal in signals_of(done, rate_khz):
        column = efficiency_column(rate_khz, signal)
        usable = [row for row in done if row.get(column) is not None]
        front = pareto_front([float(r[cost]) for r in usable], [float(r[column]) for r in usable])
        on_front.update(usable[i]["point"] for i in front)
    return [
        {
            **row,
            "objective": row.get(cost) if row.get("status") == "done" else None,
            "on_front": row["point"] in on_front,
        }
        for row in rows
    ]


def measured_by_synthesis(row: dict) -> bool:
    """Whether the row's resources were measured by a synthesis (not an estimate)."""
    return str(row.get("resources_source") or "").startswith(("open-source synthesis", "vendor"))


def rtl_sources_hash(rtl_dir: Path) -> str:
    """A hash of the project's Verilog and its description: what Yosys reads."""
    from ..core.files import sha256_file

    files = sorted([*Path(rtl_dir).glob("src/**/*.v"), Path(rtl_dir) / "project.json"])
    return sha256_json({str(p.relative_to(rtl_dir)): sha256_file(p) for p in files if p.is_file()})


def front_figures(rtl_dir: str, part: str, clock_ns: float) -> dict:
    """Yosys' figures of the RTL in ``rtl_dir`` as row columns (a worker runs this), kept in
    ``front_yosys.json`` beside it and reused while the Verilog is unchanged."""
    from ..synthesis.rtl.measure import measure_written

    folder = Path(rtl_dir)
    key = rtl_sources_hash(folder)
    kept = folder / FRONT_FILE
    if kept.exists():
        stored = read_json(kept)
        if stored.get("key") == key:
            return stored["figures"]
    measured = measure_written(folder, part, clock_ns)
    counts = measured.resources.counts
    figures = {
        "LUT": counts.get("LUT"),
        "FF": counts.get("FF"),
        "CARRY": counts.get("CARRY"),
        "DSP": counts.get("DSP", 0),
        "BRAM": counts.get("BRAM", 0),
        "resources_source": measured.resources.source,
        "cell_delay_ns": measured.depth.cell_delay_ns,
        "lut_levels": measured.depth.lut_levels,
        "yosys_seconds": round(measured.seconds, 1),
    }
    write_json(kept, {"key": key, "figures": figures})
    return figures


def to_measure(rows: list[dict]) -> list[dict]:
    """The front's rows whose resources no synthesis measured yet."""
    return [row for row in rows if row.get("on_front") and not measured_by_synthesis(row)]


def with_measured(row: dict, figures: dict) -> dict:
    """The row with Yosys' figures of its RTL (``yosys_on_front`` says they came after the build)."""
    return {**row, **{k: figures[k] for k in MEASURED_COLUMNS}, "yosys_on_front": True}


def rtl_dir_of(report_file: Path) -> Path | None:
    """The RTL folder a finished point's report names (None without the RTL flow)."""
    report = read_json(report_file)
    details = ((report.get("synthesis") or {}).get("rtl") or {}).get("details") or {}
    return Path(details["rtl_dir"]) if details.get("rtl_dir") else None
