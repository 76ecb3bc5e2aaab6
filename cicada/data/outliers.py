"""Generated outliers for outlier exposure: images unlike zero-bias, scored by the teacher.

Mixing them into the student's training teaches it the high end of the score range,
which zero-bias alone barely populates (CICADA trains with such an "exposure" sample).

Outliers come in the layout of the zero-bias images they are made from. With region bits, the
ET is drawn exactly as without them (the same draws from the stream, so the ET-only outliers
of a build are unchanged), and the bits come from a side stream
(:func:`cicada.core.seeds.side_stream`): a moved patch carries its bits along, a uniform
image and a hot spot's regions get random bits (generic deposits of no particular kind:
e/gamma-like, tau-like, both or neither), an empty region none.
"""

from __future__ import annotations

import numpy as np

from ..core.geometry import N_ETA, N_PHI, REGION_ET_MAX
from ..core.seeds import side_stream
from .region_bits import BIT_FIELDS, ET_FIELD, empty_images, has_bits, region_et


def _random_bits(images: np.ndarray, where: np.ndarray, side: np.random.Generator) -> np.ndarray:
    """``images`` (with bits) with each bit drawn 0 or 1 at ``where`` (a mask), and cleared where ET is 0."""
    for field in BIT_FIELDS:
        drawn = side.integers(0, 2, size=images.shape, dtype=np.uint8)
        images[field] = np.where(where, drawn, images[field])
        images[field][images[ET_FIELD] == 0] = 0
    return images


def uniform_images(n: int, rng: np.random.Generator, side: np.random.Generator | None = None) -> np.ndarray:
    """Regions uniform in [0, m] with m log-uniform in [1, 1023] per image; with ``side`` (the
    bits' stream) images with random bits."""
    top = np.exp(rng.uniform(0.0, np.log(REGION_ET_MAX), n))
    et = np.floor(rng.random((n, N_PHI, N_ETA)) * (top[:, None, None] + 1)).astype(np.uint16)
    if side is None:
        return et
    images = empty_images(n, bits=True)
    images[ET_FIELD] = et
    return _random_bits(images, np.ones(et.shape, dtype=bool), side)


def patch_swaps(images: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A patch (2-6 regions in phi, 2-5 in eta) of one zero-bias image pasted elsewhere in another
    (images of either layout: bits move with their regions)."""
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


def hot_spots(
    images: np.ndarray, n: int, rng: np.random.Generator, side: np.random.Generator | None = None
) -> np.ndarray:
    """Zero-bias images with 1-3 extra deposits of log-uniform 4-500 GeV, each spread over a
    region and a neighbour in phi: generic localised energy, not any particular signal. Images
    with bits (``side``: the bits' stream) get random bits in the regions a deposit reaches."""
    picked = images[rng.integers(0, len(images), n)]
    out = region_et(picked).astype(np.int64)
    reached = np.zeros(out.shape, dtype=bool)
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            iphi, ieta = rng.integers(0, N_PHI), rng.integers(0, N_ETA)
            energy = np.exp(rng.uniform(np.log(8), np.log(1000)))  # LSB
            share = rng.uniform(0.5, 1.0)
            out[i, iphi, ieta] += int(energy * share)
            out[i, (iphi + 1) % N_PHI, ieta] += int(energy * (1 - share))
            reached[i, iphi, ieta] = True
            reached[i, (iphi + 1) % N_PHI, ieta] |= int(energy * (1 - share)) > 0
    et = np.minimum(out, REGION_ET_MAX).astype(np.uint16)
    if not has_bits(images):
        return et
    if side is None:
        raise ValueError("hot_spots() on images with bits needs the bits' stream (side)")
    result = picked.copy()
    result[ET_FIELD] = et
    return _random_bits(result, reached, side)


def make_outliers(zero_bias: np.ndarray, n: int, kinds: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """``n`` outlier images split evenly over ``kinds`` ("uniform", "patch_swap", "hot_spots"), in the
    layout of ``zero_bias`` (ET only, or with bits)."""
    bits = has_bits(zero_bias)
    side = side_stream(rng, "outliers/region_bits") if bits else None
    counts = np.diff(np.linspace(0, n, len(kinds) + 1).round()).astype(int)
    parts = []
    for kind, count in zip(kinds, counts):
        if kind == "uniform":
            parts.append(uniform_images(count, rng, side))
        elif kind == "patch_swap":
            parts.append(patch_swaps(zero_bias, count, rng))
        elif kind == "hot_spots":
            parts.append(hot_spots(zero_bias, count, rng, side))
        else:
            raise ValueError(f"unknown outlier kind {kind!r}")
    return np.concatenate(parts) if parts else empty_images(0, bits)
