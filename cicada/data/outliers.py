"""Generated outliers for outlier exposure: images unlike zero-bias, scored by the teacher.

Mixing them into the student's training teaches it the high end of the score range,
which zero-bias alone barely populates (CICADA trains with such an "exposure" sample).
"""

from __future__ import annotations

import numpy as np

from ..core.geometry import N_ETA, N_PHI, REGION_ET_MAX
from .region_bits import region_et


def uniform_images(n: int, rng: np.random.Generator) -> np.ndarray:
    """Regions uniform in [0, m] with m log-uniform in [1, 1023] per image."""
    top = np.exp(rng.uniform(0.0, np.log(REGION_ET_MAX), n))
    return np.floor(rng.random((n, N_PHI, N_ETA)) * (top[:, None, None] + 1)).astype(np.uint16)


def patch_swaps(images: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A patch (2-6 regions in phi, 2-5 in eta) of one zero-bias image pasted elsewhere in another."""
    out = images[rng.integers(0, len(images), n)].copy()
    donors = images[rng.integers(0, len(images), n)]
    for i in range(n):
        height, width = rng.integers(2, 7), rng.integers(2, 6)
        src = rng.integers(0, N_PHI - height + 1), rng.integers(0, N_ETA - width + 1)
        dst = rng.integers(0, N_PHI - height + 1), rng.integers(0, N_ETA - width + 1)
        out[i, dst[0] : dst[0] + height, dst[1] : dst[1] + width] = donors[
            i, src[0] : src[0] + height, src[1] : src[1] + width
        ]
    return out


def hot_spots(images: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Zero-bias images with 1-3 extra deposits of log-uniform 4-500 GeV, each spread over a
    region and a neighbour in phi: generic localised energy, not any particular signal."""
    out = images[rng.integers(0, len(images), n)].astype(np.int64)
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            iphi, ieta = rng.integers(0, N_PHI), rng.integers(0, N_ETA)
            energy = np.exp(rng.uniform(np.log(8), np.log(1000)))  # LSB
            share = rng.uniform(0.5, 1.0)
            out[i, iphi, ieta] += int(energy * share)
            out[i, (iphi + 1) % N_PHI, ieta] += int(energy * (1 - share))
    return np.minimum(out, REGION_ET_MAX).astype(np.uint16)


def make_outliers(zero_bias: np.ndarray, n: int, kinds: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """``n`` outlier images split evenly over ``kinds`` ("uniform", "patch_swap", "hot_spots"), ET only
    (``zero_bias`` of either layout)."""
    zero_bias = region_et(zero_bias)
    counts = np.diff(np.linspace(0, n, len(kinds) + 1).round()).astype(int)
    parts = []
    for kind, count in zip(kinds, counts):
        if kind == "uniform":
            parts.append(uniform_images(count, rng))
        elif kind == "patch_swap":
            parts.append(patch_swaps(zero_bias, count, rng))
        elif kind == "hot_spots":
            parts.append(hot_spots(zero_bias, count, rng))
        else:
            raise ValueError(f"unknown outlier kind {kind!r}")
    return np.concatenate(parts) if parts else np.empty((0, N_PHI, N_ETA), dtype=np.uint16)
