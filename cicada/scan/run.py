"""``cicada scan``: every point of a scan file built on Dask, the results gathered as points finish.

The order of work: the scan file and every point's config are validated (nothing runs when
one is wrong); the engine starts and its workers are checked; one task per group of points
with the same data and teacher settings runs those shared stages; one task per point runs
its own stages (student, convert, verify, scores, quality, synthesis, rates, report) once
its group's task is done. Each finished point is added to the table (CSV and Parquet,
replaced atomically); a failed point records its error and the others go on.

Layout: ``models/<scan>/shared/<group>/`` (data, teacher; with ``base_build``, the base
config's own ``models/<base>/`` for its group), ``models/<scan>/<point>/`` and
``hls_projects/<scan>/<point>/`` (each point's build), ``models/<scan>/results.*``,
``pareto.png`` and ``scan.md``.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import ConfigError
from ..core.progress import log, progress
from .front import with_objective
from .points import ScanPoint, expand, shared_id
from .results import read_table, row_for, write_table
from .tasks import BuildJob, one_line, run_point, run_shared

if TYPE_CHECKING:
    from ..config.scan import ScanConfig
    from ..config.sections import BuildConfig

SHARED_FOLDER = "shared"


@dataclass
class ScanOutcome:
    directory: Path
    rows: list[dict]
    tables: dict[str, Path]
    documents: dict[str, Path] = field(default_factory=dict)
    dashboard: str | None = None

    @property
    def failed(self) -> list[dict]:
        return [row for row in self.rows if row["status"] != "done"]


def base_config_path(spec: "ScanConfig", scan_file: Path) -> Path:
    return (Path(scan_file).parent / spec.base).resolve()


def reference_paths(spec: "ScanConfig", scan_file: Path) -> list[Path]:
    """The reference builds' report.json files (none, one or several), resolved from the scan file's folder."""
    given = [spec.reference] if isinstance(spec.reference, str) else list(spec.reference or ())
    return [(Path(scan_file).parent / name).resolve() for name in given]


def prepare(spec: "ScanConfig", scan_file: Path) -> tuple[Path, list[ScanPoint]]:
    """The base config's path and every point, validated (before any worker starts)."""
    from ..config.loader import load_config

    base_path = base_config_path(spec, scan_file)
    if not base_path.exists():
        raise ConfigError(f"{scan_file}: key 'base': build config {base_path} not found")
    base = load_config(base_path)
    points = expand(spec, base, scan_file)
    if spec.rate_sample is not None:
        for point in points:
            if point.config.data.generator == "files":
                raise ConfigError(
                    f"{scan_file}: point {point.id}: key 'rate_sample': expected a data generator that makes events "
                    "(synthetic, pythia), got generator 'files'"
                )
    for reference in reference_paths(spec, scan_file):
        from .plots import read_reference

        read_reference(reference, f"{scan_file}: key 'reference'")
    return base_path, points


def shared_folders(spec: "ScanConfig", base: "BuildConfig", groups) -> dict[str, str]:
    """Group id -> the build folder below models/ holding the group's data and teacher: the
    scan's own ``<scan>/shared/<group>``, or with ``base_build`` the base config's build for
    the group with the base config's settings."""
    borrowed = shared_id(base) if spec.base_build else None
    return {group: base.name if group == borrowed else f"{spec.name}/{SHARED_FOLDER}/{group}" for group in groups}


def check_base_build(spec: "ScanConfig", scan_file: Path, base_path: Path, base: "BuildConfig", root: Path) -> None:
    """With ``base_build``, the base build's data and teacher must be up to date (the scan never
    runs them there): otherwise one error saying what to run."""
    from ..pipeline.build import make_context, shared_stages
    from ..pipeline.engine import statuses

    if not spec.base_build:
        return
    context = make_context(base, base_path, root)
    stale = [f"{stage}: {status}" for stage, status in statuses(shared_stages(), context) if status != "up to date"]
    if stale:
        raise ConfigError(
            f"{scan_file}: key 'base_build': expected the data and teacher of the base build in "
            f"{context.relative(context.model_dir)} to be up to date, got {'; '.join(stale)}; run "
            f"`cicada build {base_path} --until teacher` first (from {root})"
        )


def _job(
    spec, point: ScanPoint | None, config, root: Path, base_path: Path, identity: dict, group: str, folders
) -> BuildJob:
    """A point's build (borrowing its group's data and teacher), or the group's shared build
    (``point`` None), which borrows them in turn when they are the base build's."""
    own_shared = f"{spec.name}/{SHARED_FOLDER}/{group}"
    return BuildJob(
        root=str(root),
        config_path=str(base_path),
        config=config.plain(),
        folder=f"{spec.name}/{point.id}" if point else own_shared,
        identity=identity,
        shared_folder=folders[group] if point or folders[group] != own_shared else None,
    )


def run_scan(spec: "ScanConfig", scan_file: Path, root: Path | None = None) -> ScanOutcome:
    """Build every point of ``spec`` on its engine; returns the rows (also written to disk)."""
    from dask.distributed import as_completed

    from ..config.loader import load_config
    from .cluster import check_workers, cicada_identity, memory_resources, open_engine
    from .summary import write_documents

    root = Path(root or Path.cwd()).resolve()
    scan_file = Path(scan_file)
    base_path, points = prepare(spec, scan_file)
    base = load_config(base_path)
    check_base_build(spec, scan_file, base_path, base, root)
    from .tracking_runs import scan_tracking

    tracking = scan_tracking(spec, base).enabled
    if tracking:
        from ..tracking.store import require_mlflow

        require_mlflow(str(scan_file if spec.tracking else base_path))
    directory = root / "models" / spec.name
    groups: dict[str, ScanPoint] = {}
    for point in points:
        groups.setdefault(point.shared_id, point)
    folders = shared_folders(spec, base, groups)
    log.info(
        f"scan '{spec.name}': {len(points)} point(s) from {base_path.name}, {len(groups)} shared data/teacher "
        f"group(s); engine {spec.engine.kind}"
    )
    identity = cicada_identity()
    keys = list(dict.fromkeys(key for point in points for key in point.values))
    rows: dict[str, dict] = {}
    # until a point finishes in this run, the table keeps its row from the last run
    ids = {point.id for point in points}
    previous = {row["point"]: row for row in _previous_rows(directory) if row.get("point") in ids}
    tables: dict[str, Path] = {}
    # refused here, before any work, when a worker cannot hold one point's build
    worker_resources, task_resources = memory_resources(spec.engine, spec.memory_per_point)
    with open_engine(spec.engine, spec.retries, spec.worker_silence_s, worker_resources) as client:
        dashboard = client.dashboard_link
        log.info(f"  Dask scheduler {client.scheduler.address}; dashboard {dashboard}")
        workers = check_workers(client)
        log.info(f"  {workers} worker(s), each running cicada {identity['version']} (source {identity['source']})")
        samples = {}
        if spec.rate_sample is not None:
            from .rate_sample import make_sample

            for group, first in groups.items():
                log.info(f"  rate sample of group {group}: {spec.rate_sample.events:,} zero-bias events in shards")
                shared_dir = root / "models" / spec.name / SHARED_FOLDER / group
                samples[group] = make_sample(client, spec, first.config, base_path.parent, shared_dir)
        run_id = uuid.uuid4().hex[:6]
        shared_futures = {
            group: client.submit(
                run_shared,
                _job(spec, None, first.config, root, base_path, identity, group, folders),
                key=f"cicada-shared-{group}-{run_id}",
                retries=spec.retries,
                resources=task_resources,
            )
            for group, first in groups.items()
        }
        futures = {}
        for point in points:
            future = client.submit(
                run_point,
                _job(spec, point, point.config, root, base_path, identity, point.shared_id, folders),
                shared_futures[point.shared_id],
                key=f"cicada-point-{point.id}-{run_id}",
                retries=spec.retries,
                resources=task_resources,
            )
            futures[future] = point
        started = time.monotonic()
        with progress(len(points), "points", unit="points") as bar:
            for future in as_completed(futures):
                point = futures[future]
                rows[point.id] = _row(point, future)
                if point.shared_id in samples and rows[point.id]["status"] == "done":
                    rows[point.id] = _with_rate_sample(client, spec, point, rows[point.id], samples, root, base_path)
                ordered = [rows.get(p.id) or previous[p.id] for p in points if p.id in rows or p.id in previous]
                tables = write_table(ordered, directory, keys)
                _log_point(rows[point.id])
                bar.update(1)
        log.info(f"  {len(points)} point(s) in {time.monotonic() - started:.0f} s")
        ordered = [rows[p.id] for p in points]
        if spec.objective is not None:
            ordered = with_objective(ordered, spec.objective.cost, spec.pareto.rate_khz)
            if spec.objective.yosys_on_front:
                ordered = _measure_front(client, spec, points, ordered, root, base_path, identity)
            tables = write_table(ordered, directory, keys)
    documents = write_documents(spec, scan_file, ordered, points, directory, reference_paths(spec, scan_file))
    if tracking:
        from .tracking_runs import track_scan

        files = [path for path in [*tables.values(), *documents.values()] if path is not None]
        tracked = track_scan(spec, scan_file, base_path, base, points, ordered, root, files)
        tracked.report(f"running `cicada scan {scan_file}` again logs it")
    return ScanOutcome(directory, ordered, tables, documents, dashboard)


def _measure_front(client, spec, points, rows: list[dict], root: Path, base_path: Path, identity: dict) -> list[dict]:
    """The rows, with Yosys' figures for the front's points whose builds did not synthesize (one task each)."""
    from ..evaluation.documents import REPORT_JSON
    from ..pipeline.build import make_context
    from .front import rtl_dir_of, to_measure, with_measured
    from .tasks import run_front_yosys

    by_id = {point.id: point for point in points}
    futures = {}
    for row in to_measure(rows):
        point = by_id[row["point"]]
        context = make_context(point.config, base_path, root, folder=f"{spec.name}/{point.id}")
        rtl_dir = rtl_dir_of(context.project_dir / REPORT_JSON)
        if rtl_dir is None:
            continue
        hls = point.config.hls
        futures[row["point"]] = client.submit(
            run_front_yosys,
            identity,
            str(rtl_dir),
            hls.part,
            hls.clock_period_ns,
            key=f"cicada-front-{point.id}-{uuid.uuid4().hex[:6]}",
            retries=spec.retries,
        )
    if futures:
        log.info(f"  Yosys on {len(futures)} point(s) of the front: {', '.join(futures)}")
    out = []
    for row in rows:
        future = futures.get(row["point"])
        if future is None:
            out.append(row)
            continue
        try:
            answer = future.result()
        except Exception as err:  # a bug or a lost worker, after its retries: the point keeps its estimate
            answer = {"figures": None, "error": one_line(err)}
        if answer["error"]:
            log.info(f"  {row['point']}: Yosys on the front FAILED: {answer['error']}")
            out.append({**row, "front_error": answer["error"]})
        else:
            out.append(with_measured(row, answer["figures"]))
            log.info(f"  {row['point']}: Yosys on the front: LUT {answer['figures']['LUT']:,}")
    return out


def _previous_rows(directory: Path) -> list[dict]:
    """The rows of the last run's table; none when it cannot be read (it is rewritten anyway)."""
    try:
        return read_table(directory)
    except (OSError, ValueError) as err:
        log.info(f"  ignoring the last run's table ({one_line(err)}); it is rewritten")
        return []


def _row(point: ScanPoint, future) -> dict:
    """The point's row from its task: its figures, or its error in one line."""
    try:
        answer = future.result()
    except Exception as err:  # a bug or a lost worker, after its retries: the scan goes on
        return row_for(point, "failed", one_line(err))
    if answer["status"] != "done":
        return row_for(point, "failed", answer["error"])
    return row_for(
        point,
        "done",
        report=answer["report"],
        stages_run=" ".join(answer["ran"]),
        seconds_this_run=round(answer["seconds"], 1),
    )


def _with_rate_sample(client, spec, point: ScanPoint, row: dict, samples: dict, root: Path, base_path: Path) -> dict:
    """The row with its rates from the group's rate sample, scored by the point's firmware in shards."""
    from ..pipeline.build import make_context
    from .rate_sample import point_figures

    context = make_context(point.config, base_path, root, folder=f"{spec.name}/{point.id}")
    try:
        figures = point_figures(
            client, spec, point.config, samples[point.shared_id], context.scores_file, context.project_dir
        )
    except Exception as err:  # the point's other figures stand; its error says what is missing
        return {**row, "status": "failed", "error": f"rate sample: {one_line(err)}"}
    return {**row, **figures}


def _log_point(row: dict) -> None:
    if row["status"] == "done":
        ran = row.get("stages_run") or "nothing: up to date"
        log.info(f"  {row['point']}: done (ran {ran})")
    else:
        log.info(f"  {row['point']}: FAILED: {row['error']}")
