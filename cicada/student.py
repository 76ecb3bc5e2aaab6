"""The student stage: a QKeras network regressing the teacher score ``32*ln(MSE)``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .architectures import STUDENT_INPUT_SIZE, build_student
from .config import StudentConfig
from .fileio import atomic_path
from .score import student_target
from .tf import save_h5, seed_everything, tensorflow
from .training import TrainingResult, fit

STUDENT_FILE = "student.h5"


def as_student_input(images: np.ndarray) -> np.ndarray:
    """Region images (N, 18, 14) flattened phi-major to (N, 252) float32 raw integers."""
    return np.asarray(images, dtype=np.float32).reshape(-1, STUDENT_INPUT_SIZE)


def train_student(
    config: StudentConfig,
    train_images: np.ndarray,
    train_mse: np.ndarray,
    val_images: np.ndarray,
    val_mse: np.ndarray,
    out_dir: Path,
    seed: int,
) -> tuple[object, TrainingResult]:
    """Train the student on teacher scores; saves ``student.h5``, history and loss curve."""
    tensorflow()
    out_dir = Path(out_dir)
    seed_everything(seed)  # before building: the initial weights are drawn here
    model = build_student(config.architecture)
    result = fit(
        model,
        as_student_input(train_images),
        student_target(train_mse).astype(np.float32),
        as_student_input(val_images),
        student_target(val_mse).astype(np.float32),
        label="student",
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        patience=config.patience,
        loss=config.loss,
        out_dir=out_dir,
    )
    save_student(model, out_dir / STUDENT_FILE)
    return model, result


def save_student(model, path: Path) -> None:
    with atomic_path(path) as tmp:
        save_h5(model, tmp)


def load_student(path: Path):
    """Load a QKeras model saved as HDF5 (custom quantizers included)."""
    tensorflow()
    from qkeras.utils import load_qmodel

    return load_qmodel(str(path), compile=False)


def student_scores(model, images: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """The QKeras student's output for region images, as float64 (N,)."""
    out = model.predict(as_student_input(images), batch_size=batch_size, verbose=0)
    return np.asarray(out, dtype=np.float64).reshape(len(images), -1)[:, 0]


def count_parameters(model) -> int:
    return int(model.count_params())
