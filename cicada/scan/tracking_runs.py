"""A finished scan as MLflow runs: a parent run for the scan and one child run per point.

The parent's params are the base config's (flattened) and the scan file's settings (``scan.*``),
its metrics the number of points done and failed, its artifacts the scan file, the base config,
the results table, the Pareto plot and scan.md. A child's params are the keys its point changes,
its metrics and tags its row of the results table, its artifacts its report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .. import __version__
from ..core.files import sha256_json
from ..evaluation.documents import REPORT_JSON, REPORT_MD
from ..pipeline.context import BuildContext
from ..tracking import ledger
from ..tracking.figures import split_row
from ..tracking.names import flatten, mlflow_name, text
from ..tracking.store import Tracked, TrackedRun, TrackingUnavailable, store_for, write_runs

if TYPE_CHECKING:
    from ..config.scan import ScanConfig
    from ..config.sections import BuildConfig
    from ..config.tracking import TrackingConfig
    from .points import ScanPoint

#: Columns that describe this run of the scan rather than the points: they do not count as a change.
VOLATILE_COLUMNS = ("stages_run", "seconds_this_run")


def scan_tracking(spec: "ScanConfig", base: "BuildConfig") -> "TrackingConfig":
    """The scan file's tracking section, else the base config's."""
    return spec.tracking or base.tracking


def track_scan(
    spec: "ScanConfig",
    scan_file: Path,
    base_path: Path,
    base: "BuildConfig",
    points: "Sequence[ScanPoint]",
    rows: list[dict],
    root: Path,
    files: Sequence[Path],
) -> Tracked:
    """Log the scan (``rows`` in the order of ``points``; ``files``: its tables and documents) unless
    the same results were logged to the same store already."""
    settings = scan_tracking(spec, base)
    directory = root / "models" / spec.name
    store = store_for(settings, directory, spec.name)
    key = sha256_json([{k: v for k, v in row.items() if k not in VOLATILE_COLUMNS} for row in rows])
    previous = ledger.logged_run(directory, store, key)
    if previous is not None and not settings.force:
        return Tracked(
            "unchanged",
            previous,
            f"no point changed since MLflow run {previous} at {store.uri} (tracking.force logs again)",
        )
    done = sum(row["status"] == "done" for row in rows)
    parent = TrackedRun(
        name=spec.name,
        params={
            **flatten(base.model_dump(mode="json", exclude={"tracking"})),
            **flatten(spec.model_dump(mode="json", exclude={"tracking"}), "scan"),
        },
        metrics={"points": float(len(rows)), "points_done": float(done), "points_failed": float(len(rows) - done)},
        tags={
            "scan": spec.name,
            "scan_file": str(scan_file),
            "base_config": str(base_path),
            "cicada_version": __version__,
        },
        artifacts=[
            (path, folder)
            for path, folder in [
                (Path(scan_file), "config"),
                (base_path, "config"),
                *((Path(f), "results") for f in files),
            ]
            if path.is_file()
        ],
    )
    children = [point_run(spec, point, row, base_path, root) for point, row in zip(points, rows)]
    try:
        run_id = write_runs(store, parent, children)
    except TrackingUnavailable as err:
        return Tracked("unavailable", None, str(err))
    ledger.remember(directory, store, run_id, key)
    return Tracked(
        "logged",
        run_id,
        f"MLflow run {run_id} with {len(children)} child run(s), experiment '{store.experiment}' at {store.uri}",
    )


def point_run(spec: "ScanConfig", point: "ScanPoint", row: dict, base_path: Path, root: Path) -> TrackedRun:
    """A point's child run: its changed keys as params, the rest of its results row as metrics and tags."""
    measured = {key: value for key, value in row.items() if key not in point.values}
    metrics, tags = split_row(measured)
    tags["label"] = text(point.label())
    project = BuildContext(point.config, base_path, root, folder=f"{spec.name}/{point.id}").project_dir
    return TrackedRun(
        name=point.id,
        params={mlflow_name(key): text(value) for key, value in point.values.items()},
        metrics=metrics,
        tags=tags,
        artifacts=[(project / name, "report") for name in (REPORT_JSON, REPORT_MD) if (project / name).is_file()],
    )
