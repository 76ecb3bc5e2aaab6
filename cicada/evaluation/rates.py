"""Trigger rates from anomaly scores of a weighted zero-bias sample.

A zero-bias event is a random filled bunch crossing. Each event of the rate sample carries a
weight, the fraction of filled crossings it stands for (an unweighted sample of N events: 1/N
each; hard-scatter slices: their share, see :func:`cicada.data.datasets.rate_sample_weights`).
The rate of a trigger is the weight of the events it accepts times the crossing rate of filled
bunches. The trigger accepts an event when its score is strictly above the threshold.

The statistical uncertainty of a weighted count is ``sqrt(sum w^2)`` over the events counted
(each event's count is Poisson, so its variance is w^2); for N unweighted events it is the
familiar ``sqrt(k) / N``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

# the bunch-crossing rate every zero-bias event stands for (28.61 MHz): its home is cicada/core/lhc.py
from ..core.lhc import LHC_FILLED_BUNCHES, LHC_REVOLUTION_FREQUENCY_KHZ, ZERO_BIAS_RATE_KHZ  # noqa: F401 (re-exported)
from .efficiency import CONFIDENCE_LEVEL, Efficiency

#: A working point whose rate has a larger relative statistical uncertainty than this (fewer than
#: 100 effective events pass) is flagged as statistics-limited.
MAX_RELATIVE_UNCERTAINTY = 0.10
#: Relative slack when comparing a summed weight with a target, so that round-off in the sum
#: of N weights 1/N cannot move a threshold by one event.
_SUM_TOLERANCE = 1e-9


def accepts(scores, threshold: float) -> np.ndarray:
    """Which events the trigger accepts at ``threshold``."""
    return np.asarray(scores) > threshold


def sample_weights(scores, weights=None) -> np.ndarray:
    """The weights of a rate sample as float64: ``weights``, or 1/N each when None."""
    n = len(scores)
    if weights is None:
        return np.full(n, 1.0 / n) if n else np.empty(0)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n,):
        raise ValueError(f"{weights.shape[0] if weights.ndim else 0} weights for {n} scores")
    return weights


@dataclass(frozen=True)
class RateCurve:
    """Rate against threshold of a weighted sample, with its statistical band.

    ``values`` are the distinct scores (ascending); ``weight_above[i]`` and ``square_above[i]``
    are the sums of w and w^2 over events scoring strictly above ``values[i - 1]`` (index 0:
    every event), ``count_above`` the number of those events.
    """

    values: np.ndarray
    weight_above: np.ndarray
    square_above: np.ndarray
    count_above: np.ndarray

    @classmethod
    def from_scores(cls, scores, weights=None) -> "RateCurve":
        scores = np.asarray(scores, dtype=np.float64)
        weights = sample_weights(scores, weights)
        if scores.size == 0:
            raise ValueError("no zero-bias scores")
        values, inverse = np.unique(scores, return_inverse=True)

        def above(per_event):
            per_value = np.bincount(inverse, weights=per_event, minlength=values.size)
            # summed from the highest score down: the tail, where thresholds live, is summed first
            return np.concatenate([np.cumsum(per_value[::-1])[::-1], [0.0]])

        counts = above(np.ones_like(weights)).round().astype(np.int64)
        if np.ptp(weights) == 0:  # unweighted: count times the weight, free of the sum's round-off
            return cls(values, counts * weights[0], counts * weights[0] ** 2, counts)
        return cls(values, above(weights), above(weights**2), counts)

    def _index(self, thresholds) -> np.ndarray:
        return np.searchsorted(self.values, np.asarray(thresholds, dtype=np.float64), side="right")

    def rate_khz(self, thresholds) -> np.ndarray:
        """Rate (kHz) of events scoring strictly above each threshold."""
        return self.weight_above[self._index(thresholds)] * ZERO_BIAS_RATE_KHZ

    def uncertainty_khz(self, thresholds) -> np.ndarray:
        """Statistical uncertainty (kHz) of :meth:`rate_khz`: ``sqrt(sum w^2)`` of passing events."""
        return np.sqrt(self.square_above[self._index(thresholds)]) * ZERO_BIAS_RATE_KHZ

    def passing(self, thresholds) -> np.ndarray:
        """Number of sample events scoring strictly above each threshold."""
        return self.count_above[self._index(thresholds)]

    def threshold(self, target_khz: float, score_step: float) -> float:
        """The lowest threshold on the score grid whose rate does not exceed ``target_khz``.

        The rate only changes at sample scores, so the answer is a sample score (events tied
        with it are rejected), or one step below the lowest score when everything may pass.
        """
        limit = target_khz / ZERO_BIAS_RATE_KHZ * (1 + _SUM_TOLERANCE)
        if self.weight_above[0] <= limit:
            return float(self.values[0] - score_step)
        # weight_above[i + 1] is the rate at values[i]: non-increasing, take the first <= limit
        return float(self.values[np.count_nonzero(self.weight_above[1:] > limit)])


def rate_khz(zero_bias_scores, thresholds, weights=None) -> np.ndarray:
    """Trigger rate (kHz) at each threshold, from (weighted) zero-bias scores."""
    return RateCurve.from_scores(zero_bias_scores, weights).rate_khz(thresholds)


def weighted_rate(accepted, weights) -> tuple[float, float]:
    """Rate (kHz) of the events flagged in ``accepted`` and its statistical uncertainty."""
    accepted = np.asarray(accepted, dtype=bool)
    weights = np.asarray(weights, dtype=np.float64)
    return (
        float(weights[accepted].sum() * ZERO_BIAS_RATE_KHZ),
        float(math.sqrt((weights[accepted] ** 2).sum()) * ZERO_BIAS_RATE_KHZ),
    )


@dataclass
class WorkingPoint:
    """The lowest threshold whose rate does not exceed ``target_khz``, with its uncertainties."""

    target_khz: float
    threshold: float
    #: the threshold's bootstrap interval (see :func:`bootstrap_thresholds`), or None when not computed
    threshold_interval: list[float] | None
    rate_khz: float
    #: ``sqrt(sum w^2)`` of the passing events; when none passes, the rate of one event of the
    #: largest weight at the threshold (the resolution there)
    rate_uncertainty_khz: float
    #: rate_uncertainty / rate; None when no event passes
    relative_uncertainty: float | None
    #: (sum w)^2 / sum w^2 of the passing events: as many unweighted events would give the same precision
    effective_events: float
    zero_bias_passing: int
    zero_bias_events: int
    statistics_limited: bool
    #: signal name -> fraction of its events accepted at this threshold
    signal_efficiency: dict[str, float] = field(default_factory=dict)
    #: signal name -> that fraction with its Clopper-Pearson interval
    signal_efficiency_interval: dict[str, Efficiency] = field(default_factory=dict)
    # beside the emulated standard seeds (None without seeds; see cicada.evaluation.menu):
    #: rate of events accepted here and by no seed
    pure_rate_khz: float | None = None
    pure_rate_uncertainty_khz: float | None = None
    #: rate of the OR of the seeds and this working point
    total_rate_khz: float | None = None
    total_rate_uncertainty_khz: float | None = None
    #: signal -> efficiency of OR(seeds, anomaly) minus OR(seeds): the fraction accepted here and by no seed
    signal_gain: dict[str, Efficiency] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def working_point(
    zero_bias_scores, target_khz: float, score_step: float, weights=None, curve: RateCurve | None = None
) -> WorkingPoint:
    """Threshold for a target rate, on the score grid of step ``score_step``, from a (weighted) sample.

    ``statistics_limited`` is set when no event passes or the rate's relative statistical
    uncertainty exceeds MAX_RELATIVE_UNCERTAINTY.
    """
    scores = np.asarray(zero_bias_scores, dtype=np.float64)
    weights = sample_weights(scores, weights)
    curve = curve or RateCurve.from_scores(scores, weights)
    threshold = curve.threshold(target_khz, score_step)
    index = curve._index([threshold])[0]
    passing = int(curve.count_above[index])
    weight, square = float(curve.weight_above[index]), float(curve.square_above[index])
    if passing and weight > 0:
        uncertainty = math.sqrt(square)
        relative: float | None = uncertainty / weight
    else:  # nothing passes: the threshold is a sample score, and the events there set the resolution
        uncertainty = float(weights[scores == threshold].max(initial=0.0))
        relative = None
    return WorkingPoint(
        target_khz=float(target_khz),
        threshold=threshold,
        threshold_interval=None,
        rate_khz=weight * ZERO_BIAS_RATE_KHZ,
        rate_uncertainty_khz=uncertainty * ZERO_BIAS_RATE_KHZ,
        relative_uncertainty=relative,
        effective_events=weight**2 / square if square > 0 else 0.0,
        zero_bias_passing=passing,
        zero_bias_events=int(scores.size),
        statistics_limited=relative is None or relative > MAX_RELATIVE_UNCERTAINTY,
    )


#: The bootstrap first draws multiplicities for the events holding this many times the largest
#: target's weight (plus TAIL_EXTRA_SCORES more distinct scores): enough for nearly every replica.
TAIL_MARGIN = 4.0
TAIL_EXTRA_SCORES = 16


def bootstrap_thresholds(
    zero_bias_scores, targets_khz, score_step: float, rng: np.random.Generator, replicas: int, weights=None
) -> np.ndarray:
    """Thresholds for each target in ``replicas`` Poisson-bootstrap replicas of the sample: (replicas, targets).

    Each replica gives every event a multiplicity drawn from Poisson(1) (the bootstrap for
    weighted samples: it keeps each event's weight and needs no fixed sample size) and finds the
    thresholds as :meth:`RateCurve.threshold` does. Replica r draws from its own stream
    (``rng.spawn``), event by event from the highest score down. Only the high-score tail decides
    a threshold, so a replica draws for the tail first and for the other events only when its
    tail does not decide; the draws are those of one sequence, so every replica is exact.
    """
    scores = np.asarray(zero_bias_scores, dtype=np.float64)
    weights = sample_weights(scores, weights)
    order = np.argsort(-scores, kind="stable")
    scores, weights = scores[order], weights[order]
    starts = np.flatnonzero(np.r_[True, scores[1:] != scores[:-1]])  # first event of each distinct score
    values = scores[starts]  # descending
    n_groups = values.size
    limits = np.asarray(targets_khz, dtype=np.float64) / ZERO_BIAS_RATE_KHZ * (1 + _SUM_TOLERANCE)
    nominal = np.cumsum(np.add.reduceat(weights, starts))
    tail = min(n_groups, int(np.searchsorted(nominal, TAIL_MARGIN * limits.max(), side="right")) + TAIL_EXTRA_SCORES)
    tail_events = int(starts[tail]) if tail < n_groups else scores.size

    def indices(multiplicities: np.ndarray, groups: int) -> np.ndarray:
        """Per target, how many of the first ``groups`` distinct scores the threshold lets through."""
        group_weights = np.add.reduceat(multiplicities * weights[: multiplicities.size], starts[:groups])
        return np.searchsorted(np.cumsum(group_weights), limits, side="right")  # cumsum: weight above the next

    out = np.empty((replicas, limits.size))
    for replica, stream in enumerate(rng.spawn(replicas)):
        multiplicities = stream.poisson(1.0, tail_events).astype(np.float64)
        index = indices(multiplicities, tail)
        if tail < n_groups and np.any(index == tail):  # this replica's tail lets everything through
            rest = stream.poisson(1.0, scores.size - tail_events).astype(np.float64)
            index = indices(np.concatenate([multiplicities, rest]), n_groups)
        out[replica] = np.where(index < n_groups, values[np.minimum(index, n_groups - 1)], values[-1] - score_step)
    return out


def threshold_interval(replica_thresholds: np.ndarray, level: float = CONFIDENCE_LEVEL) -> np.ndarray:
    """The central ``level`` interval of bootstrap thresholds per target: (targets, 2), on the score grid."""
    tail = (1 - level) / 2
    return np.quantile(replica_thresholds, [tail, 1 - tail], axis=0, method="inverted_cdf").T


def efficiency(signal_scores, threshold: float) -> float:
    """Fraction of signal events the trigger accepts at ``threshold``."""
    signal_scores = np.asarray(signal_scores)
    return float(np.count_nonzero(accepts(signal_scores, threshold)) / max(signal_scores.size, 1))


def smallest_measurable_rate_khz(n_zero_bias: int, weights=None) -> float:
    """The rate one zero-bias event stands for (of the smallest weight in a weighted sample):
    the resolution of any rate measured with them."""
    if weights is not None and len(weights):
        positive = np.asarray(weights, dtype=np.float64)
        positive = positive[positive > 0]
        if positive.size:
            return float(positive.min() * ZERO_BIAS_RATE_KHZ)
    return ZERO_BIAS_RATE_KHZ / n_zero_bias


@dataclass(frozen=True)
class EfficiencyCurve:
    """A signal's efficiency against the trigger rate, one point per rate the sample can give: at each, the
    lowest threshold with that rate (as a working point takes it), so the curve passes through every
    working point of the same sample. Arrays share one order, rate descending."""

    threshold: np.ndarray
    rate_khz: np.ndarray
    rate_uncertainty_khz: np.ndarray
    passed: np.ndarray
    events: int

    @property
    def efficiency(self) -> np.ndarray:
        return self.passed / max(self.events, 1)


def efficiency_curve(curve: RateCurve, signal_scores, score_step: float) -> EfficiencyCurve:
    """The efficiency of ``signal_scores`` against the rate of the (weighted) sample of ``curve``, at every
    threshold a working point could take: the sample's scores and one step below the lowest."""
    grid = np.concatenate([[curve.values[0] - score_step], curve.values])
    rate = curve.rate_khz(grid)
    # rates fall (or stay) as the threshold rises: keep each rate's lowest threshold, the most efficient
    _, first = np.unique(-rate, return_index=True)
    grid, rate = grid[first], rate[first]
    signal = np.sort(np.asarray(signal_scores, dtype=np.float64))
    passed = signal.size - np.searchsorted(signal, grid, side="right")
    return EfficiencyCurve(grid, rate, curve.uncertainty_khz(grid), passed.astype(np.int64), int(signal.size))


@dataclass
class TransferPoint:
    """A threshold set on one rate sample (the build's) and the rate it gives on another."""

    target_khz: float
    #: the threshold for ``target_khz`` on the sample it was set on, and the rate there
    threshold: float
    own_rate_khz: float
    #: the rate the same threshold gives on the other sample, its uncertainty, and rate / target
    rate_khz: float
    rate_uncertainty_khz: float
    ratio: float


def transferred(own: RateCurve, scores, weights, targets_khz, score_step: float) -> list[TransferPoint]:
    """For each target, the threshold of the sample of ``own`` and the rate it gives on ``scores`` (``weights``)."""
    other = RateCurve.from_scores(scores, weights)
    out = []
    for target in targets_khz:
        threshold = own.threshold(target, score_step)
        rate = float(other.rate_khz([threshold])[0])
        out.append(
            TransferPoint(
                float(target),
                threshold,
                float(own.rate_khz([threshold])[0]),
                rate,
                float(other.uncertainty_khz([threshold])[0]),
                rate / target,
            )
        )
    return out
