"""``roc_vs_rate.png``: each signal's efficiency against the trigger rate, from the rate sample.

The curves come from the same (weighted) zero-bias rate sample as the working-point table, so
the figure and the table give one answer: every working point of the table is a point of its
signal's curve (:class:`cicada.evaluation.rates.EfficiencyCurve`), drawn on it with its rate
uncertainty and efficiency interval. The band around each firmware curve is its efficiency's
Clopper-Pearson interval; the teacher's curve (dashed) is at its own thresholds on the same sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .efficiency import CONFIDENCE_LEVEL
from .plots import PlotLabel, hep_figure, legend
from .rates import EfficiencyCurve

#: The reference rate CMS draws its anomaly-detection ROC curves against (kHz).
REFERENCE_RATE_KHZ = 3.0


def _band(curve: EfficiencyCurve) -> tuple[np.ndarray, np.ndarray]:
    """The efficiency's Clopper-Pearson interval at every point of ``curve``."""
    from scipy.stats import beta

    tail = (1 - CONFIDENCE_LEVEL) / 2
    passed, events = curve.passed.astype(np.float64), float(curve.events)
    with np.errstate(invalid="ignore"):
        low = np.where(passed > 0, beta.ppf(tail, passed, events - passed + 1), 0.0)
        high = np.where(passed < events, beta.ppf(1 - tail, passed + 1, events - passed), 1.0)
    return low, high


def plot_efficiency_vs_rate(
    firmware: Mapping[str, EfficiencyCurve],
    teacher: Mapping[str, EfficiencyCurve] | None,
    working_points: Sequence[dict],
    smallest_rate_khz: float,
    path: Path,
    label: PlotLabel,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Draw the figure; return what it drew: each labelled line's (rate, efficiency) as read back from the
    figure (the firmware curves under the signal's name, the working points under ``<signal> working points``)."""
    drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with hep_figure(path, label) as (fig, ax):
        for index, (name, curve) in enumerate(firmware.items()):
            color = f"C{index}"
            visible = curve.rate_khz > 0  # a log axis: thresholds above every zero-bias event are off it
            rate, eff = curve.rate_khz[visible], curve.efficiency[visible]
            low, high = _band(curve)
            ax.fill_between(rate, low[visible], high[visible], color=color, alpha=0.25, lw=0, step=None)
            ax.plot(rate, eff, color=color, lw=1.6, label=name)
            if teacher is not None and name in teacher:
                other = teacher[name]
                shown = other.rate_khz > 0
                ax.plot(other.rate_khz[shown], other.efficiency[shown], color=color, ls="--", lw=1.0)
            points = [wp for wp in working_points if wp["rate_khz"] > 0 and name in wp["signal_efficiency_interval"]]
            if points:
                x = np.array([wp["rate_khz"] for wp in points])
                y = np.array([wp["signal_efficiency"][name] for wp in points])
                intervals = [wp["signal_efficiency_interval"][name] for wp in points]
                yerr = [[e - i["low"] for e, i in zip(y, intervals)], [i["high"] - e for e, i in zip(y, intervals)]]
                error = np.array([wp["rate_uncertainty_khz"] for wp in points])
                ax.errorbar(
                    x,
                    y,
                    xerr=[np.minimum(error, x * 0.999), error],
                    yerr=yerr,
                    fmt="o",
                    ms=6,
                    capsize=2,
                    color=color,
                    mfc="white",
                    label=f"{name} working points",
                )
        if teacher:
            ax.plot([], [], color="grey", ls="--", lw=1.0, label="teacher (same sample, its own thresholds)")
        ax.fill_between([], [], [], color="grey", alpha=0.25, lw=0, label=f"{CONFIDENCE_LEVEL:.0%} Clopper-Pearson")
        ax.axvline(REFERENCE_RATE_KHZ, color="grey", ls=":", lw=1)
        ax.axvspan(smallest_rate_khz / 100, smallest_rate_khz, color="grey", alpha=0.12, lw=0)
        ax.set_xscale("log")
        ax.set_xlim(max(smallest_rate_khz / 3, 1e-3), 3e4)
        ax.set_ylim(0, 1.45)  # headroom above efficiency 1 for the legend, clear of every curve
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xlabel("trigger rate on the zero-bias rate sample [kHz]")
        ax.set_ylabel("signal efficiency (firmware score)")
        legend(
            ax, label, loc="upper left", fontsize="xx-small", ncol=2, frameon=True, framealpha=0.85, edgecolor="none"
        )
        ax.grid(alpha=0.3, which="both")
        for line in ax.get_lines():
            if line.get_label() in firmware:
                drawn[line.get_label()] = (np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
        for container in ax.containers:  # the working points: errorbar containers hold the label and the markers
            if str(container.get_label()).endswith(" working points"):
                markers = container.lines[0]
                drawn[container.get_label()] = (
                    np.asarray(markers.get_xdata(), float),
                    np.asarray(markers.get_ydata(), float),
                )
    return drawn
