"""Training loop shared by teacher and student: resumable, reproducible, one line per epoch.

The loop runs one Keras epoch at a time so that everything that decides the next epoch
(weights, Adam's moments, learning rate, the best weights so far, early-stopping and
plateau counters, the history) can be checkpointed after every epoch, in one file,
atomically. A run that is killed resumes from its last finished epoch and ends with
the same weights as an uninterrupted run: each epoch reseeds from (seed, epoch), so
its shuffling and dropout do not depend on what ran before in the process.

Learning-rate schedule and early stopping follow Keras' ReduceLROnPlateau (multiply the
rate by ``lr_factor``, by default halve it, after ``lr_patience`` epochs without improvement,
by default ``max(1, patience // 2)``) and EarlyStopping (stop after ``patience`` such epochs,
restore the best weights).
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..core.files import atomic_path, write_text
from ..core.progress import log
from ..core.seeds import epoch_seed
from ..core.tf import tensorflow
from .loss_plot import plot_loss_curves
from .optimizers import OptimizerName, build_state, make_optimizer, state_variables

CHECKPOINT_FILE = "checkpoint.npz"
#: Called after each checkpoint with (label, epoch); tests use it to simulate a kill.
after_epoch_hook: Callable[[str, int], None] | None = None


@dataclass(frozen=True)
class TrainingResult:
    epochs_run: int
    best_epoch: int
    best_val_loss: float
    final_train_loss: float
    seconds: float
    images_per_second: float
    resumed_from_epoch: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainingState:
    """Everything besides the weights that the next epoch depends on."""

    key: str
    epoch: int = 0  # epochs finished
    learning_rate: float = 1e-3
    best_val_loss: float = math.inf
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    epochs_since_lr_change: int = 0
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "val_loss": [], "lr": []})
    train_seconds: float = 0.0


def _save_checkpoint(path: Path, state: TrainingState, weights, best_weights, optimizer_variables) -> None:
    arrays = {f"w{i}": w for i, w in enumerate(weights)}
    arrays.update({f"b{i}": w for i, w in enumerate(best_weights)})
    arrays.update({f"o{i}": v for i, v in enumerate(optimizer_variables)})
    arrays["state"] = np.array(json.dumps(asdict(state)))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def _load_checkpoint(path: Path, key: str):
    """(state, weights, best weights, optimizer variables), or None if absent or for other inputs."""
    if not path.exists():
        return None
    try:
        with np.load(path) as data:
            state = TrainingState(**json.loads(str(data["state"])))
            if state.key != key:
                return None

            def group(prefix):
                return [data[f"{prefix}{i}"] for i in range(sum(1 for k in data.files if k.startswith(prefix)))]

            return state, group("w"), group("b"), group("o")
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
        # a checkpoint cut short (a full disk, a kill mid-write by something other than cicada)
        log.warning(f"  ignoring unreadable checkpoint {path} ({type(err).__name__}); training starts from epoch 0")
        return None


def checkpoint_path(out_dir: Path, label: str) -> Path:
    return Path(out_dir) / "checkpoints" / f"{label}_{CHECKPOINT_FILE}"


def fit(
    model,
    x: np.ndarray,
    y: Any,
    x_val: np.ndarray,
    y_val: Any,
    *,
    label: str,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    patience: int,
    loss: Any,
    seed: int,
    out_dir: Path,
    resume_key: str | None = None,
    sample_weight: np.ndarray | None = None,
    loss_weights: dict[str, float] | None = None,
    loss_label: str | None = None,
    optimizer: OptimizerName = "adam",
    lr_patience: int | None = None,
    lr_factor: float = 0.5,
) -> TrainingResult:
    """Train ``model`` in place and restore its best validation weights.

    ``y`` and ``y_val`` are arrays, or dicts by output name for a model with several outputs;
    ``loss`` and ``loss_weights`` are what Keras' ``compile`` takes (``loss_label`` names the
    loss in the loss-curve figure, default ``loss`` itself).

    With a ``resume_key`` (a fingerprint of everything the training depends on) a checkpoint
    with the same key continues where it stopped. Writes ``<label>_history.csv``,
    ``<label>_loss.png`` and the checkpoint ``checkpoints/<label>_checkpoint.npz`` into
    ``out_dir``; the caller removes the checkpoint once the final model is saved.
    """
    tf = tensorflow()
    out_dir = Path(out_dir)
    checkpoint = checkpoint_path(out_dir, label)
    optimizer = make_optimizer(optimizer, learning_rate)
    model.compile(optimizer=optimizer, loss=loss, loss_weights=loss_weights)
    build_state(optimizer, model.trainable_variables)
    state = TrainingState(key=resume_key or "", learning_rate=learning_rate)
    best_weights = model.get_weights()
    restored = _load_checkpoint(checkpoint, resume_key) if resume_key else None
    if restored is not None:
        state, weights, best_weights, optimizer_variables = restored
        model.set_weights(weights)
        for variable, value in zip(state_variables(optimizer), optimizer_variables):
            variable.assign(value)
        log.info(f"  {label}: resuming after epoch {state.epoch} from {checkpoint}")
    resumed_from = state.epoch
    # converted to tensors once, as Keras would convert them on every fit() call: one copy of
    # the samples for the whole training instead of one more per epoch
    x, y, x_val, y_val, sample_weight = as_tensors(tf, (x, y, x_val, y_val, sample_weight))
    if lr_patience is None:
        lr_patience = max(1, patience // 2)
    while state.epoch < epochs and state.epochs_without_improvement < patience:
        epoch = state.epoch
        tf.keras.utils.set_random_seed(epoch_seed(seed, epoch))  # shuffling and dropout of this epoch only
        # a traced train step keeps its random ops' state across epochs; retracing after
        # reseeding makes this epoch's dropout independent of earlier epochs in the process
        model.train_function = model.test_function = None
        optimizer.learning_rate.assign(state.learning_rate)
        started = time.monotonic()
        logs = model.fit(
            x,
            y,
            sample_weight=sample_weight,
            validation_data=(x_val, y_val),
            epochs=1,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
        ).history
        seconds = time.monotonic() - started
        train_loss, val_loss = float(logs["loss"][0]), float(logs["val_loss"][0])
        state.history["loss"].append(train_loss)
        state.history["val_loss"].append(val_loss)
        state.history["lr"].append(state.learning_rate)
        state.train_seconds += seconds
        state.epoch += 1
        if val_loss < state.best_val_loss:
            state.best_val_loss, state.best_epoch = val_loss, state.epoch
            state.epochs_without_improvement = state.epochs_since_lr_change = 0
            best_weights = model.get_weights()
        else:
            state.epochs_without_improvement += 1
            state.epochs_since_lr_change += 1
            if state.epochs_since_lr_change >= lr_patience:
                state.learning_rate *= lr_factor
                state.epochs_since_lr_change = 0
        log.info(
            f"  {label} epoch {state.epoch:>3}/{epochs}: loss {train_loss:.4g}  val_loss {val_loss:.4g}"
            f"  lr {state.history['lr'][-1]:.2g}  ({seconds:.1f} s)"
            + ("  *best" if state.best_epoch == state.epoch else "")
        )
        _save_checkpoint(
            checkpoint, state, model.get_weights(), best_weights, [v.numpy() for v in state_variables(optimizer)]
        )
        if after_epoch_hook is not None:
            after_epoch_hook(label, state.epoch)
    if state.epochs_without_improvement >= patience:
        log.info(f"  {label}: no validation improvement for {patience} epochs, stopping")
    model.set_weights(best_weights)
    _write_history(out_dir / f"{label}_history.csv", state.history)
    plot_loss_curves(state.history, out_dir / f"{label}_loss.png", f"{label} training ({loss_label or loss})")
    epochs_run = state.epoch
    return TrainingResult(
        epochs_run=epochs_run,
        best_epoch=state.best_epoch,
        best_val_loss=state.best_val_loss,
        final_train_loss=state.history["loss"][-1] if state.history["loss"] else math.nan,
        seconds=state.train_seconds,
        images_per_second=len(x) * epochs_run / state.train_seconds if state.train_seconds > 0 else math.nan,
        resumed_from_epoch=resumed_from,
    )


def as_tensors(tf, arrays):
    """The tensors Keras' ``fit`` makes of numpy arrays (floats as ``floatx``, other types kept),
    one per array: an array given twice (an autoencoder's inputs and targets) becomes one tensor."""
    made: dict[int, Any] = {}

    def convert(value):
        if not isinstance(value, np.ndarray):
            return value
        if id(value) not in made:
            dtype = tf.keras.backend.floatx() if issubclass(value.dtype.type, np.floating) else None
            made[id(value)] = tf.convert_to_tensor(value, dtype=dtype)
        return made[id(value)]

    return tf.nest.map_structure(convert, arrays)


def remove_checkpoint(out_dir: Path, label: str) -> None:
    checkpoint_path(out_dir, label).unlink(missing_ok=True)


def _write_history(path: Path, history: dict) -> None:
    keys = list(history)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["epoch", *keys])
    for i in range(len(history[keys[0]])):
        writer.writerow([i + 1, *(f"{float(history[k][i]):.6g}" for k in keys)])
    write_text(path, buffer.getvalue())
