"""The build: stages in order, each skipped when its inputs have not changed.

A stage's fingerprint hashes what it depends on, as make or DVC would: its slice of the
config (and any input files), the source of the cicada modules that implement it, and
the *content* of its upstream stages' outputs. After a stage succeeds its stamp
(fingerprint, output hashes, summary) is written to ``models/<name>/.stamps/<stage>.json``.
A later build reuses the stage when the stamp's fingerprint matches and every output is
still there, unchanged. Because upstream outputs count by content, a stage that reruns
and produces the same files (the build is deterministic) leaves its downstream reusable.
"""

from __future__ import annotations

import importlib
import inspect
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .config import BuildConfig
from .fileio import read_json, sha256_json, sha256_tree, write_json
from .progress import log
from .schema import to_plain

STAMP_DIR = ".stamps"


@dataclass
class BuildContext:
    """Where a build's files live and what its stages have produced so far."""

    config: BuildConfig
    config_path: Path
    root: Path = field(default_factory=Path.cwd)
    summaries: dict[str, dict] = field(default_factory=dict)
    #: fingerprints of the stages computed so far (a stage's own is set before it runs)
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: a QKeras model trained elsewhere (bring your own), or None
    model_file: Path | None = None

    @property
    def model_dir(self) -> Path:
        return self.root / "models" / self.config.name

    @property
    def data_dir(self) -> Path:
        return self.model_dir / "data"

    @property
    def project_dir(self) -> Path:
        return self.root / "hls_projects" / self.config.name

    @property
    def stamp_dir(self) -> Path:
        return self.model_dir / STAMP_DIR

    def relative(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class Stage:
    """One step of the build.

    ``inputs`` picks what the stage depends on beyond its upstream stages (config values,
    input file hashes); ``outputs`` lists the files
    or directories it produces (hashed to detect tampering); ``run`` does the work and
    returns a JSON-able summary that later stages and the report read.
    """

    name: str
    description: str
    upstream: tuple[str, ...]
    modules: tuple[str, ...]
    inputs: Callable[[BuildContext], object]
    outputs: Callable[[BuildContext], list[Path]]
    run: Callable[[BuildContext], dict]


@dataclass
class StageOutcome:
    name: str
    reused: bool
    seconds: float
    summary: dict


def _module_hash(modules: tuple[str, ...]) -> str:
    """Hash of the code a stage runs: cicada modules by name, or package folders (templates)."""
    package = Path(__file__).parent
    sources = {}
    for module in modules:
        if (package / module).is_dir():
            sources[module] = sha256_tree(package / module)
        else:
            sources[module] = inspect.getsource(importlib.import_module(f"cicada.{module}"))
    return sha256_json(sources)


def result_key(fingerprint_: str, outputs: dict[str, str]) -> str:
    """What downstream stages see of a stage: the content of its outputs (or, for a stage
    without output files, its fingerprint)."""
    return sha256_json(outputs) if outputs else fingerprint_


def fingerprint(stage: Stage, context: BuildContext, upstream: dict[str, str]) -> str:
    return sha256_json(
        {
            "stage": stage.name,
            "cicada": __version__,
            "inputs": to_plain(stage.inputs(context)),
            "code": _module_hash(stage.modules),
            "upstream": {name: upstream[name] for name in stage.upstream},
        }
    )


def _hash_outputs(context: BuildContext, stage: Stage) -> dict[str, str]:
    return {context.relative(p): sha256_tree(p) for p in stage.outputs(context)}


def _stamp_path(context: BuildContext, stage: Stage) -> Path:
    return context.stamp_dir / f"{stage.name}.json"


def stage_status(context: BuildContext, stage: Stage, expected: str) -> str:
    """'up to date', or why the stage must run."""
    stamp_file = _stamp_path(context, stage)
    if not stamp_file.exists():
        return "never run"
    stamp = read_json(stamp_file)
    if stamp.get("fingerprint") != expected:
        return "inputs changed"
    for path in stage.outputs(context):
        key = context.relative(path)
        if not path.exists():
            return f"output missing: {key}"
        if stamp.get("outputs", {}).get(key) != sha256_tree(path):
            return f"output changed: {key}"
    return "up to date"


def run_stages(
    stages: list[Stage], context: BuildContext, force: bool = False, until: str | None = None
) -> list[StageOutcome]:
    """Run ``stages`` in order (up to and including ``until``), reusing up-to-date ones."""
    if until is not None and until not in {s.name for s in stages}:
        raise ValueError(f"unknown stage {until!r}")
    selected = []
    for stage in stages:
        selected.append(stage)
        if stage.name == until:
            break
    results: dict[str, str] = {}
    outcomes = []
    for number, stage in enumerate(selected, start=1):
        expected = fingerprint(stage, context, results)
        context.fingerprints[stage.name] = expected
        status = "forced" if force else stage_status(context, stage, expected)
        prefix = f"[{number}/{len(selected)}] {stage.name}"
        if status == "up to date":
            stamp = read_json(_stamp_path(context, stage))
            context.summaries[stage.name] = stamp["summary"]
            results[stage.name] = result_key(expected, stamp["outputs"])
            log.info(f"{prefix}: up to date, reused")
            outcomes.append(StageOutcome(stage.name, True, 0.0, stamp["summary"]))
            continue
        log.info(f"{prefix}: {stage.description} ({status})")
        _stamp_path(context, stage).unlink(missing_ok=True)
        started = time.monotonic()
        summary = stage.run(context)
        seconds = time.monotonic() - started
        context.summaries[stage.name] = summary
        outputs = _hash_outputs(context, stage)
        results[stage.name] = result_key(expected, outputs)
        write_json(
            _stamp_path(context, stage),
            {
                "stage": stage.name,
                "fingerprint": expected,
                "seconds": seconds,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "outputs": outputs,
                "summary": summary,
            },
        )
        log.info(f"{prefix}: done in {seconds:.1f} s")
        outcomes.append(StageOutcome(stage.name, False, seconds, summary))
    return outcomes


def statuses(stages: list[Stage], context: BuildContext) -> list[tuple[str, str]]:
    """(stage, status) for every stage, without running anything.

    A stage after one that must rerun cannot be judged yet: if the rerun reproduces the
    same outputs it will be reused, otherwise it reruns too.
    """
    results: dict[str, str] = {}
    answer = []
    for stage in stages:
        waiting = [u for u in stage.upstream if u not in results]
        if waiting:
            answer.append((stage.name, f"decided after {', '.join(waiting)} rerun(s)"))
            continue
        expected = fingerprint(stage, context, results)
        status = stage_status(context, stage, expected)
        if status == "up to date":
            results[stage.name] = result_key(expected, read_json(_stamp_path(context, stage))["outputs"])
        answer.append((stage.name, status))
    return answer
