"""A finished build as one MLflow run, from its own records: report.json, the stage stamps and
the training histories.

Params: the config, flattened (``student.layers.4.units``), without the tracking section. Metrics:
:func:`.figures.report_figures`, the training curves per epoch, and the process's peak memory when
stages ran in it. Tags: where each latency and resource figure comes from, each stage's
fingerprint, the stages this build ran. Artifacts: the config file, the report, thresholds,
plots, training histories and (``log_models``) the model files.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..core.files import sha256_file, sha256_json
from ..evaluation.documents import REPORT_JSON, REPORT_MD
from ..pipeline import stamps
from ..pipeline.build import stages_for
from . import ledger
from .figures import report_figures, training_curves
from .names import flatten, mlflow_name
from .store import Tracked, TrackedRun, TrackingUnavailable, store_for, write_runs

if TYPE_CHECKING:
    from ..pipeline.context import BuildContext
    from ..pipeline.engine import StageOutcome

#: Files of the project folder logged beside the report (the rates stage writes them).
THRESHOLD_FILES = ("thresholds.csv", "thresholds.json")


def stage_fingerprints(context: "BuildContext") -> dict[str, str]:
    """Each stage's fingerprint as its stamp records it (stages without a stamp left out)."""
    found = {}
    for stage in stages_for(context):
        stamp = stamps.read_stamp(context.stage_dir(stage.name), stage.name, stage.result)
        if stamp is not None:
            found[stage.name] = stamp.fingerprint
    return found


def track_build(context: "BuildContext", outcomes: "list[StageOutcome] | None" = None, force: bool = False) -> Tracked:
    """Log the finished build of ``context`` (its report.json must exist) unless the same build was
    logged to the same store already; ``outcomes`` are the stages this process just ran or reused."""
    settings = context.config.tracking
    report_path = context.project_dir / REPORT_JSON
    store = store_for(settings, context.model_dir, context.config.name)
    fingerprints = stage_fingerprints(context)
    key = sha256_json({"fingerprints": fingerprints, "report": sha256_file(report_path)})
    previous = ledger.logged_run(context.model_dir, store, key)
    if previous is not None and not (force or settings.force):
        return Tracked(
            "unchanged",
            previous,
            f"nothing new since MLflow run {previous} at {store.uri} (tracking.force or `cicada track --force` "
            "logs again)",
        )
    run = build_run(context, json.loads(report_path.read_text()), fingerprints, outcomes)
    try:
        run_id = write_runs(store, run)
    except TrackingUnavailable as err:
        return Tracked("unavailable", None, str(err))
    ledger.remember(context.model_dir, store, run_id, key)
    return Tracked("logged", run_id, f"MLflow run {run_id}, experiment '{store.experiment}' at {store.uri}")


def build_run(
    context: "BuildContext", report: dict, fingerprints: dict[str, str], outcomes: "list[StageOutcome] | None"
) -> TrackedRun:
    config = context.config
    metrics, tags = report_figures(report)
    tags.update(
        {
            "build": config.name,
            "config_file": str(context.config_path),
            "cicada_version": __version__,
            **{mlflow_name(f"fingerprint/{stage}"): value for stage, value in fingerprints.items()},
        }
    )
    if outcomes is not None:
        ran = [o.name for o in outcomes if not o.reused]
        tags["stages_run"] = " ".join(ran) or "none (every stage reused)"
        if ran:
            metrics["peak_memory_mb"] = peak_memory_mb()
            tags["peak_memory_source"] = "largest resident set of the build process (getrusage), stages run here"
    curves = {}
    for label in ("teacher", "student"):
        if report.get(label):
            # the training writes <label>_history.csv beside the model (cicada.models.training.fit)
            history = context.root / Path(report[label]["model_file"]).parent / f"{label}_history.csv"
            curves.update(training_curves(history, label))
    return TrackedRun(
        name=config.name,
        params=flatten(config.model_dump(mode="json", exclude={"tracking"})),
        metrics=metrics,
        tags=tags,
        curves=curves,
        artifacts=artifacts(context, report),
    )


def artifacts(context: "BuildContext", report: dict) -> list[tuple[Path, str]]:
    """(file, artifact folder) of what a run keeps: files the report names or the project folder holds."""
    project = context.project_dir
    found = [(context.config_path, "config")]
    found += [(project / name, "report") for name in (REPORT_JSON, REPORT_MD, *THRESHOLD_FILES)]
    found += [(path, "plots") for path in sorted(project.glob("*.png"))]
    for label in ("teacher", "student"):
        entry = report.get(label)
        if not entry:
            continue
        model = context.root / entry["model_file"]
        found.append((model.parent / f"{label}_history.csv", "training"))
        if entry.get("loss_plot"):  # an imported student has none
            found.append((context.root / entry["loss_plot"], "plots"))
        if context.config.tracking.log_models:
            found.append((model, "models"))
    return [(path, folder) for path, folder in found if path.is_file()]


def peak_memory_mb() -> float:
    """The largest resident set this process has had, in MiB (Linux counts KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
