"""matplotlib without a display, and PNG files written whole: what every figure of cicada shares.

The figures themselves live beside what they show: the training-loss curves with the training
code (:mod:`cicada.models.loss_plot`), a dataset's images with ``cicada show``
(:mod:`cicada.data.show`), the evaluation's figures in :mod:`cicada.evaluation.plots`, a scan's
in :mod:`cicada.scan.plots`.
"""

from __future__ import annotations

from pathlib import Path

from .files import atomic_path


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: Path) -> Path:
    plt = pyplot()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Path(path)
