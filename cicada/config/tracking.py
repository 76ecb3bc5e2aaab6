"""The ``tracking:`` section: where a build or a scan is logged to MLflow, if at all.

Its own module because both the build config and the scan file have one. Nothing in it
changes what a stage builds, so no stage's fingerprint includes it: turning tracking on
or pointing it elsewhere reruns nothing.
"""

from __future__ import annotations

from typing import Optional

from .model import ConfigModel, Number, Text, option


class TrackingConfig(ConfigModel):
    """Logging to MLflow (`pip install 'cicada[tracking]'`): one run per build with its config, stage
    fingerprints, figures, training curves, report, plots and model files; a scan logs a parent run with one
    child run per point. A tracking server that does not answer is a warning, never a failed build."""

    enabled: bool = option("log to MLflow when the build (or scan) finishes", False)
    uri: Optional[Text] = option(
        "MLflow tracking URI, as MLflow takes it (http://host:5000, sqlite:////abs/path/mlflow.db, databricks, ...); "
        "null: the MLFLOW_TRACKING_URI environment variable, else a SQLite store in the build's (a scan's) folder "
        "(models/<name>/mlflow.db, artifacts in models/<name>/mlruns/)",
        None,
    )
    experiment: Optional[Text] = option("MLflow experiment; null: the build's (or scan's) name", None)
    log_models: bool = option("log the model files (teacher.h5, student.h5) as artifacts", True)
    force: bool = option(
        "log a new run even when nothing changed since the last one logged to the same store "
        "(by default a build that reuses every stage logs nothing new)",
        False,
    )
    timeout_s: Number = option(
        "seconds to wait for a tracking server to answer before warning and going on without it",
        10.0,
        gt=0.0,
        le=600.0,
    )
