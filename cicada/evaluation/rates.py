"""Trigger rates from anomaly scores of zero-bias events.

A zero-bias event is a random bunch crossing, so the fraction of zero-bias events that
pass a threshold times the crossing rate of filled bunches is the trigger rate. The
trigger accepts an event when its score is strictly above the threshold.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

LHC_FILLED_BUNCHES = 2544
LHC_REVOLUTION_FREQUENCY_KHZ = 11.245
#: Rate of filled-bunch crossings: every zero-bias event stands for this rate (28.61 MHz).
ZERO_BIAS_RATE_KHZ = LHC_FILLED_BUNCHES * LHC_REVOLUTION_FREQUENCY_KHZ
#: Below this many zero-bias events above threshold a rate is flagged as statistics-limited.
MIN_EVENTS_FOR_RATE = 10


def accepts(scores, threshold: float) -> np.ndarray:
    """Which events the trigger accepts at ``threshold``."""
    return np.asarray(scores) > threshold


def rate_khz(zero_bias_scores, thresholds) -> np.ndarray:
    """Trigger rate (kHz) at each threshold, from zero-bias scores."""
    scores = np.sort(np.asarray(zero_bias_scores, dtype=np.float64))
    thresholds = np.asarray(thresholds, dtype=np.float64)
    above = scores.size - np.searchsorted(scores, thresholds, side="right")
    return above / scores.size * ZERO_BIAS_RATE_KHZ


@dataclass(frozen=True)
class WorkingPoint:
    """The lowest threshold whose rate does not exceed ``target_khz``."""

    target_khz: float
    threshold: float
    rate_khz: float
    rate_uncertainty_khz: float
    zero_bias_passing: int
    zero_bias_events: int
    statistics_limited: bool
    #: signal name -> fraction of its events accepted at this threshold
    signal_efficiency: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def working_point(zero_bias_scores, target_khz: float, score_step: float) -> WorkingPoint:
    """Threshold for a target rate, on the score grid of step ``score_step``.

    With N zero-bias events, at most ``floor(target / ZERO_BIAS_RATE * N)`` may pass. The
    threshold is the score of the next event down, so ties at the threshold are rejected.
    ``statistics_limited`` is set when fewer than MIN_EVENTS_FOR_RATE events pass: the rate
    (and threshold) then rest on too few events to mean much.
    """
    scores = np.sort(np.asarray(zero_bias_scores, dtype=np.float64))[::-1]
    n = scores.size
    if n == 0:
        raise ValueError("no zero-bias scores")
    allowed = math.floor(target_khz / ZERO_BIAS_RATE_KHZ * n)
    if allowed >= n:
        threshold = scores[-1] - score_step
    else:
        threshold = scores[allowed]
    passing = int(np.count_nonzero(scores > threshold))
    rate = passing / n * ZERO_BIAS_RATE_KHZ
    return WorkingPoint(
        target_khz=float(target_khz),
        threshold=float(threshold),
        rate_khz=float(rate),
        rate_uncertainty_khz=float(math.sqrt(max(passing, 1)) / n * ZERO_BIAS_RATE_KHZ),
        zero_bias_passing=passing,
        zero_bias_events=n,
        statistics_limited=passing < MIN_EVENTS_FOR_RATE,
    )


def efficiency(signal_scores, threshold: float) -> float:
    """Fraction of signal events the trigger accepts at ``threshold``."""
    signal_scores = np.asarray(signal_scores)
    return float(np.count_nonzero(accepts(signal_scores, threshold)) / max(signal_scores.size, 1))


def smallest_measurable_rate_khz(n_zero_bias: int) -> float:
    """The rate one zero-bias event stands for: the resolution of any rate measured with them."""
    return ZERO_BIAS_RATE_KHZ / n_zero_bias


def efficiency_vs_rate(zero_bias_scores, signal_scores) -> tuple[np.ndarray, np.ndarray]:
    """ROC in trigger terms: (rate in kHz, signal efficiency) for every distinct threshold."""
    zero_bias = np.sort(np.asarray(zero_bias_scores, dtype=np.float64))
    signal = np.sort(np.asarray(signal_scores, dtype=np.float64))
    thresholds = np.unique(np.concatenate([zero_bias, signal]))
    rate = (zero_bias.size - np.searchsorted(zero_bias, thresholds, side="right")) / zero_bias.size
    eff = (signal.size - np.searchsorted(signal, thresholds, side="right")) / max(signal.size, 1)
    return rate * ZERO_BIAS_RATE_KHZ, eff
