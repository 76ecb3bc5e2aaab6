"""Training loop shared by teacher and student: Adam, early stopping, LR on plateau, progress.

One line per epoch goes to the log; the per-epoch history is written as CSV and drawn as
a loss-curve PNG next to the model.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fileio import write_text
from .plots import plot_loss_curves
from .progress import log
from .tf import tensorflow


@dataclass(frozen=True)
class TrainingResult:
    epochs_run: int
    best_epoch: int
    best_val_loss: float
    final_train_loss: float
    seconds: float
    images_per_second: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def fit(
    model,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    label: str,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    patience: int,
    loss: str,
    out_dir: Path,
) -> TrainingResult:
    """Train ``model`` in place; restores the best validation weights. The caller seeds
    (:func:`cicada.tf.seed_everything`) before building the model. Writes
    ``<label>_history.csv`` and ``<label>_loss.png`` into ``out_dir``."""
    tf = tensorflow()
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate), loss=loss)
    callbacks = [
        tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
        tf.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=max(1, patience // 2), verbose=0),
        _EpochLine(label, epochs),
    ]
    start = time.monotonic()
    history = model.fit(
        x,
        y,
        validation_data=(x_val, y_val),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
        callbacks=callbacks,
    ).history
    seconds = time.monotonic() - start
    epochs_run = len(history["loss"])
    best = int(np.nanargmin(history["val_loss"]))
    _write_history(out_dir / f"{label}_history.csv", history)
    plot_loss_curves(history, out_dir / f"{label}_loss.png", f"{label} training ({loss})")
    return TrainingResult(
        epochs_run=epochs_run,
        best_epoch=best + 1,
        best_val_loss=float(history["val_loss"][best]),
        final_train_loss=float(history["loss"][-1]),
        seconds=seconds,
        images_per_second=len(x) * epochs_run / seconds if seconds > 0 else math.nan,
    )


def _write_history(path: Path, history: dict) -> None:
    keys = list(history)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["epoch", *keys])
    for i in range(len(history[keys[0]])):
        writer.writerow([i + 1, *(f"{float(history[k][i]):.6g}" for k in keys)])
    write_text(path, buffer.getvalue())


class _EpochLine:
    """A Keras callback printing one line per epoch (built lazily: needs TensorFlow)."""

    def __new__(cls, label: str, epochs: int):
        tf = tensorflow()

        class EpochLine(tf.keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.monotonic()

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                lr = float(tf.keras.backend.get_value(self.model.optimizer.learning_rate))
                log.info(
                    f"  {label} epoch {epoch + 1:>3}/{epochs}: loss {logs.get('loss', math.nan):.4g}"
                    f"  val_loss {logs.get('val_loss', math.nan):.4g}  lr {lr:.2g}"
                    f"  ({time.monotonic() - self.started:.1f} s)"
                )

        return EpochLine()
