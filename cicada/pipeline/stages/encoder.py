"""Stage ``encoder`` (``student.firmware: teacher_encoder``): the VAE teacher's encoder with a score of
its latent takes the student's place, as a float model (:mod:`cicada.models.encoder_trigger`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.progress import log
from ...data.datasets import read_dataset, signal_names
from ...data.region_bits import channels
from ...evaluation.metrics import spearman
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...models.encoder_trigger import encoder_trigger, et_shift_for, float_encoder_score
from ...models.student import STUDENT_FILE, layer_summary, save_student
from ...models.teacher import TEACHER_FILE, load_teacher
from ..context import BuildContext
from ..engine import Stage

#: the samples the ET shift is calibrated on
CALIBRATION = "zero_bias_val"


@dataclass
class EncoderResult:
    architecture: str
    source_file: str
    source_sha256: str
    parameters: int
    layers: list[dict]
    model_file: str
    #: the ET channel is divided by 2^et_shift before the layer normalisation (calibrated)
    et_shift: int
    score: str
    #: rank correlation of the prescaled trigger's score with the unscaled float encoder's
    spearman_vs_unscaled: float
    input: str = "channels"


def run(context: BuildContext) -> EncoderResult:
    from ...core.files import sha256_file

    teacher = load_teacher(context.teacher_dir / TEACHER_FILE, context.config.teacher)
    names = [CALIBRATION, *signal_names(context.config.data)]
    images = np.concatenate([channels(read_dataset(context.data_dir, name)) for name in names])
    shift = et_shift_for(images[..., 0])
    model = encoder_trigger(teacher.model, context.config.student.encoder_score, et_shift=shift)
    prescaled = np.asarray(model.predict(images, batch_size=2048, verbose=0), np.float64)[:, 0]
    rho = spearman(prescaled, float_encoder_score(teacher.model, images))
    log.info(f"  encoder trigger: ET prescaled by 2^-{shift}; score vs the unscaled float encoder: Spearman {rho:.6f}")
    target = context.model_dir / STUDENT_FILE
    save_student(model, target)
    teacher_file = context.teacher_dir / TEACHER_FILE
    return EncoderResult(
        architecture=f"encoder of the {context.config.teacher.architecture} teacher, score "
        f"{context.config.student.encoder_score} of the latent means",
        source_file=context.relative(teacher_file),
        source_sha256=sha256_file(teacher_file),
        parameters=int(model.count_params()),
        layers=layer_summary(model),
        model_file=context.relative(target),
        et_shift=shift,
        score=context.config.student.encoder_score,
        spearman_vs_unscaled=float(rho),
    )


def inputs(context: BuildContext) -> dict:
    return {"firmware": context.config.student.firmware, "encoder_score": context.config.student.encoder_score}


def outputs(context: BuildContext) -> list[Path]:
    return [context.model_dir / STUDENT_FILE]


STAGE = Stage(
    name="encoder",
    description="the VAE teacher's encoder as the firmware model",
    run=run,
    result=EncoderResult,
    upstream=("data", "teacher"),
    inputs=inputs,
    outputs=outputs,
)
