"""Hard-scatter slices stitched to zero-bias: weights that make the zero-bias tail measurable.

A crossing holds Poisson(mu) inelastic interactions. Each interaction is labelled by the
pT-hat of its hardest scatter and each crossing by the largest of them, ``t_max``. With
``F(t)`` the probability that one interaction's pT-hat exceeds ``t``, the fraction of crossings
whose ``t_max`` lies in ``[t, t + dt)`` is ``mu f(t) exp(-mu F(t)) dt``. The slices split
``t_max >= edges[0]`` into bins ``[edge_i, edge_i+1)``, the last one open above:

* slice ``i`` holds ``N_i`` crossings made of one interaction with pT-hat ``t`` drawn in the
  slice (as the generator distributes it there) and ``Poisson(mu (1 - F(t)))`` others with
  pT-hat below ``t``; each stands for ``mu p_i exp(-mu F(t)) / N_i`` of all crossings, where
  ``p_i = F(edge_i) - F(edge_i+1)`` is the slice's share of the inelastic cross section. A
  crossing with two hard interactions is counted once, in the slice of the harder;
* the unweighted zero-bias events stand for the crossings with ``t_max < edges[0]``: those
  above get weight 0 (the slices count them), and the ones kept share the rest, ``(1 - sum of
  the slice weights) / N_kept`` each. All weights add up to 1, and the bulk's share comes from
  the cross sections instead of being counted.

This module is the arithmetic; the generators (:mod:`cicada.data.generators`) make the events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Crossings:
    """Generated bunch crossings: region images with, per event, the number of interactions
    (``n_pileup``) and the pT-hat of the hardest scatter (``pt_hat_gev``, 0 when it has none);
    either is None when the source does not know it (recorded data). Recorded data may know the
    reconstructed primary vertices instead (``pv_npvs``, ``pv_npvs_good``)."""

    images: np.ndarray
    n_pileup: np.ndarray | None = None
    pt_hat_gev: np.ndarray | None = None
    pv_npvs: np.ndarray | None = None
    pv_npvs_good: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)


@dataclass(frozen=True, eq=False, kw_only=True)
class WeightedCrossings(Crossings):
    """Crossings that each stand for ``weights`` of all crossings; ``slice_index`` says which slice
    and ``slice_probability`` (one per slice) each slice's share of the inelastic interactions."""

    weights: np.ndarray
    slice_index: np.ndarray
    slice_probability: np.ndarray


def slice_bounds(edges) -> list[tuple[float, float]]:
    """``[(edge_0, edge_1), ..., (edge_last, inf)]``: the pT-hat range (GeV) of each slice."""
    edges = [float(e) for e in edges]
    if not edges or edges[0] <= 0 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"slice edges must be positive and increasing, got {edges}")
    return list(zip(edges, [*edges[1:], float("inf")]))


def slice_label(low: float, high: float) -> str:
    """A slice's name in seeds and tables: ``"30-45"``, ``"500-inf"``."""
    return f"{low:g}-{high:g}"


def empirical_tail(pt_hat: np.ndarray, probability: float, above: float) -> np.ndarray:
    """``F(t)`` at each event of one slice from the slice's own events: ``above`` (the share of the
    slices above this one) plus ``probability`` times the fraction of the slice's events harder
    than this one (mid-rank, so the slice's events spread evenly over its share)."""
    pt_hat = np.asarray(pt_hat, dtype=np.float64)
    n = len(pt_hat)
    if n == 0:
        return np.zeros(0)
    rank = np.empty(n)
    rank[np.argsort(pt_hat, kind="stable")] = np.arange(n)
    return above + probability * (n - rank - 0.5) / n


def slice_weights(tail: np.ndarray, probability: float, mu: float) -> np.ndarray:
    """Weights of one slice's events: ``mu p exp(-mu F(t)) / N`` with ``F(t)`` = ``tail``."""
    tail = np.asarray(tail, dtype=np.float64)
    if len(tail) == 0:
        return np.zeros(0)
    return mu * probability * np.exp(-mu * tail) / len(tail)


def bulk_weights(pt_hat: np.ndarray, lowest_edge: float, slices_total: float) -> np.ndarray:
    """Weights of unweighted zero-bias events next to slices starting at ``lowest_edge`` whose
    weights add up to ``slices_total``: 0 at or above the edge, the rest share ``1 - slices_total``."""
    kept = np.asarray(pt_hat, dtype=np.float64) < lowest_edge
    if not kept.any():
        raise ValueError(f"no zero-bias event has its hardest scatter below {lowest_edge:g} GeV to stand for the bulk")
    if not 0.0 <= slices_total < 1.0:
        raise ValueError(f"the slices stand for {slices_total:g} of the crossings, expected less than 1")
    return np.where(kept, (1.0 - slices_total) / np.count_nonzero(kept), 0.0)


def weighted_fraction(values: np.ndarray, weights: np.ndarray, threshold: float) -> tuple[float, float]:
    """Fraction of crossings with ``values > threshold`` and its statistical uncertainty
    (square root of the summed squared weights of the events above)."""
    above = np.asarray(values) > threshold
    weights = np.asarray(weights, dtype=np.float64)
    return float(weights[above].sum()), float(np.sqrt(np.sum(weights[above] ** 2)))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, fraction_above: float) -> float:
    """The smallest value ``v`` such that the weighted fraction of events above ``v`` is at most
    ``fraction_above`` (for integer observables: the level a trigger at that rate cuts at)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")[::-1]
    sorted_values = values[order]
    unique, first = np.unique(-sorted_values, return_index=True)  # descending distinct values
    above = np.concatenate([[0.0], np.cumsum(np.asarray(weights, dtype=np.float64)[order])])[first]
    # above[k]: weight strictly above the k-th largest distinct value
    allowed = np.flatnonzero(above <= fraction_above * (1 + 1e-12))
    return float(-unique[allowed[-1]])
