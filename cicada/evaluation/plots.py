"""PNG figures for people who would rather look than read (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..core.files import atomic_path


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    plt = pyplot()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


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
    return _save(fig, path)


def plot_rate_vs_threshold(
    thresholds: np.ndarray,
    rates_khz: np.ndarray,
    working_points: Sequence[dict],
    smallest_rate_khz: float,
    path: Path,
    title: str,
) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.step(thresholds, np.where(rates_khz > 0, rates_khz, np.nan), where="post", color="k", label="zero-bias rate")
    for wp in working_points:
        ax.axhline(wp["target_khz"], color="tab:blue", ls=":", lw=0.8)
        ax.annotate(
            f"{wp['target_khz']:g} kHz",
            (1.0, wp["target_khz"]),
            xycoords=("axes fraction", "data"),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="x-small",
            color="tab:blue",
        )
        marker = "x" if wp["statistics_limited"] else "o"
        if wp["rate_khz"] > 0:
            ax.plot(wp["threshold"], wp["rate_khz"], marker, color="tab:red")
    ax.axhline(smallest_rate_khz, color="grey", ls="--", lw=0.8, label=f"one event = {smallest_rate_khz:.3g} kHz")
    ax.set_yscale("log")
    ax.set_xlabel("anomaly score threshold (firmware, ufixed<16,8>)")
    ax.set_ylabel("trigger rate [kHz]")
    ax.set_title(title)
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3, which="both")
    return _save(fig, path)


def plot_score_distributions(scores: Mapping[str, np.ndarray], path: Path, title: str) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    finite = [s for s in scores.values() if len(s)]
    high = max(float(np.max(s)) for s in finite) if finite else 1.0
    bins = np.linspace(0, max(high, 1.0) * 1.02, 80)
    for name, values in scores.items():
        ax.hist(values, bins=bins, histtype="step", density=True, label=f"{name} ({len(values):,})", lw=1.4)
    ax.set_yscale("log")
    ax.set_xlabel("anomaly score (firmware)")
    ax.set_ylabel("fraction of events / bin")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_roc_vs_rate(
    curves: Mapping[str, Mapping[str, tuple]], smallest_rate_khz: float, path: Path, title: str
) -> Path:
    """Signal efficiency vs zero-bias trigger rate, firmware score solid and teacher dashed."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.8))
    for index, (name, models) in enumerate(curves.items()):
        color = f"C{index}"
        rate, eff = models["firmware"]
        ax.plot(rate, eff, color=color, label=f"{name} (firmware)")
        rate, eff = models["teacher"]
        ax.plot(rate, eff, color=color, ls="--", lw=0.9, label=f"{name} (teacher)")
    ax.axvline(3.0, color="grey", ls=":", lw=1, label="3 kHz")
    ax.axvspan(1e-3, smallest_rate_khz, color="grey", alpha=0.15, label="below one zero-bias event")
    ax.set_xscale("log")
    ax.set_xlim(max(smallest_rate_khz / 3, 1e-2), 3e4)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("zero-bias trigger rate [kHz]")
    ax.set_ylabel("signal efficiency")
    ax.set_title(title)
    ax.legend(fontsize="x-small", ncol=2)
    ax.grid(alpha=0.3, which="both")
    return _save(fig, path)
