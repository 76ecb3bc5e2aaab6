"""The MLflow side of tracking: which store, whether it answers, and writing runs to it.

mlflow is imported here only, and only when a run is written: cicada works without it. The
default store is a SQLite database in the build's folder (MLflow 3 keeps its ``mlruns/`` file
store for old data only and refuses new ones unless ``MLFLOW_ALLOW_FILE_STORE`` is set), with
the artifacts beside it in ``mlruns/``. Anything that goes wrong on the MLflow side becomes a
:class:`TrackingUnavailable`, which callers turn into a warning: tracking never fails a build.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Literal, Sequence
from urllib.parse import urlparse

from ..core.errors import CicadaError
from ..core.progress import log

if TYPE_CHECKING:
    from ..config.tracking import TrackingConfig

#: The default store in a build's (or scan's) folder, and its artifacts.
TRACKING_DB = "mlflow.db"
ARTIFACT_FOLDER = "mlruns"
INSTALL = "pip install 'cicada[tracking]'"
#: MLflow's batch limits (mlflow.utils.validation).
PARAMS_PER_BATCH = 100
METRICS_PER_BATCH = 1000
#: MLflow's HTTP client retries for minutes by default; a build waits this many tries at most.
HTTP_RETRIES = 1


class MissingTrackingExtra(CicadaError):
    """tracking.enabled is true and mlflow is not installed."""


class TrackingUnavailable(Exception):
    """The store does not answer or refused a write (a warning for the user, never a failed build)."""


@dataclass
class TrackedRun:
    """One MLflow run as cicada assembles it, before anything is written."""

    name: str
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    #: metric name -> (step, value) per epoch: training curves
    curves: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    #: (file, folder of the run's artifacts it goes to)
    artifacts: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Tracked:
    """What became of logging a build or a scan."""

    status: Literal["logged", "unchanged", "unavailable"]
    run_id: str | None
    message: str

    def report(self, later: str) -> None:
        """One line on the console; ``later`` says how to log it once the store answers again."""
        if self.status == "unavailable":
            log.warning(f"warning: tracking: {self.message}; nothing logged ({later})")
        else:
            log.info(f"  tracking: {self.message}")


@dataclass(frozen=True)
class Store:
    uri: str
    experiment: str
    #: where a new experiment keeps its artifacts (None: the store decides)
    artifact_location: str | None
    timeout_s: float

    def local_file(self) -> Path | None:
        """The database file of a SQLite store (None for any other store)."""
        return Path(self.uri.removeprefix("sqlite:///")) if self.uri.startswith("sqlite:///") else None


def store_for(settings: "TrackingConfig", folder: Path, name: str) -> Store:
    """The store ``settings`` name: their ``uri``, else ``MLFLOW_TRACKING_URI``, else a SQLite
    store in ``folder``; the experiment is theirs or ``name``."""
    experiment = settings.experiment or name
    uri = settings.uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return Store(uri, experiment, None, settings.timeout_s)
    folder = Path(folder).resolve()
    return Store(
        f"sqlite:///{folder / TRACKING_DB}", experiment, (folder / ARTIFACT_FOLDER).as_uri(), settings.timeout_s
    )


def require_mlflow(where: str) -> None:
    """One clear error before any work when tracking is on and MLflow is not installed."""
    if importlib.util.find_spec("mlflow") is None:
        raise MissingTrackingExtra(f"{where}: key 'tracking.enabled': logging to MLflow needs mlflow: {INSTALL}")


def check_answers(store: Store) -> None:
    """A tracking server that does not answer within ``timeout_s`` is a TrackingUnavailable
    (before MLflow's client would retry for minutes); any HTTP answer counts as one."""
    if urlparse(store.uri).scheme not in ("http", "https"):
        return
    import requests

    try:
        requests.get(store.uri.rstrip("/") + "/health", timeout=store.timeout_s)
    except requests.RequestException as err:
        raise TrackingUnavailable(
            f"the MLflow tracking server at {store.uri} does not answer ({_one_line(err)})"
        ) from err


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


@contextlib.contextmanager
def _bounded_http(timeout_s: float) -> Iterator[None]:
    """MLflow's HTTP retries and timeout bounded while cicada writes (a user's own settings stay)."""
    seconds = str(max(1, math.ceil(timeout_s)))  # MLflow reads whole seconds
    bounds = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(HTTP_RETRIES), "MLFLOW_HTTP_REQUEST_TIMEOUT": seconds}
    added = [name for name in bounds if name not in os.environ]
    os.environ.update({name: bounds[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def write_runs(store: Store, run: TrackedRun, children: Sequence[TrackedRun] = ()) -> str:
    """Write ``run`` (and ``children`` nested below it); its run id. TrackingUnavailable when the
    store does not answer or refuses."""
    with _bounded_http(store.timeout_s):
        check_answers(store)
        try:
            from mlflow.tracking import MlflowClient

            client = MlflowClient(tracking_uri=store.uri)
            experiment = client.get_experiment_by_name(store.experiment)
            experiment_id = (
                experiment.experiment_id
                if experiment is not None
                else client.create_experiment(store.experiment, artifact_location=store.artifact_location)
            )
            run_id = _write(client, experiment_id, run)
            for child in children:
                _write(client, experiment_id, child, parent=run_id)
        # MLflow raises its own, requests', SQLAlchemy's and the file system's errors: each means
        # the run could not be written, which must not fail the build that already succeeded
        except Exception as err:
            raise TrackingUnavailable(f"logging to MLflow at {store.uri} failed ({_one_line(err)})") from err
    return run_id


def _write(client, experiment_id: str, run: TrackedRun, parent: str | None = None) -> str:
    from mlflow.entities import Metric, Param, RunTag

    created = client.create_run(
        experiment_id, run_name=run.name, tags={"mlflow.parentRunId": parent} if parent else None
    )
    run_id = created.info.run_id
    try:
        now = int(time.time() * 1000)
        tags = [RunTag(key, value) for key, value in run.tags.items()]
        params = [Param(key, value) for key, value in run.params.items()]
        for start in range(0, max(len(tags), len(params)), PARAMS_PER_BATCH):
            end = start + PARAMS_PER_BATCH
            client.log_batch(run_id, params=params[start:end], tags=tags[start:end])
        metrics = [Metric(key, value, now, 0) for key, value in run.metrics.items()]
        metrics += [Metric(key, value, now, step) for key, points in run.curves.items() for step, value in points]
        for start in range(0, len(metrics), METRICS_PER_BATCH):
            client.log_batch(run_id, metrics=metrics[start : start + METRICS_PER_BATCH])
        for path, folder in run.artifacts:
            client.log_artifact(run_id, str(path), folder)
    except BaseException:
        with contextlib.suppress(Exception):  # the store may be what failed
            client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    return run_id
