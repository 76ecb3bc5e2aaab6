"""The build: which stages run, in which order, for a config (trained here) or an imported model.

To add a stage: write its module in :mod:`.stages` (a ``STAGE`` beside its run function)
and put it in :data:`STAGES` where it belongs in the data flow.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.lock import build_lock, remove_leftovers
from ..core.progress import log
from . import stamps
from .context import SHAREABLE_STAGES, BuildContext
from .engine import Stage, StageOutcome, run_stages
from .stages import (
    comparison,
    convert,
    data,
    encoder,
    import_model,
    quality,
    rates,
    report,
    scores,
    student,
    synthesis,
    teacher,
    verify,
)

if TYPE_CHECKING:
    from ..config.sections import BuildConfig

#: The stages of ``cicada build``, in order.
STAGES: list[Stage] = [
    data.STAGE,
    teacher.STAGE,
    student.STAGE,
    convert.STAGE,
    verify.STAGE,
    scores.STAGE,
    quality.STAGE,
    synthesis.STAGE,
    rates.STAGE,
    report.STAGE,
]
STAGE_NAMES = tuple(stage.name for stage in STAGES)
#: Every stage a build may have: the comparison runs only with comparison.students (:func:`stages_for`).
ALL_STAGE_NAMES = (*STAGE_NAMES[:-1], comparison.STAGE.name, STAGE_NAMES[-1])

#: Stages that need a teacher: a model brought from elsewhere has none.
_TEACHER_STAGES = ("teacher", "quality")


def shared_stages() -> list[Stage]:
    """The stages builds can share (data, teacher): a scan runs them once per distinct input."""
    return [stage for stage in STAGES if stage.name in SHAREABLE_STAGES]


def imported_model_stages() -> list[Stage]:
    """The stages for a model trained elsewhere: the import replaces teacher and student training."""
    stages = []
    for stage in STAGES:
        if stage.name in _TEACHER_STAGES:
            continue
        if stage.name == "student":
            stages.append(import_model.STAGE)
            continue
        upstream = tuple("import" if u == "student" else u for u in stage.upstream if u not in _TEACHER_STAGES)
        stages.append(dataclasses.replace(stage, upstream=upstream))
    return stages


def with_comparison(stages: list[Stage]) -> list[Stage]:
    """``stages`` with the comparison stage before the report, which then reads it too."""
    *before, last = stages
    return [*before, comparison.STAGE, dataclasses.replace(last, upstream=(*last.upstream, comparison.STAGE.name))]


def teacher_encoder_stages() -> list[Stage]:
    """The stages for ``student.firmware: teacher_encoder``: the teacher's encoder replaces the student
    (no training, no distillation quality)."""
    stages = []
    for stage in STAGES:
        if stage.name == "quality":
            continue
        if stage.name == "student":
            stages.append(encoder.STAGE)
            continue
        upstream = tuple("encoder" if u == "student" else u for u in stage.upstream if u != "quality")
        stages.append(dataclasses.replace(stage, upstream=upstream))
    return stages


def stages_for(context: BuildContext) -> list[Stage]:
    """The stages of this build: a trained or an imported student, or a VAE teacher's encoder
    (``student.firmware: teacher_encoder``); the comparison stage with comparison.students (a model
    brought from elsewhere has no teacher to train them on)."""
    if context.model_file:
        if context.config.comparison.active():
            log.warning("  comparison.students: not built for an imported model (no teacher to train them on)")
        return imported_model_stages()
    stages = teacher_encoder_stages() if context.config.student.firmware == "teacher_encoder" else STAGES
    return with_comparison(stages) if context.config.comparison.active() else stages


def recorded_model_file(context: BuildContext) -> Path | None:
    """The imported model of a build made by ``cicada convert``, so that later commands on the
    same build (synth, vectors, build) keep using it instead of training a student."""
    if stamps.has_stamp(context.model_dir, "student"):
        return None
    stamp = stamps.read_stamp(context.model_dir, "import", import_model.ImportResult)
    if stamp is None:
        return None
    log.info(f"  '{context.config.name}' was built from an imported model: using {stamp.result.source_file}")
    return Path(stamp.result.source_file)


def make_context(
    config: "BuildConfig",
    config_path: Path,
    root: Path | None = None,
    model_file: Path | None = None,
    folder: str | None = None,
    shared_dir: Path | None = None,
):
    """The context of a build; without ``model_file``, the model an earlier ``cicada convert`` imported.

    ``folder`` places the build below models/ and hls_projects/ (default: the config's name);
    ``shared_dir`` is another build's folder whose data and teacher stages this build borrows.
    """
    context = BuildContext(
        config=config,
        config_path=Path(config_path),
        root=Path(root) if root else Path.cwd(),
        model_file=Path(model_file).resolve() if model_file else None,
        folder=folder,
        shared_dir=Path(shared_dir) if shared_dir else None,
    )
    if context.model_file is None:
        context.model_file = recorded_model_file(context)
    return context


def build(
    config: "BuildConfig",
    config_path: Path,
    force: bool = False,
    until: str | None = None,
    root: Path | None = None,
    model_file: Path | None = None,
    folder: str | None = None,
    shared_dir: Path | None = None,
) -> tuple[BuildContext, list[StageOutcome]]:
    """Run the build for ``config``; returns the context (with every stage's result) and the outcomes.

    With ``model_file`` the student is that QKeras model (bring your own) instead of one
    trained here: the teacher, student and quality stages are replaced by an import.
    ``folder`` and ``shared_dir``: see :func:`make_context` (a scan's points use them).
    """
    context = make_context(config, config_path, root, model_file, folder, shared_dir)
    if context.model_file is not None:
        from ..models.imported_model import import_model as read_model_file

        read_model_file(context.model_file, config.student.input)  # a bad model file fails before any work is done
    with build_lock(context.model_dir, config.name):
        remove_leftovers(context.model_dir, context.project_dir)
        outcomes = run_stages(stages_for(context), context, force=force, until=until)
    return context, outcomes
