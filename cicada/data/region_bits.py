"""Region images with e/gamma and tau bits: the in-memory layout and its helpers (the one home).

An image is 18 x 14 regions (:mod:`cicada.core.geometry`). It comes in two layouts:

* **ET only**: a plain ``uint16`` array ``(N, 18, 14)`` of region ET in 0.5 GeV LSBs (0..1023),
  as every cicada build before region bits made;
* **with bits**: a numpy structured array ``(N, 18, 14)`` of :data:`REGION_DTYPE`, fields ``et``
  (``uint16``), ``egbit`` and ``taubit`` (``uint8``, 0 or 1): the layout and field names of the
  2025 CICADA zero-bias files (``CaloRegions`` compound), on disk and in memory alike.

What the bits mean: they are the Layer-1 region summary's bit 10 (``egbit``, the e/gamma veto)
and bit 11 (``taubit``, the tau veto), as the CICADA input ntuples store them: CMSSW's
``L1CaloRegion`` keeps the summary word raw, ``overFlow()`` reads bit 10 and ``tauVeto()`` bit 11
(``DataFormats/L1CaloTrigger/interface/L1CaloRegion.h``; ``RegionEGVeto = 0x400``,
``RegionTauVeto = 0x800`` in ``L1Trigger/L1TCaloLayer1/src/UCTRegion.hh``), and the NanoAOD table
the 2025 files come from writes ``egbit = overFlow()``, ``taubit = tauVeto()``
(``CICADAInputTableProducer``, branches ``Regions_egbit`` / ``Regions_taubit``). So a 1 means
the region is *vetoed*: not e/gamma-like (``egbit``) or not tau-like (``taubit``); CMSSW's
``UCTRegion::isEGammaLike()`` and ``isTauLike()`` are their complements. How the Layer-1 logic
sets them is :mod:`cicada.data.layer1`.

Layers above the data use these helpers, never the field names: :func:`region_et` (ET of either
layout, what every ET-only model and statistic reads), :func:`has_bits`, :func:`channels`
(float ``(N, 18, 14, 3)`` in :data:`CHANNELS` order) and :func:`packed_12bit` (the three-channel
student's integer input).
"""

from __future__ import annotations

import numpy as np

from ..core.geometry import REGION_SHAPE

ET_FIELD = "et"
EG_FIELD = "egbit"
TAU_FIELD = "taubit"
BIT_FIELDS = (EG_FIELD, TAU_FIELD)
#: One region with bits, as the 2025 CICADA files store ``CaloRegions`` (field order, names, dtypes).
REGION_DTYPE = np.dtype([(ET_FIELD, "<u2"), (EG_FIELD, "u1"), (TAU_FIELD, "u1")])

#: Channel order of :func:`channels`: the 2026 teacher's (its ``trainTeacher`` concatenates ET, tau
#: bits, e/gamma bits; ``makeTargets`` of the three-channel student does the same), which is also
#: the order of the bits in :func:`packed_12bit` from the top. (Their ``evaluateModel.py`` stacks
#: ET, e/gamma, tau for a classic three-channel student: check a model's order before feeding it.)
CHANNELS = (ET_FIELD, TAU_FIELD, EG_FIELD)

#: :func:`packed_12bit`: ``et << ET_SHIFT | taubit << TAU_SHIFT | egbit`` (the 2026
#: ``cicadaStudent_vae_3channel.createStudentModelInputs``): 10 bits of ET over the two bits.
ET_SHIFT = 2
TAU_SHIFT = 1
PACKED_BITS = 12


def has_bits(images: np.ndarray) -> bool:
    """Whether ``images`` carry e/gamma and tau bits (a structured array with the bit fields)."""
    names = np.asarray(images).dtype.names or ()
    return all(field in names for field in (ET_FIELD, *BIT_FIELDS))


def region_et(images: np.ndarray) -> np.ndarray:
    """Region ET ``(N, 18, 14)`` of images of either layout: the ``et`` field of images with bits
    (a view, no copy), ET-only images themselves."""
    images = np.asarray(images)
    return images[ET_FIELD] if images.dtype.names else images


def with_bits(et: np.ndarray, egbit: np.ndarray, taubit: np.ndarray) -> np.ndarray:
    """Images with bits from their three parts (each ``(N, 18, 14)``; bits 0/1)."""
    et = np.asarray(et)
    images = np.empty(et.shape, dtype=REGION_DTYPE)
    images[ET_FIELD] = et
    images[EG_FIELD] = egbit
    images[TAU_FIELD] = taubit
    return images


def empty_images(n: int, bits: bool) -> np.ndarray:
    """``n`` zero images of the layout ``bits`` asks for, to be filled."""
    return np.zeros((n, *REGION_SHAPE), dtype=REGION_DTYPE if bits else np.uint16)


def _require_bits(images: np.ndarray, what: str) -> np.ndarray:
    images = np.asarray(images)
    if not has_bits(images):
        raise ValueError(f"{what} needs images with e/gamma and tau bits (data.region_bits: true), got {images.dtype}")
    return images


def channels(images: np.ndarray) -> np.ndarray:
    """Float32 ``(N, 18, 14, 3)``: region ET (LSB), tau bit, e/gamma bit (:data:`CHANNELS`)."""
    images = _require_bits(images, "channels()")
    return np.stack([images[name].astype(np.float32) for name in CHANNELS], axis=-1)


def packed_12bit(images: np.ndarray) -> np.ndarray:
    """One 12-bit integer per region, ``et << 2 | taubit << 1 | egbit`` (uint16 ``(N, 18, 14)``):
    the three-channel student's input."""
    images = _require_bits(images, "packed_12bit()")
    et = images[ET_FIELD].astype(np.uint16)
    return (et << ET_SHIFT) | (images[TAU_FIELD].astype(np.uint16) << TAU_SHIFT) | images[EG_FIELD].astype(np.uint16)


def unpack_12bit(packed: np.ndarray) -> np.ndarray:
    """The inverse of :func:`packed_12bit`: images with bits from 12-bit integers."""
    packed = np.asarray(packed).astype(np.uint16)
    return with_bits(packed >> ET_SHIFT, packed & 1, (packed >> TAU_SHIFT) & 1)


def bit_occupancy(images: np.ndarray) -> dict[str, float]:
    """Fraction of regions with each bit set: ``{"egbit": ..., "taubit": ...}``."""
    images = _require_bits(images, "bit_occupancy()")
    return {name: float(np.mean(images[name])) if images.size else 0.0 for name in BIT_FIELDS}
