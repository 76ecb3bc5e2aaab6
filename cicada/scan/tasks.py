"""What a Dask worker runs for a scan: the shared stages of a group, and one point's build.

Both go through the build's engine, so a stage that is already up to date (an earlier scan,
or an attempt a lost worker left half done) is reused rather than run again. A user-facing
error (:class:`~cicada.core.errors.CicadaError`: a config the student cannot be converted
with, a failed verification, a missing tool) is the point's result, recorded as one line;
anything else propagates, so Dask retries the task.

The jobs are plain dataclasses of strings and dicts: they travel to workers by pickle.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from ..core.errors import CicadaError
from ..core.files import read_json, write_text
from ..core.progress import log
from .cluster import check_here

POINT_LOG = "scan.log"
POINT_CONFIG = "point.yaml"


@dataclass(frozen=True)
class BuildJob:
    """One build of a scan, as a worker needs it."""

    #: the folder holding models/ and hls_projects/
    root: str
    #: the base config file (relative paths in the config are relative to its folder)
    config_path: str
    #: the build's config as plain data (validated again on the worker)
    config: dict
    #: the build's folder below models/ and hls_projects/
    folder: str
    #: the scan's cicada (version and source hash): the worker must run the same
    identity: dict
    #: the shared build's folder below models/ (points only)
    shared_folder: str | None = None


def one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class _ThisThread(logging.Filter):
    def __init__(self):
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread


@contextlib.contextmanager
def build_log(path: Path) -> Iterator[None]:
    """The build's log messages (this thread's) appended to ``path`` while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    handler.addFilter(_ThisThread())
    level, propagate = log.level, log.propagate
    log.propagate = False  # not to the worker's console: the scan's console shows progress
    log.addHandler(handler)
    if not log.level or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate
        handler.close()


def _context_args(job: BuildJob) -> dict:
    from ..config.loader import config_from_mapping

    root = Path(job.root)
    return {
        "config": config_from_mapping(job.config, source=f"{job.folder}/{POINT_CONFIG}"),
        "config_path": Path(job.config_path),
        "root": root,
        "folder": job.folder,
        "shared_dir": root / "models" / job.shared_folder if job.shared_folder else None,
    }


def run_shared(job: BuildJob) -> dict:
    """The data and teacher stages of one group of points: {"error": None or one line, "ran": [...]}."""
    from ..core.lock import build_lock, remove_leftovers
    from ..pipeline.build import make_context, shared_stages
    from ..pipeline.engine import run_stages

    check_here(job.identity)
    context = make_context(**_context_args(job))
    started = time.monotonic()
    try:
        with build_log(context.model_dir / POINT_LOG), build_lock(context.model_dir, job.folder):
            remove_leftovers(context.model_dir)
            outcomes = run_stages(shared_stages(), context)
    except CicadaError as err:
        return {"error": one_line(err), "ran": [], "seconds": time.monotonic() - started}
    ran = [o.name for o in outcomes if not o.reused]
    return {"error": None, "ran": ran, "seconds": time.monotonic() - started}


def run_point(job: BuildJob, shared: dict) -> dict:
    """One point's build (its data and teacher borrowed from the shared folder):
    {"status": "done" or "failed", "error", "report" (report.json), "ran", "seconds"}."""
    from ..evaluation.documents import REPORT_JSON
    from ..pipeline.build import build

    started = time.monotonic()
    if shared.get("error"):
        return {"status": "failed", "error": f"shared data/teacher stages failed: {shared['error']}", "ran": []}
    check_here(job.identity)
    arguments = _context_args(job)
    model_dir = Path(job.root) / "models" / job.folder
    write_text(model_dir / POINT_CONFIG, yaml.safe_dump(job.config, sort_keys=False))
    try:
        with build_log(model_dir / POINT_LOG):
            context, outcomes = build(**arguments)
    except CicadaError as err:
        return {"status": "failed", "error": one_line(err), "ran": [], "seconds": time.monotonic() - started}
    report = read_json(context.project_dir / REPORT_JSON)
    ran = [o.name for o in outcomes if not o.reused]
    return {"status": "done", "error": None, "report": report, "ran": ran, "seconds": time.monotonic() - started}


def run_front_yosys(identity: dict, rtl_dir: str, part: str, clock_ns: float) -> dict:
    """Yosys on a front point's RTL (:func:`cicada.scan.front.front_figures`): {"figures"} or {"error"}."""
    from .front import front_figures

    check_here(identity)
    try:
        return {"figures": front_figures(rtl_dir, part, clock_ns), "error": None}
    except CicadaError as err:
        return {"figures": None, "error": one_line(err)}
