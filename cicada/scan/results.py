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
from ..evaluation.report_figures import figures, rate_label  # noqa: F401  (the scan's plots and rate sample read them here)

RESULTS_CSV = "results.csv"
RESULTS_PARQUET = "results.parquet"
#: Columns every row has, first in the table.
LEADING_COLUMNS = ("point", "status", "error", "shared")


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
