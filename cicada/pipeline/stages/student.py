"""Stage ``student``: the QKeras student trained to regress the teacher's score."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...config.registries.layers import layer_names
from ...core.errors import ConversionError
from ...core.files import sha256_file
from ...data.datasets import read_dataset
from ...firmware.convert import check_convertible
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...layers import precision as _precision_rules  # noqa: F401  their precision rules: in this stage's fingerprint
from ...models.adder_cost_training import COST_LOG
from ...models.score import student_target
from ...models.student import STUDENT_FILE, distillation_set, layer_summary, train_student
from ...models.teacher import TEACHER_FILE, load_teacher
from ...models.training import TrainingResult
from ..context import BuildContext
from ..engine import Stage


@dataclass
class TargetRange:
    mean: float
    min: float
    max: float


@dataclass
class StudentResult:
    architecture: str
    parameters: int
    layers: list[dict]
    model_file: str
    loss_plot: str
    loss: str
    training_images: dict[str, int]
    validation_images: dict[str, int]
    sample_weights: bool
    target: TargetRange
    training: TrainingResult
    #: what the student reads of a region (``student.input``)
    input: str = "et"
    #: the student whose weights training started from (student.start_from), or None
    start_from: str | None = None
    #: the per-epoch cost of the kernels student.adder_cost lists (student_adder_cost.csv), or None
    adder_cost_log: str | None = None


def run(context: BuildContext) -> StudentResult:
    config = context.config
    teacher = load_teacher(context.teacher_dir / TEACHER_FILE, config.teacher)
    zero_bias = {part: read_dataset(context.data_dir, f"zero_bias_{part}") for part in ("train", "val")}
    train, train_scores = distillation_set(config.student, zero_bias["train"], teacher, config.seed, "train")
    val, val_scores = distillation_set(config.student, zero_bias["val"], teacher, config.seed, "val")
    train_outliers, val_outliers = len(train) - len(zero_bias["train"]), len(val) - len(zero_bias["val"])
    model, training = train_student(
        config.student,
        train,
        train_scores,
        val,
        val_scores,
        context.model_dir,
        config.seed,
        resume_key=context.fingerprints["student"],
        check=lambda model: check_before_training(model, config),
        start_from=start_from(context),
    )
    target = student_target(train_scores)
    return StudentResult(
        architecture=config.student.architecture,
        parameters=int(model.count_params()),
        layers=layer_summary(model),
        model_file=context.relative(context.model_dir / STUDENT_FILE),
        loss_plot=context.relative(context.model_dir / "student_loss.png"),
        loss=config.student.loss,
        training_images={"zero_bias": len(train) - train_outliers, "outliers": train_outliers},
        validation_images={"zero_bias": len(val) - val_outliers, "outliers": val_outliers},
        sample_weights=config.student.sample_weights.enabled,
        target=TargetRange(float(target.mean()), float(target.min()), float(target.max())),
        training=training,
        input=config.student.input,
        start_from=context.relative(start_from(context)) if config.student.start_from else None,
        adder_cost_log=(context.relative(context.model_dir / COST_LOG) if config.student.adder_cost.logged() else None),
    )


def start_from(context: BuildContext) -> Path | None:
    """The student ``student.start_from`` names (relative to the config's folder), or None."""
    name = context.config.student.start_from
    return (context.config_path.parent / name).resolve() if name else None


def inputs(context: BuildContext) -> dict:
    """The seed and the student section; with ``student.start_from``, the content of the file it names."""
    out = {"seed": context.config.seed, "student": context.config.student}
    path = start_from(context)
    if path is not None:
        out["start_from"] = sha256_file(path) if path.is_file() else "missing"
    return out


def check_before_training(model, config) -> None:
    """Fail before training when hls4ml cannot convert the student, naming the culprit layer."""
    try:
        check_convertible(model, config.hls)
    except ConversionError as err:
        message = str(err)
        token = message.rsplit(":", 1)[-1].strip()
        layers = config.student.layers
        culprits = [
            f"student.layers[{i}] ({name})"
            for i, (name, layer) in enumerate(zip(layer_names(layers), layers))
            if token and token in str(layer.plain())
        ]
        raise ConversionError(f"{', '.join(culprits) + ': ' if culprits else ''}{message}") from None


def outputs(context: BuildContext) -> list[Path]:
    return [context.model_dir / STUDENT_FILE]


STAGE = Stage(
    name="student",
    description="training the QKeras student on teacher scores",
    run=run,
    result=StudentResult,
    upstream=("data", "teacher"),
    inputs=inputs,
    outputs=outputs,
)
