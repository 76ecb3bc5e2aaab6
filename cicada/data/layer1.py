"""The Layer-1 region logic that sets a region's e/gamma and tau veto bits from its 4 x 4 towers.

The rule, as the CMS Layer-1 calorimeter trigger applies it to each barrel/endcap region (CMSSW
``L1Trigger/L1TCaloLayer1/src/UCTRegion.cc``, ``UCTRegion::process`` and ``vetoBit``; towers from
``UCTTower.cc``; read, not copied), all in 0.5 GeV LSBs:

1. tower ET is ECAL + HCAL ET (each at most 255, the sum at most 511); region ET is the sum of
   its 16 towers, and region ECAL ET the sum of their ECAL parts, each saturating at 1023;
2. a tower is *active* when its ET exceeds ``floor(region ET / 8)`` (activity fraction 0.125);
   active-tower ET is the sum over active towers (at most 1023);
3. the eta pattern has one bit per eta strip of 4 towers holding an active tower, the phi
   pattern one per phi strip. The pattern veto is set when the eta pattern has a gap or more
   than two strips (anything but empty, one strip or two adjacent strips), or the phi pattern
   has a gap (a run of adjacent strips of any length passes: bremsstrahlung spreads e/gamma
   showers in phi);
4. e/gamma veto = pattern veto, or region ET - region ECAL ET > ``floor(region ET / 4)``
   (more than a quarter of the region's ET outside the ECAL);
   tau veto = pattern veto, or region ET - active-tower ET > ``floor(region ET / 4)`` (more than a
   quarter of the region's ET in towers that are not active).

An empty region has neither veto; an isolated electron or photon (one or two adjacent towers,
ECAL-dominated) has neither; a narrow hadronic tau (one or two adjacent towers, HCAL-dominated)
has the e/gamma veto only; a broad jet or diffuse pileup (active towers in three or more eta
strips, or scattered) has both. Which bit the files hold, and its polarity, is
:mod:`cicada.data.region_bits` (they hold the vetoes: 1 = vetoed).

The region's hottest-tower location (``rloc``, 2 + 2 bits of the summary word) is not computed:
CICADA's inputs do not carry it. The veto patterns are symmetric under reversing the strip
order, so the orientation of towers inside a region (the hardware counts eta outwards on both
sides) does not matter here.
"""

from __future__ import annotations

import numpy as np

from ..core import geometry as geo
from .region_bits import with_bits

#: A tower is active above this fraction of its region's ET (``activityFraction``).
ACTIVITY_SHIFT = 3  # floor(ET * 0.125) == ET >> 3 for integer ET
#: At most this fraction of region ET may lie outside the ECAL (e/gamma) or outside the active
#: towers (tau): ``ecalActivityFraction`` and ``miscActivityFraction``, both 0.25.
MISC_SHIFT = 2
#: Strip patterns (bit i: strip i holds an active tower) that set the pattern veto.
BAD_ETA_PATTERNS = (0b0101, 0b0111, 0b1001, 0b1010, 0b1011, 0b1101, 0b1110, 0b1111)
BAD_PHI_PATTERNS = (0b0101, 0b1001, 0b1010, 0b1011, 0b1101)

_BAD_ETA = np.isin(np.arange(16), BAD_ETA_PATTERNS)
_BAD_PHI = np.isin(np.arange(16), BAD_PHI_PATTERNS)


def ecal_counts(ecal_gev: np.ndarray, tower_counts: np.ndarray) -> np.ndarray:
    """Tower ECAL ET in LSBs: floor to 0.5 GeV, saturate at 255, and never above the tower's own
    digitised ET (the model digitises the tower's sum, not ECAL and HCAL apart, so that a
    build's region ET does not depend on whether it tracks bits)."""
    counts = np.divide(ecal_gev, geo.ET_LSB_GEV)
    np.clip(counts, 0, geo.TOWER_ECAL_ET_MAX, out=counts)
    return np.minimum(counts.astype(np.uint16), tower_counts)


def _pattern(strips: np.ndarray) -> np.ndarray:
    """4-bit patterns from (..., 4) strip flags along the last axis: bit i for strip i."""
    return strips[..., 0] | (strips[..., 1] << 1) | (strips[..., 2] << 2) | (strips[..., 3] << 3)


def region_vetoes(tower_counts: np.ndarray, tower_ecal_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Region ET, e/gamma veto and tau veto ``(N, 18, 14)`` from digitised tower ET and its ECAL
    part (both ``(N, 72, 56)`` uint16 LSBs, ECAL <= tower), by the rule of this module."""
    tower_counts = np.ascontiguousarray(tower_counts, dtype=np.uint16)
    n, size = tower_counts.shape[0], geo.TOWERS_PER_REGION
    # sums of 4 x 4 blocks saturating at 1023, as geometry sums towers into regions
    region_et = geo.towers_to_regions(tower_counts)
    region_ecal = geo.towers_to_regions(tower_ecal_counts)
    blocks = tower_counts.reshape(n, geo.N_PHI, size, geo.N_ETA, size)
    active = blocks > (region_et >> ACTIVITY_SHIFT)[:, :, None, :, None]
    active_et = geo.towers_to_regions((blocks * active).reshape(tower_counts.shape))
    strips = active.view(np.uint8)
    eta_strips = strips[:, :, 0] | strips[:, :, 1] | strips[:, :, 2] | strips[:, :, 3]  # (N, 18, 14, 4 eta)
    phi_strips = strips[..., 0] | strips[..., 1] | strips[..., 2] | strips[..., 3]  # (N, 18, 4 phi, 14)
    pattern_veto = _BAD_ETA[_pattern(eta_strips)] | _BAD_PHI[_pattern(np.moveaxis(phi_strips, 2, 3))]
    total = region_et.astype(np.int32)
    allowed = total >> MISC_SHIFT
    eg_veto = pattern_veto | (total - region_ecal > allowed)
    tau_veto = pattern_veto | (total - active_et > allowed)
    return region_et, eg_veto, tau_veto


def regions_from_towers(tower_et_gev: np.ndarray, tower_ecal_gev: np.ndarray | None = None) -> np.ndarray:
    """Region images from measured tower ET (GeV, ``(N, 72, 56)``), as the hardware digitises them.

    Without ``tower_ecal_gev``: ET-only images (uint16), exactly :func:`geometry.towers_to_regions`
    of :func:`geometry.digitise_towers`. With it (the ECAL part of each tower's ET): images with
    bits (:mod:`cicada.data.region_bits`), the same region ET and the vetoes of :func:`region_vetoes`.
    """
    counts = geo.digitise_towers(tower_et_gev)
    if tower_ecal_gev is None:
        return geo.towers_to_regions(counts)
    et, eg_veto, tau_veto = region_vetoes(counts, ecal_counts(tower_ecal_gev, counts))
    return with_bits(et, eg_veto, tau_veto)
