"""Trigger rate against the number of pileup interactions in the crossing, or its proxy.

The per-event quantity is what the rate sample's files carry (:data:`QUANTITY_LABELS`): the true
number of interactions of simulated crossings (``NPileup``), else the reconstructed good primary
vertices of recorded ones (``PV_npvsGood``), else all reconstructed vertices (``PV_npvs``).
The rate at pileup n is what the trigger would take if every crossing had n interactions:
the crossing rate times the weighted fraction of events with that pileup that pass. Events
are grouped in bins of pileup; the uncertainty is ``sqrt(sum w^2)`` of the passing events over
the bin's summed weight (the bin's total taken as exact, fair while few of its events pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .rates import ZERO_BIAS_RATE_KHZ

#: About this many pileup bins between the lowest and highest pileup of the sample.
TARGET_BINS = 8

#: What each per-event pileup dataset counts, as axis labels and table headers say it.
QUANTITY_LABELS = {
    "NPileup": "pileup interactions in the crossing",
    "PV_npvsGood": "reconstructed good primary vertices",
    "PV_npvs": "reconstructed primary vertices",
}


def quantity_label(key: str) -> str:
    """``"reconstructed good primary vertices (PV_npvsGood)"``: what the counts under ``key`` are."""
    return f"{QUANTITY_LABELS.get(key, key)} ({key})"


@dataclass
class PileupBin:
    low: int
    #: inclusive
    high: int
    events: int
    #: the bin's share of the crossings (sum of its events' weights)
    weight: float
    #: per working point (in the order of the targets): rate and uncertainty at its threshold
    rate_khz: list[float]
    rate_uncertainty_khz: list[float]


def pileup_edges(pileup, bins: int = TARGET_BINS) -> np.ndarray:
    """Integer bin edges (each bin [edge, next edge)) covering the sample's pileup in about ``bins`` bins."""
    pileup = np.asarray(pileup, dtype=np.int64)
    low, high = int(pileup.min()), int(pileup.max())
    width = max(1, math.ceil((high - low + 1) / bins))
    return np.arange(low, high + width + 1, width)


def rate_vs_pileup(scores, weights, pileup, thresholds) -> list[PileupBin]:
    """Per pileup bin (empty bins left out), the rate at each threshold (score strictly above)."""
    scores = np.asarray(scores, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    pileup = np.asarray(pileup, dtype=np.int64)
    edges = pileup_edges(pileup)
    which = np.searchsorted(edges, pileup, side="right") - 1
    out = []
    for index in range(edges.size - 1):
        members = which == index
        total = float(weights[members].sum())
        if not members.any() or total <= 0:
            continue
        rates, errors = [], []
        for threshold in thresholds:
            passing = members & (scores > threshold)
            rates.append(float(weights[passing].sum() / total * ZERO_BIAS_RATE_KHZ))
            errors.append(float(math.sqrt((weights[passing] ** 2).sum()) / total * ZERO_BIAS_RATE_KHZ))
        out.append(PileupBin(int(edges[index]), int(edges[index + 1] - 1), int(members.sum()), total, rates, errors))
    return out


@dataclass
class PileupDataset:
    """A zero-bias sample made at another mean pileup (``data.pileup_variations``): the rate each
    working point's threshold gives there. Unweighted (no hard-scatter slices at that pileup), so
    its low rates rest on few events: ``events_passing`` says how many."""

    name: str
    mean_pileup: float
    events: int
    #: per working point: rate, its Poisson uncertainty, and the events above the threshold
    rate_khz: list[float]
    rate_uncertainty_khz: list[float]
    events_passing: list[int]


def dataset_rates(name: str, mean_pileup: float, scores, thresholds) -> PileupDataset:
    """The rate at each threshold (score strictly above) on an unweighted zero-bias sample."""
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.size
    passing = [int((scores > threshold).sum()) for threshold in thresholds]
    scale = ZERO_BIAS_RATE_KHZ / n if n else math.nan
    return PileupDataset(
        name,
        float(mean_pileup),
        int(n),
        [k * scale for k in passing],
        [math.sqrt(k) * scale for k in passing],
        passing,
    )
