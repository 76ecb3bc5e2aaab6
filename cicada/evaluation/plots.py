"""PNG figures for people who would rather look than read (matplotlib, no display needed).

Rate figures use mplhep's CMS style and say what they are ("cicada", "Simulation" or "Private
work"): nothing here is an official CMS result.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from ..core.plotting import pyplot, save_figure


@dataclass(frozen=True)
class PlotLabel:
    """What a figure says about itself: ``text`` after "cicada" (e.g. "Simulation"), ``right`` at the right,
    and ``sample``: the zero-bias sample it shows (which, weighted or not, how many events), as its legend's title."""

    text: str
    right: str = ""
    sample: str = ""


def legend(ax, label: PlotLabel, **kwargs):
    """The axes' legend, titled with the figure's sample (when it names one)."""
    return ax.legend(title=label.sample or None, title_fontsize="xx-small", **kwargs)


@contextlib.contextmanager
def hep_figure(path: Path, label: PlotLabel, size: tuple[float, float] = (11, 7.5)) -> Iterator[tuple]:
    """A figure in mplhep's CMS style, labelled ``cicada`` + ``label.text`` (never as a CMS
    result) with ``label.right`` on the right; saved to ``path`` when the block ends."""
    plt = pyplot()
    import mplhep

    with plt.style.context(mplhep.style.CMS):
        fig, ax = plt.subplots(figsize=size)
        try:
            yield fig, ax
            mplhep.label.exp_label(exp="cicada", data=True, text=label.text, rlabel=label.right, ax=ax, loc=0)
        except BaseException:
            plt.close(fig)
            raise
        save_figure(fig, path)


def plot_rate_vs_threshold(
    thresholds: np.ndarray,
    rates_khz: np.ndarray,
    uncertainty_khz: np.ndarray,
    working_points: Sequence[dict],
    smallest_rate_khz: float,
    path: Path,
    label: PlotLabel,
    score_type: str = "ufixed<16,8>",
) -> Path:
    """Rate against threshold (a step curve) with its statistical band; working points marked with
    their threshold interval and rate uncertainty, flagged ones hollow."""
    with hep_figure(path, label) as (fig, ax):
        # targets below what the sample resolves stay in view, under the one-event line
        bottom = min([smallest_rate_khz / 3, *[wp["target_khz"] / 2 for wp in working_points]])
        shown = np.where(rates_khz > 0, rates_khz, np.nan)
        ax.fill_between(
            thresholds,
            np.maximum(rates_khz - uncertainty_khz, bottom),
            np.where(rates_khz > 0, rates_khz + uncertainty_khz, np.nan),
            step="post",
            color="tab:grey",
            alpha=0.35,
            lw=0,
            label="statistical uncertainty",
        )
        ax.step(thresholds, shown, where="post", color="k", lw=1.5, label="zero-bias rate")
        for wp in working_points:
            ax.axhline(wp["target_khz"], color="tab:blue", ls=":", lw=1)
            ax.annotate(
                f"{wp['target_khz']:g} kHz",
                (1.0, wp["target_khz"]),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="xx-small",
                color="tab:blue",
            )
            low, high = wp["threshold_interval"] or (wp["threshold"], wp["threshold"])
            xerr = [[max(wp["threshold"] - low, 0)], [max(high - wp["threshold"], 0)]]
            if wp["rate_khz"] <= 0:  # nothing passes: the rate is below one event
                ax.errorbar(wp["threshold"], smallest_rate_khz, xerr=xerr, fmt="v", color="tab:red", mfc="none", ms=9)
                continue
            ax.errorbar(
                wp["threshold"],
                wp["rate_khz"],
                xerr=xerr,
                yerr=[[min(wp["rate_uncertainty_khz"], wp["rate_khz"] - bottom)], [wp["rate_uncertainty_khz"]]],
                fmt="o",
                color="tab:red",
                mfc="none" if wp["statistics_limited"] else "tab:red",
                ms=7,
                capsize=3,
            )
        ax.plot([], [], "o", color="tab:red", label="working points (hollow: > 10% uncertainty)")
        if any(wp["rate_khz"] <= 0 for wp in working_points):
            ax.plot([], [], "v", color="tab:red", mfc="none", label="working points where no event passes")
        ax.axhline(smallest_rate_khz, color="grey", ls="--", lw=1, label=f"one event = {smallest_rate_khz:.3g} kHz")
        ax.set_yscale("log")
        ax.set_ylim(bottom=bottom)
        ax.set_xlabel(f"anomaly score threshold (firmware, {score_type})")
        ax.set_ylabel("trigger rate [kHz]")
        legend(ax, label, loc="lower left", fontsize="x-small", frameon=True, framealpha=0.85, edgecolor="none")
        ax.grid(alpha=0.3, which="both")
    return Path(path)


def plot_rate_vs_pileup(
    bins: Sequence[dict],
    working_points: Sequence[dict],
    path: Path,
    label: PlotLabel,
    xlabel: str = "pileup interactions in the crossing",
) -> Path:
    """Rate at each working point's threshold against pileup (``xlabel``: what the bins count),
    one series per working point."""
    with hep_figure(path, label) as (fig, ax):
        centres = np.array([(b["low"] + b["high"]) / 2 for b in bins])
        halves = np.array([(b["high"] - b["low"] + 1) / 2 for b in bins])
        for index, wp in enumerate(working_points):
            rate = np.array([b["rate_khz"][index] for b in bins])
            error = np.array([b["rate_uncertainty_khz"][index] for b in bins])
            visible = rate > 0
            ax.errorbar(
                centres[visible],
                rate[visible],
                xerr=halves[visible],
                yerr=[np.minimum(error[visible], rate[visible] * 0.999), error[visible]],
                fmt="o",
                ms=5,
                capsize=2,
                color=f"C{index}",
                label=f"{wp['target_khz']:g} kHz point (threshold {wp['threshold']})",
            )
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("trigger rate [kHz]")
        legend(ax, label, fontsize="xx-small")
        ax.grid(alpha=0.3, which="both")
    return Path(path)


def plot_score_distributions(
    scores: Mapping[str, np.ndarray],
    path: Path,
    label: PlotLabel,
    weights: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Normalised score distributions; a sample with ``weights`` is histogrammed with them."""
    weights = weights or {}
    with hep_figure(path, label) as (fig, ax):
        finite = [s for s in scores.values() if len(s)]
        high = max(float(np.max(s)) for s in finite) if finite else 1.0
        bins = np.linspace(0, max(high, 1.0) * 1.02, 80)
        for name, values in scores.items():
            ax.hist(
                values,
                bins=bins,
                weights=weights.get(name),
                histtype="step",
                density=True,
                label=f"{name} ({len(values):,}{', weighted' if name in weights else ''})",
                lw=1.6,
            )
        ax.set_yscale("log")
        ax.set_xlabel("anomaly score (firmware)")
        ax.set_ylabel("fraction of events / bin")
        legend(ax, label, fontsize="x-small")
        ax.grid(alpha=0.3)
    return Path(path)
