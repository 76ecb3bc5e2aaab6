"""Summary statistics of region images: what a calibration compares and `cicada show` prints."""

from __future__ import annotations

import numpy as np

from . import geometry as geo


def total_et(images: np.ndarray) -> np.ndarray:
    """Sum of region ET per event (LSB)."""
    return np.asarray(images, dtype=np.int64).reshape(len(images), -1).sum(axis=1)


def hottest_region(images: np.ndarray) -> np.ndarray:
    """Largest region ET per event (LSB)."""
    return np.asarray(images).reshape(len(images), -1).max(axis=1)


def missing_et(images: np.ndarray) -> np.ndarray:
    """Magnitude of the vector sum of region ET (LSB), each region at its phi centre."""
    per_phi = np.asarray(images, dtype=np.float64).sum(axis=2)  # (N, 18)
    x = per_phi @ np.cos(geo.REGION_PHI_CENTRES)
    y = per_phi @ np.sin(geo.REGION_PHI_CENTRES)
    return np.hypot(x, y)


def zero_bias_statistics(images: np.ndarray) -> dict[str, float]:
    """The statistics a zero-bias calibration is checked against."""
    totals = total_et(images)
    return {
        "events": int(len(images)),
        "total_et_mean": float(totals.mean()),
        "total_et_std": float(totals.std()),
        "region_et_mean": float(np.mean(images)),
        "empty_region_fraction": float(np.mean(np.asarray(images) == 0)),
        "hottest_region_median": float(np.median(hottest_region(images))),
        "saturated_region_fraction": float(np.mean(np.asarray(images) >= geo.REGION_ET_MAX)),
    }
