"""Stage ``teacher``: the teacher trained on zero-bias images (its architecture defines its score)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...data.datasets import read_dataset
from ...models.teacher import TEACHER_FILE, train_teacher
from ...models.training import TrainingResult
from ..context import BuildContext
from ..engine import Stage


@dataclass
class TeacherResult:
    architecture: str
    parameters: int
    model_file: str
    loss_plot: str
    training: TrainingResult


def run(context: BuildContext) -> TeacherResult:
    config = context.config
    model, training = train_teacher(
        config.teacher,
        read_dataset(context.data_dir, "zero_bias_train"),
        read_dataset(context.data_dir, "zero_bias_val"),
        context.teacher_dir,
        config.seed,
        resume_key=context.fingerprints["teacher"],
    )
    return TeacherResult(
        architecture=config.teacher.architecture,
        parameters=int(model.count_params()),
        model_file=context.relative(context.teacher_dir / TEACHER_FILE),
        loss_plot=context.relative(context.teacher_dir / "teacher_loss.png"),
        training=training,
    )


def outputs(context: BuildContext) -> list[Path]:
    return [context.teacher_dir / TEACHER_FILE]


STAGE = Stage(
    name="teacher",
    description="training the teacher autoencoder",
    run=run,
    result=TeacherResult,
    upstream=("data",),
    inputs=lambda context: {"seed": context.config.seed, "teacher": context.config.teacher},
    outputs=outputs,
)
