"""Efficiencies (fractions of events passing) with exact binomial intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Every interval in the rates report is a central interval at this level (one Gaussian sigma).
CONFIDENCE_LEVEL = 0.6827


@dataclass
class Efficiency:
    """``passed`` of ``events`` and its Clopper-Pearson interval [low, high] at CONFIDENCE_LEVEL."""

    passed: int
    events: int
    value: float
    low: float
    high: float


def clopper_pearson(passed: int, events: int, level: float = CONFIDENCE_LEVEL) -> tuple[float, float]:
    """The central Clopper-Pearson interval of a binomial fraction: exact, never shorter than
    its level promises (from the beta distribution's quantiles, scipy.stats.beta)."""
    from scipy.stats import beta

    if events <= 0:
        return 0.0, 1.0
    tail = (1 - level) / 2
    low = float(beta.ppf(tail, passed, events - passed + 1)) if passed > 0 else 0.0
    high = float(beta.ppf(1 - tail, passed + 1, events - passed)) if passed < events else 1.0
    return low, high


def efficiency(accepted) -> Efficiency:
    """The fraction of events flagged in ``accepted`` (booleans, one per event) with its interval."""
    accepted = np.asarray(accepted, dtype=bool)
    passed, events = int(np.count_nonzero(accepted)), int(accepted.size)
    low, high = clopper_pearson(passed, events)
    return Efficiency(passed, events, passed / events if events else 0.0, low, high)
