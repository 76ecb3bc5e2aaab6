"""Running stages in order, each skipped when what it depends on has not changed.

A stage's fingerprint hashes what it depends on, as make or DVC would: its inputs (a
slice of the config, input files), its code and environment (computed by
:mod:`.fingerprint` from the stage module's imports), and the *content* of its upstream
stages' outputs. A later build reuses the stage when the stamp's fingerprint matches and
every output is still there, unchanged. Because upstream outputs count by content, a
stage that reruns and produces the same files (the build is deterministic) leaves its
downstream reusable.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..core.errors import CicadaError
from ..core.files import sha256_json, sha256_tree
from ..core.progress import log
from . import stamps
from .context import BuildContext
from .fingerprint import code_components, explain_difference


class SharedStageNotReady(CicadaError):
    """A stage borrowed from a shared build folder is not up to date there (it never runs from here)."""


def _nothing(context: BuildContext) -> Any:
    return {}


def _no_files(context: BuildContext) -> list[Path]:
    return []


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One step of the build, declared in its own module beside its ``run`` function.

    ``run(context)`` does the work and returns an instance of ``result`` (a dataclass), which
    later stages, the report and the command line read. ``inputs(context)`` is what the stage
    depends on beyond its upstream stages and its code (config sections, file hashes);
    ``outputs(context)`` lists the files or folders it writes (hashed, so that a changed or
    deleted output reruns it). ``module`` (default: where ``run`` is defined) is the module
    whose import closure is the stage's code.
    """

    name: str
    description: str
    run: Callable[[BuildContext], Any]
    result: type
    upstream: tuple[str, ...] = ()
    inputs: Callable[[BuildContext], Any] = _nothing
    outputs: Callable[[BuildContext], list[Path]] = _no_files
    module: str = ""

    def __post_init__(self):
        if not self.module:
            object.__setattr__(self, "module", self.run.__module__)


@dataclass
class StageOutcome:
    name: str
    reused: bool
    seconds: float
    result: Any = field(repr=False)


def plain(value: Any) -> Any:
    """Config models, dataclasses and containers as plain JSON-able data (for hashing)."""
    if hasattr(value, "fingerprint_data"):  # a config section: its keys as fingerprints see them
        return value.fingerprint_data()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def components(stage: Stage, context: BuildContext, upstream: dict[str, str]) -> dict:
    """Everything the stage's fingerprint covers, part by part."""
    return {
        "stage": stage.name,
        "cicada": __version__,
        "inputs": plain(stage.inputs(context)),
        **code_components(stage.module),
        "upstream": {name: upstream[name] for name in stage.upstream},
    }


def result_key(fingerprint: str, outputs: dict[str, str]) -> str:
    """What downstream stages see of a stage: the content of its outputs (or, for a stage
    without output files, its fingerprint)."""
    return sha256_json(outputs) if outputs else fingerprint


def _hash_outputs(context: BuildContext, stage: Stage) -> dict[str, str]:
    return {context.relative(p): sha256_tree(p) for p in stage.outputs(context)}


def judge(context: BuildContext, stage: Stage, parts: dict) -> tuple[str, stamps.Stamp | None]:
    """('up to date', stamp), or (why the stage must run, None)."""
    stamp = stamps.read_stamp(context.stage_dir(stage.name), stage.name, stage.result)
    if stamp is None:
        return "never run", None
    if stamp.fingerprint != sha256_json(parts):
        return explain_difference(stamp.components, parts), None
    for path in stage.outputs(context):
        key = context.relative(path)
        if not path.exists():
            return f"output missing: {key}", None
        if stamp.outputs.get(key) != sha256_tree(path):
            return f"output changed: {key}", None
    return "up to date", stamp


def release_memory() -> None:
    """Free what a finished stage left behind: the models Keras keeps in its global graph (a teacher
    and its optimizer would otherwise stay with every later stage) and the cycles they sit in.
    TensorFlow is looked up, not imported: a build that never loaded it does not load it here."""
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        tf.keras.backend.clear_session()
    gc.collect()


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
    keys: dict[str, str] = {}
    outcomes = []
    for number, stage in enumerate(selected, start=1):
        parts = components(stage, context, keys)
        fingerprint = sha256_json(parts)
        context.fingerprints[stage.name] = fingerprint
        borrowed = context.borrows(stage.name)
        status, stamp = ("forced", None) if force and not borrowed else judge(context, stage, parts)
        prefix = f"[{number}/{len(selected)}] {stage.name}"
        if stamp is None and borrowed:
            # builds sharing a folder would otherwise rewrite the same files at once
            raise SharedStageNotReady(
                f"stage '{stage.name}' is shared from {context.relative(context.stage_dir(stage.name))} and is not up "
                f"to date there ({status}); run it there first"
            )
        if stamp is not None:
            context.results[stage.name] = stamp.result
            keys[stage.name] = result_key(fingerprint, stamp.outputs)
            log.info(f"{prefix}: up to date, reused")
            outcomes.append(StageOutcome(stage.name, True, 0.0, stamp.result))
            continue
        log.info(f"{prefix}: {stage.description} ({status})")
        stamps.remove_stamp(context.stage_dir(stage.name), stage.name)
        started = time.monotonic()
        result = stage.run(context)
        release_memory()
        seconds = time.monotonic() - started
        context.results[stage.name] = result
        outputs = _hash_outputs(context, stage)
        keys[stage.name] = result_key(fingerprint, outputs)
        stamps.write_stamp(
            context.stage_dir(stage.name),
            stamps.Stamp(stage.name, fingerprint, parts, seconds, stamps.now(), outputs, result),
        )
        log.info(f"{prefix}: done in {seconds:.1f} s")
        outcomes.append(StageOutcome(stage.name, False, seconds, result))
    return outcomes


def statuses(stages: list[Stage], context: BuildContext) -> list[tuple[str, str]]:
    """(stage, status) for every stage, without running anything.

    A stage after one that must rerun cannot be judged yet: if the rerun reproduces the
    same outputs it will be reused, otherwise it reruns too.
    """
    keys: dict[str, str] = {}
    answer = []
    for stage in stages:
        waiting = [u for u in stage.upstream if u not in keys]
        if waiting:
            answer.append((stage.name, f"pending: reruns unless {', '.join(waiting)} reproduce(s) their outputs"))
            continue
        parts = components(stage, context, keys)
        status, stamp = judge(context, stage, parts)
        if stamp is not None:
            keys[stage.name] = result_key(sha256_json(parts), stamp.outputs)
            context.results[stage.name] = stamp.result  # what a later stage's inputs may read (the report's)
        answer.append((stage.name, status))
    return answer
