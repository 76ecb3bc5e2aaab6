"""The training-loss figure of a teacher or a student (``<label>_loss.png`` beside the model).

Its own module, imported by the training code: a change to the evaluation's figures does not
retrain a model, a change to this one does (the figure is an output of the training stages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..core.plotting import pyplot, save_figure


def plot_loss_curves(history: Mapping[str, Sequence[float]], path: Path, title: str) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], label="training")
    if "val_loss" in history:
        ax.plot(epochs, history["val_loss"], label="validation")
        best = int(np.nanargmin(history["val_loss"]))
        ax.axvline(best + 1, color="grey", ls=":", label=f"best (epoch {best + 1})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
