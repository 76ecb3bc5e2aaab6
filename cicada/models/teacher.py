"""The teacher stage's work: train the configured teacher on zero-bias images, load it, score with it.

What is particular to an architecture (its model, input, loss and anomaly score) lives in its
module of :mod:`cicada.models.teachers`; this module runs any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import ModelError
from ..core.files import atomic_path
from ..core.tf import save_h5, seed_everything, tensorflow
from .model_file import check_model_file
from .teachers import Teacher, teacher_for
from .training import TrainingResult, fit, remove_checkpoint

if TYPE_CHECKING:
    from ..config.sections import TeacherConfig

TEACHER_FILE = "teacher.h5"


@dataclass(frozen=True)
class TrainedTeacher:
    """A trained teacher model with its architecture: what scores images."""

    architecture: Teacher
    model: Any

    def score(self, images: np.ndarray) -> np.ndarray:
        """The anomaly score of each region image (either layout), float64 ``(N,)``; deterministic."""
        return self.architecture.score(self.model, images)


def train_teacher(
    config: "TeacherConfig",
    train_images: np.ndarray,
    val_images: np.ndarray,
    out_dir: Path,
    seed: int,
    resume_key: str | None = None,
) -> tuple[Any, TrainingResult]:
    """Train the teacher on region images (either layout; an architecture that reads the bits
    needs them); saves ``teacher.h5``, its history and loss curve into ``out_dir``."""
    tensorflow()
    out_dir = Path(out_dir)
    teacher = teacher_for(config)
    seed_everything(seed)  # before building: the initial weights are drawn here
    model = teacher.build()
    x, x_val = teacher.inputs(train_images), teacher.inputs(val_images)
    loss = teacher.loss()
    result = fit(
        model,
        x,
        teacher.targets(x),
        x_val,
        teacher.targets(x_val),
        label="teacher",
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        patience=config.patience,
        loss=loss.keras,
        loss_weights=loss.weights,
        loss_label=loss.label,
        optimizer=config.optimizer,
        lr_patience=config.lr_patience,
        lr_factor=config.lr_factor,
        seed=seed,
        out_dir=out_dir,
        resume_key=resume_key,
    )
    with atomic_path(out_dir / TEACHER_FILE) as tmp:
        save_h5(model, tmp)
    remove_checkpoint(out_dir, "teacher")
    return model, result


def load_teacher(path: Path, config: "TeacherConfig") -> TrainedTeacher:
    """The teacher saved at ``path``, as the architecture ``config`` names. The file's stored layer
    list is checked first: a layer that would run code when loaded (Lambda, custom) is refused."""
    path = Path(path)
    check_model_file(path, firmware=False)
    tf = tensorflow()
    try:
        model = tf.keras.models.load_model(path, compile=False)
    except Exception as err:  # Keras raises many kinds: OSError, ValueError, KeyError...
        raise ModelError(f"{path}: not a loadable Keras model ({type(err).__name__}: {err})") from None
    return TrainedTeacher(teacher_for(config), model)
