"""Summary statistics of region images: what a calibration compares and `cicada show` prints.

Every function takes images of either layout (:mod:`cicada.data.region_bits`) and reads their ET."""

from __future__ import annotations

import numpy as np

from ..core import geometry as geo
from .region_bits import region_et


def total_et(images: np.ndarray) -> np.ndarray:
    """Sum of region ET per event (LSB)."""
    images = region_et(images)
    return np.asarray(images, dtype=np.int64).reshape(len(images), -1).sum(axis=1)


def hottest_region(images: np.ndarray) -> np.ndarray:
    """Largest region ET per event (LSB)."""
    images = region_et(images)
    return np.asarray(images).reshape(len(images), -1).max(axis=1)


def missing_et(images: np.ndarray) -> np.ndarray:
    """Magnitude of the vector sum of region ET (LSB), each region at its phi centre."""
    images = region_et(images)
    per_phi = np.asarray(images, dtype=np.float64).sum(axis=2)  # (N, 18)
    x = per_phi @ np.cos(geo.REGION_PHI_CENTRES)
    y = per_phi @ np.sin(geo.REGION_PHI_CENTRES)
    return np.hypot(x, y)


def zero_bias_statistics(images: np.ndarray) -> dict[str, float]:
    """The statistics a zero-bias calibration is checked against."""
    images = region_et(images)
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


def second_hottest_region(images: np.ndarray) -> np.ndarray:
    """Second largest region ET per event (LSB)."""
    images = region_et(images)
    flat = np.asarray(images).reshape(len(images), -1)
    return np.partition(flat, -2, axis=1)[:, -2]


def jet_et_3x3(images: np.ndarray) -> np.ndarray:
    """Largest 3 x 3 region sum per event (LSB): a single-jet trigger's jet, as the calorimeter
    trigger's boosted-jet code builds it. Windows wrap in phi and stop at the eta edges."""
    images = region_et(images)
    images = np.asarray(images, dtype=np.int32)
    along_phi = images + np.roll(images, 1, axis=1) + np.roll(images, -1, axis=1)
    window = along_phi.copy()
    window[:, :, 1:] += along_phi[:, :, :-1]
    window[:, :, :-1] += along_phi[:, :, 1:]
    return window.reshape(len(images), -1).max(axis=1)


#: Regions at or above this ET (LSB, 15 GeV) enter the HT-like sum: above nearly all pileup regions.
HT_REGION_THRESHOLD_LSB = 30


def ht_like(images: np.ndarray, threshold_lsb: int = HT_REGION_THRESHOLD_LSB) -> np.ndarray:
    """Scalar sum (LSB) of the regions at or above ``threshold_lsb``: an HT-like sum."""
    images = region_et(images)
    flat = np.asarray(images, dtype=np.int64).reshape(len(images), -1)
    return np.where(flat >= threshold_lsb, flat, 0).sum(axis=1)


#: Observables whose tails a trigger cuts on, by name (LSB per event).
TAIL_OBSERVABLES = {
    "hottest_region": hottest_region,
    "second_hottest_region": second_hottest_region,
    "jet_et_3x3": jet_et_3x3,
    "ht_like": ht_like,
    "total_et": total_et,
}
#: Fractions of crossings above the quantiles compared (1e-4: about 2.9 kHz of zero-bias).
TAIL_FRACTIONS = (0.5, 0.1, 1e-2, 1e-3, 3.5e-4, 1e-4)


def tail_statistics(images: np.ndarray, weights: np.ndarray | None = None) -> dict:
    """Weighted tail statistics of crossings (``weights``: fraction of crossings each stands for;
    None: unweighted): per observable the level (GeV) above which each fraction of
    :data:`TAIL_FRACTIONS` lies; the fractions (with statistical uncertainty) above fixed hottest-region
    levels; the mean ET per eta ring (18 regions, GeV) and where in eta the hottest region lies
    in crossings with a hottest region above 30 GeV (fraction per ring)."""
    from .slices import weighted_fraction, weighted_quantile

    images = np.asarray(region_et(images))
    n = len(images)
    weights = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=np.float64)
    values = {name: f(images).astype(np.float64) for name, f in TAIL_OBSERVABLES.items()}
    quantiles = {
        name: {f"{q:g}": weighted_quantile(v, weights, q) * geo.ET_LSB_GEV for q in TAIL_FRACTIONS}
        for name, v in values.items()
    }
    hottest = values["hottest_region"] * geo.ET_LSB_GEV
    above = {}
    for level in (20, 30, 50, 80):
        fraction, error = weighted_fraction(hottest, weights, level)
        above[f"hottest_region_above_{level}_gev"] = {"fraction": fraction, "uncertainty": error}
    ring_weights = weights[:, None, None] * np.asarray(images, dtype=np.float64)
    profile = ring_weights.sum(axis=(0, 1)) / weights.sum() * geo.ET_LSB_GEV
    hot = hottest > 30
    ring = np.argmax(images.reshape(n, -1), axis=1) % geo.N_ETA
    hot_rings = np.bincount(ring[hot], weights=weights[hot], minlength=geo.N_ETA)
    return {
        "quantiles_gev": quantiles,
        "fractions_above": above,
        "eta_profile_gev": [round(float(v), 4) for v in profile],
        "hottest_ring_above_30_gev": [float(v) for v in hot_rings / max(hot_rings.sum(), 1e-300)],
        "events": n,
        "effective_events": float(weights.sum() ** 2 / np.sum(weights**2)),
    }


def fractions_at_levels(images: np.ndarray, weights: np.ndarray, levels_gev: dict) -> dict:
    """Weighted fraction of crossings (and its statistical uncertainty) above given levels:
    ``levels_gev[observable][key]`` (GeV) -> ``[fraction, uncertainty]`` under the same keys."""
    from .slices import weighted_fraction

    images = region_et(images)
    out = {}
    for name, levels in levels_gev.items():
        values = TAIL_OBSERVABLES[name](images).astype(np.float64) * geo.ET_LSB_GEV
        out[name] = {key: list(weighted_fraction(values, weights, level)) for key, level in levels.items()}
    return out
