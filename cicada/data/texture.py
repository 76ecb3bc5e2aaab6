"""What an anomaly score sees of zero-bias images: their texture, beyond the hottest region and total ET.

An autoencoder's reconstruction error grows with whatever it cannot predict from the rest of the
image: how ET is shared between neighbouring regions, how many regions stand out, how the ET is
laid out in eta and around the hottest region. A synthetic zero-bias sample whose thresholds
must transfer to another sample has to match these, in the bulk above all (rates of 10-100 kHz
cut at 3.5e-4 to 3.5e-3 of the crossings). Every statistic here is weighted (``weights``: the
share of crossings each event stands for, as :mod:`cicada.data.slices` gives them; None: equal),
takes images of either layout (:mod:`cicada.data.region_bits`) and is in GeV of region ET.

* ``eta_profile``: the mean ET per eta ring (18 regions);
* ``phi_profile``: the mean ET of a region against its phi distance (0-9 regions) from the event's
  hottest region, in the hottest region's ring (where a dijet's partner, a spray's neighbours lie);
* ``neighbour_correlation``: the correlation of a region's ET with its phi and eta neighbour's, after
  each event's ring means are taken off (the texture; the event-wide activity is ``ring_correlation``,
  the correlation of two rings' ET sums);
* ``regions_above``: per level (5, 10, 20 GeV) the mean number of regions above it and the numbers
  exceeded by 1e-1, 1e-2 and 1e-3 of the crossings;
* ``roughness``: the sum over regions of the squared ET difference from the event's ring mean
  (GeV^2): a smoothness-blind autoencoder's error, at the same fractions of the crossings.
"""

from __future__ import annotations

import numpy as np

from ..core import geometry as geo
from .region_bits import region_et
from .slices import weighted_quantile

#: Levels (GeV) whose region counts are compared.
REGION_LEVELS_GEV = (5.0, 10.0, 20.0)
#: Fractions of the crossings at which counts and roughness are compared (1e-3: 28.6 kHz).
FRACTIONS = (1e-1, 1e-2, 1e-3)


def _weights(n: int, weights) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n)
    weights = np.asarray(weights, dtype=np.float64)
    return weights / weights.sum()


def _weighted_correlation(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Pearson correlation of ``a`` and ``b`` (same shape (N, ...)), each event weighted by ``w``."""
    ww = np.broadcast_to(w.reshape(-1, *[1] * (a.ndim - 1)), a.shape)
    total = ww.sum()
    ma, mb = (ww * a).sum() / total, (ww * b).sum() / total
    cov = (ww * (a - ma) * (b - mb)).sum() / total
    va, vb = (ww * (a - ma) ** 2).sum() / total, (ww * (b - mb) ** 2).sum() / total
    return float(cov / np.sqrt(va * vb)) if va > 0 and vb > 0 else 0.0


def phi_profile(et: np.ndarray, w: np.ndarray) -> list[float]:
    """Mean ET (GeV) at phi distance 0..9 from the hottest region, in its eta ring."""
    n = len(et)
    hottest = np.argmax(et.reshape(n, -1), axis=1)
    phi, eta = hottest // geo.N_ETA, hottest % geo.N_ETA
    ring = et[np.arange(n), :, eta]  # (N, 18): the hottest region's ring
    shifted = ring[np.arange(n)[:, None], (phi[:, None] + np.arange(geo.N_PHI)) % geo.N_PHI]
    folded = [shifted[:, 0]] + [(shifted[:, d] + shifted[:, -d]) / 2 for d in range(1, geo.N_PHI // 2)]
    folded.append(shifted[:, geo.N_PHI // 2])
    return [round(float(np.dot(w, column)), 4) for column in folded]


def texture_statistics(images: np.ndarray, weights=None) -> dict:
    """The statistics of the module docstring, as a plain dict."""
    et = np.asarray(region_et(images), dtype=np.float64) * geo.ET_LSB_GEV  # (N, 18, 14) GeV
    n = len(et)
    w = _weights(n, weights)
    ring_mean = et.mean(axis=1, keepdims=True)
    residual = et - ring_mean
    rings = et.sum(axis=1)  # (N, 14)
    counts = {level: (et > level).reshape(n, -1).sum(axis=1).astype(np.float64) for level in REGION_LEVELS_GEV}
    roughness = (residual**2).reshape(n, -1).sum(axis=1)
    return {
        "eta_profile": [round(float(v), 4) for v in np.tensordot(w, et, axes=1).mean(axis=0)],
        "phi_profile": phi_profile(et, w),
        "neighbour_correlation": {
            "phi": round(_weighted_correlation(residual, np.roll(residual, 1, axis=1), w), 4),
            "eta": round(_weighted_correlation(residual[:, :, :-1], residual[:, :, 1:], w), 4),
            "diagonal": round(_weighted_correlation(residual[:, :, :-1], np.roll(residual, 1, axis=1)[:, :, 1:], w), 4),
        },
        "ring_correlation": round(_weighted_correlation(rings[:, 3:7], rings[:, 7:11], w), 4),
        "regions_above": {
            f"{level:g}": {
                "mean": round(float(np.dot(w, counts[level])), 4),
                **{f"{f:g}": float(weighted_quantile(counts[level], w, f)) for f in FRACTIONS},
            }
            for level in REGION_LEVELS_GEV
        },
        "roughness": {f"{f:g}": round(float(weighted_quantile(roughness, w, f)), 1) for f in (0.5, *FRACTIONS)},
        "events": n,
    }


def texture_distance(candidate: dict, reference: dict) -> dict[str, float]:
    """Relative differences of a candidate's statistics from a reference's, by group: what a fit minimises
    (each group the root mean square of its terms)."""

    def rms(terms) -> float:
        terms = np.asarray(list(terms), dtype=np.float64)
        return float(np.sqrt(np.mean(terms**2))) if terms.size else 0.0

    groups = {
        "eta_profile": rms(c / r - 1 for c, r in zip(candidate["eta_profile"], reference["eta_profile"])),
        "phi_profile": rms(c / r - 1 for c, r in zip(candidate["phi_profile"], reference["phi_profile"])),
        "neighbour_correlation": rms(
            candidate["neighbour_correlation"][k] - reference["neighbour_correlation"][k]
            for k in reference["neighbour_correlation"]
        ),
        "ring_correlation": candidate["ring_correlation"] - reference["ring_correlation"],
        "regions_above": rms(
            np.log(max(candidate["regions_above"][level][k], 0.5) / max(reference["regions_above"][level][k], 0.5))
            for level in reference["regions_above"]
            for k in reference["regions_above"][level]
        ),
        "roughness": rms(np.log(candidate["roughness"][k] / reference["roughness"][k]) for k in reference["roughness"]),
    }
    return {name: round(float(value), 4) for name, value in groups.items()}
