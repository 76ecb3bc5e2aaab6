"""A scan's results: one row per point, read from the point's report.json, as CSV and Parquet.

Every figure comes from the point's own build (its stages' typed results, gathered in
report.json); latency and resources carry the label of where they come from (vendor HLS,
RTL simulation, open-source synthesis, estimate), the best source the point has.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Sequence

from ..core.files import atomic_path

RESULTS_CSV = "results.csv"
RESULTS_PARQUET = "results.parquet"
#: Backends in the order their figures are preferred: vendor reports first, then the RTL flow.
BACKEND_PREFERENCE = ("vendor", "rtl")
#: Columns every row has, first in the table.
LEADING_COLUMNS = ("point", "status", "error", "shared")
RESOURCE_COLUMNS = ("LUT", "FF", "DSP", "BRAM")


def rate_label(rate_khz: float) -> str:
    return f"{rate_khz:g}kHz"


def _latency(report: dict) -> dict:
    for backend in BACKEND_PREFERENCE:
        entry = report.get("latency", {}).get(backend) or {}
        if entry.get("available"):
            return {
                "latency_cycles": entry.get("cycles"),
                "latency_ns": entry.get("ns"),
                "latency_bx": entry.get("bx"),
                "latency_source": entry.get("source"),
            }
    return {"latency_cycles": None, "latency_ns": None, "latency_bx": None, "latency_source": _missing(report)}


def _resources(report: dict) -> dict:
    for backend in BACKEND_PREFERENCE:
        entry = report.get("resources", {}).get(backend) or {}
        if entry.get("available"):
            return {
                "LUT": entry.get("LUT"),
                "FF": entry.get("FF"),
                "DSP": entry.get("DSP"),
                # vendor HLS counts 18K blocks, Yosys RAMB cells: the source label says which
                "BRAM": entry.get("BRAM_18K", entry.get("BRAM")),
                "resources_source": entry.get("source"),
            }
    for estimate in (report.get("estimates") or {}).values():
        return {**{k: estimate.get(k) for k in RESOURCE_COLUMNS}, "resources_source": estimate.get("source")}
    return {**{k: None for k in RESOURCE_COLUMNS}, "resources_source": _missing(report)}


def _missing(report: dict) -> str:
    reasons = [
        f"{name}: {str(entry.get('reason')).split(', ')[0]}"
        for name, entry in (report.get("latency") or {}).items()
        if not entry.get("available")
    ]
    return "not available (" + "; ".join(reasons) + ")" if reasons else "not available"


def _bit_exact(report: dict) -> dict:
    accuracy = report["bit_accuracy"]
    everything = accuracy["firmware_vs_qkeras_all_test_events"].values()
    rtl = report.get("rtl_bit_accuracy")
    return {
        "bit_exact": bool(
            accuracy["csim_vs_qkeras"]["bit_exact"]
            and accuracy["emulator_vs_csim"]["bit_exact"]
            and all(a["bit_exact"] for a in everything)
        ),
        "bit_exact_events": int(accuracy["csim_vs_qkeras"]["events"] + sum(a["events"] for a in everything)),
        "rtl_bit_exact": None if not rtl else bool(rtl["vs_qkeras"]["bit_exact"] and rtl["vs_csim"]["bit_exact"]),
    }


def figures(report: dict) -> dict:
    """The measured columns of a point, from its report.json."""
    row: dict[str, Any] = {"architecture": report["student"]["architecture"], "parameters": report["parameter_count"]}
    for signal, auc in (report.get("auc") or {}).items():
        row[f"auc:{signal}"] = auc["firmware"]
        # the gap the student is chosen to close: the teacher is shared, the student is the point's
        row[f"auc_minus_teacher:{signal}"] = auc.get("firmware_minus_teacher")
    rates = report["rates"]
    row["zero_bias_events"] = rates["zero_bias_events"]
    for point in rates["working_points"]:
        label = rate_label(point["target_khz"])
        row[f"threshold@{label}"] = point["threshold"]
        row[f"rate@{label}"] = point["rate_khz"]
        row[f"statistics_limited@{label}"] = point["statistics_limited"]
        for signal, efficiency in point["signal_efficiency"].items():
            row[f"efficiency@{label}:{signal}"] = efficiency
    row.update(_latency(report))
    row.update(_resources(report))
    row.update(_bit_exact(report))
    row["wall_seconds"] = round(sum(t["seconds"] for t in (report.get("stage_seconds") or {}).values()), 2)
    return row


def row_for(point, status: str, error: str | None = None, report: dict | None = None, **extra) -> dict:
    """One row: the point, its values (one column per key path) and, when it finished, its figures."""
    row: dict[str, Any] = {"point": point.id, "status": status, "error": error, "shared": point.shared_id}
    row.update({key: _cell(value) for key, value in point.values.items()})
    row.update(extra)
    if report is not None:
        row.update(figures(report))
    return row


def _cell(value: Any) -> Any:
    """A scan value as one table cell: lists and mappings (a whole layer list) as JSON text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, tuple, dict)) else value


def columns(rows: list[dict], keys: Sequence[str] = ()) -> list[str]:
    """Every column of the rows: the leading ones, the scan's ``keys``, then the rest in the order they appear."""
    names: dict[str, None] = dict.fromkeys([*LEADING_COLUMNS, *keys])
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _uniform(values: list) -> list:
    """One type per column for Parquet: integers become floats beside floats, anything mixed text."""
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if kinds <= {int, float} and float in kinds:
        return [None if v is None else float(v) for v in values]
    if len(kinds) > 1:
        return [None if v is None else (v if isinstance(v, str) else json.dumps(v)) for v in values]
    return values


def write_table(rows: list[dict], directory: Path, keys: Sequence[str] = ()) -> dict[str, Path]:
    """results.csv and results.parquet in ``directory`` (the scan's ``keys`` as the first columns
    after the point's), each replaced atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    names = columns(rows, keys)
    data = {name: _uniform([row.get(name) for row in rows]) for name in names}
    table = pa.table({name: pa.array(values) for name, values in data.items()})
    paths = {"csv": directory / RESULTS_CSV, "parquet": directory / RESULTS_PARQUET}
    with atomic_path(paths["parquet"]) as tmp:
        pq.write_table(table, tmp)
    with atomic_path(paths["csv"]) as tmp:
        with open(tmp, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            for i in range(len(rows)):
                writer.writerow(["" if data[n][i] is None else data[n][i] for n in names])
    return paths


def read_table(directory: Path) -> list[dict]:
    """The rows of a scan's results.parquet (empty when there is none yet)."""
    import pyarrow.parquet as pq

    path = Path(directory) / RESULTS_PARQUET
    return pq.read_table(path).to_pylist() if path.exists() else []
