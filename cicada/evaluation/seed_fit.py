"""Seed thresholds fitted to the seeds' menu rates on a (weighted) zero-bias rate sample.

Region ET is not calibrated ET and the emulated seeds are approximations of the menu's (larger
jets, no forward calorimeter, a simple pileup estimate), so the menu's threshold times a
response factor can put a seed far from its real rate, and the anomaly trigger's pure rate
beside it then says little. A seed fitted to its menu rate takes the share of the crossings
the real seed takes, whatever its quantity's scale: the pure rate and the efficiency gain are
then measured beside seeds at their real rates.

A seed accepts an event when its quantity is at least the threshold (the menu's conditions are
``>=``). The fitted threshold is the value of the quantity, among those the sample holds, whose
rate is closest to the target; ties go to the higher threshold.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .l1_seeds import Seed
from .rates import ZERO_BIAS_RATE_KHZ


def fit_threshold(values, weights, target_khz: float) -> float:
    """The threshold ``t`` (a value of ``values``) at which the weight of the events with ``value >= t``
    times the crossing rate is closest to ``target_khz``."""
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no zero-bias events to fit a seed threshold on")
    distinct, inverse = np.unique(values, return_inverse=True)
    per_value = np.bincount(inverse, weights=weights, minlength=distinct.size)
    at_or_above = np.cumsum(per_value[::-1])[::-1] * ZERO_BIAS_RATE_KHZ  # rate of value >= distinct[i]
    distance = np.abs(at_or_above - target_khz)
    # the last index of the smallest distance: the highest threshold among equally close ones
    best = distinct.size - 1 - int(np.argmin(distance[::-1]))
    return float(distinct[best])


def fitted(seeds: list[Seed], quantities: dict[str, np.ndarray], weights) -> list[Seed]:
    """``seeds`` with each region threshold fitted to its target rate on the sample of ``quantities``
    (per-event seed quantities, :func:`cicada.evaluation.l1_seeds.seed_quantities`) and ``weights``."""
    out = []
    for seed in seeds:
        if seed.target_rate_khz is None:
            raise ValueError(f"seed {seed.name} has no menu rate to fit its threshold to")
        threshold = fit_threshold(quantities[seed.quantity], weights, seed.target_rate_khz)
        out.append(dataclasses.replace(seed, region_threshold_gev=threshold))
    return out
