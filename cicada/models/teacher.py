"""The teacher stage: train the autoencoder on zero-bias images; score = per-image MSE."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.files import atomic_path
from ..core.geometry import REGION_SHAPE
from ..core.tf import save_h5, seed_everything, tensorflow
from .score import reconstruction_mse
from .teachers import TEACHERS
from .training import TrainingResult, fit, remove_checkpoint

if TYPE_CHECKING:
    from ..config.sections import TeacherConfig

TEACHER_FILE = "teacher.h5"


def as_teacher_input(images: np.ndarray) -> np.ndarray:
    """Region images (N, 18, 14) as the teacher's float input (N, 18, 14, 1), raw ET in LSBs."""
    return np.asarray(images, dtype=np.float32).reshape(-1, *REGION_SHAPE, 1)


def train_teacher(
    config: "TeacherConfig",
    train_images: np.ndarray,
    val_images: np.ndarray,
    out_dir: Path,
    seed: int,
    resume_key: str | None = None,
) -> tuple[Any, TrainingResult]:
    """Train the teacher; saves ``teacher.h5``, its history and loss curve into ``out_dir``."""
    tensorflow()
    out_dir = Path(out_dir)
    seed_everything(seed)  # before building: the initial weights are drawn here
    model = TEACHERS.get(config.architecture).build()
    x, x_val = as_teacher_input(train_images), as_teacher_input(val_images)
    result = fit(
        model,
        x,
        x,
        x_val,
        x_val,
        label="teacher",
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        patience=config.patience,
        loss="mse",
        seed=seed,
        out_dir=out_dir,
        resume_key=resume_key,
    )
    with atomic_path(out_dir / TEACHER_FILE) as tmp:
        save_h5(model, tmp)
    remove_checkpoint(out_dir, "teacher")
    return model, result


def load_teacher(path: Path):
    tf = tensorflow()
    return tf.keras.models.load_model(path, compile=False)


def teacher_mse(model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
    """The teacher's anomaly score: per-image reconstruction MSE in LSB^2."""
    x = as_teacher_input(images)
    reconstructed = model.predict(x, batch_size=batch_size, verbose=0)
    return reconstruction_mse(x, reconstructed)
