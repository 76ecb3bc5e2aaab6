"""CMS Level-1 calorimeter geometry as seen by CICADA: the only home of these facts.

An event is an image of 18 regions in phi x 14 regions in eta (|eta| < 3, HF excluded).
Each region is 4 x 4 trigger towers; there are 72 towers in phi and 28 per side in eta.

Conventions (indices are 0-based here):

* ``image[iphi, ieta]``: ``ieta`` runs from the most negative eta (0) to the most positive
  (13); ``iphi`` runs with phi, and region 0 is centred on phi = 0, i.e. it holds the CMS
  towers iphi 71, 72, 1, 2. Tower phi index ``t`` (0..71) covers
  [-10 deg + 5 deg * t, -5 deg + 5 deg * t), so region ``t // 4`` holds it.
* Transverse energy is counted in LSBs of 0.5 GeV, truncated (floor), towers saturate at
  511 (9 bits) and regions at 1023 (10 bits). Towers are summed to regions before the
  region saturation is applied.
"""

from __future__ import annotations

import numpy as np

N_PHI = 18
N_ETA = 14
REGION_SHAPE = (N_PHI, N_ETA)
N_REGIONS = N_PHI * N_ETA

TOWERS_PER_REGION = 4
N_TOWER_PHI = N_PHI * TOWERS_PER_REGION  # 72
N_TOWER_ETA = N_ETA * TOWERS_PER_REGION  # 56
TOWER_SHAPE = (N_TOWER_PHI, N_TOWER_ETA)

ET_LSB_GEV = 0.5
TOWER_ET_MAX = 511
#: A tower's ECAL and HCAL parts enter Layer-1 as 8-bit ET each (saturating at 255); the tower is
#: their sum (CMSSW L1Trigger/L1TCaloLayer1/src/UCTTower.cc). Only region bits need the ECAL part.
TOWER_ECAL_ET_MAX = 255
REGION_ET_MAX = 1023
REGION_ET_BITS = 10

# Tower boundaries in |eta| (CMS ieta 1..28): 0.087 wide up to ieta 20, then wider.
_POSITIVE_TOWER_EDGES = np.concatenate(
    [0.087 * np.arange(21), [1.830, 1.930, 2.043, 2.172, 2.322, 2.500, 2.650, 3.000]]
)
_POSITIVE_TOWER_EDGES[20] = 1.740  # 0.087 * 20, written out to avoid 1.7399999999999998
#: Tower eta edges from -3.0 to +3.0 (57 values, 56 towers).
TOWER_ETA_EDGES = np.concatenate([-_POSITIVE_TOWER_EDGES[:0:-1], _POSITIVE_TOWER_EDGES])
#: Region eta edges from -3.0 to +3.0 (15 values, 14 regions), every fourth tower edge.
REGION_ETA_EDGES = TOWER_ETA_EDGES[::TOWERS_PER_REGION]
REGION_ETA_CENTRES = 0.5 * (REGION_ETA_EDGES[1:] + REGION_ETA_EDGES[:-1])
REGION_ETA_WIDTHS = np.diff(REGION_ETA_EDGES)
TOWER_ETA_CENTRES = 0.5 * (TOWER_ETA_EDGES[1:] + TOWER_ETA_EDGES[:-1])
TOWER_ETA_WIDTHS = np.diff(TOWER_ETA_EDGES)
ETA_MAX = float(TOWER_ETA_EDGES[-1])

# Calorimeter volume (CMS, JINST 3 (2008) S08004): ECAL barrel front face at r = 1.29 m and
# endcap front face at |z| = 3.15 m; HCAL barrel outer radius 2.95 m and endcap back face at
# |z| = 5.5 m. A long-lived particle decaying beyond the outer envelope leaves nothing.
CALO_INNER_RADIUS_M = 1.29
CALO_INNER_HALF_LENGTH_M = 3.15
CALO_OUTER_RADIUS_M = 2.95
CALO_OUTER_HALF_LENGTH_M = 5.5

REGION_PHI_WIDTH = 2 * np.pi / N_PHI
TOWER_PHI_WIDTH = 2 * np.pi / N_TOWER_PHI
#: Region phi centres in radians, region 0 at phi = 0, in (-pi, pi].
REGION_PHI_CENTRES = np.angle(np.exp(1j * REGION_PHI_WIDTH * np.arange(N_PHI)))
TOWER_PHI_CENTRES = np.angle(np.exp(1j * (TOWER_PHI_WIDTH * (np.arange(N_TOWER_PHI) + 0.5) - REGION_PHI_WIDTH / 2)))


def inside_calorimeter(radius_m, z_m):
    """True where a point (transverse radius, z) lies within the calorimeter's outer envelope."""
    return (np.asarray(radius_m) < CALO_OUTER_RADIUS_M) & (np.abs(np.asarray(z_m)) < CALO_OUTER_HALF_LENGTH_M)


# Eta -> tower by table: cells of 0.01 (narrower than any tower) know the tower at their lower
# end; one comparison either way with the true edges then makes the index exact. Several
# times faster than a binary search over the edges, which matters for the synthetic generator.
_ETA_CELL = 0.01
_ETA_CELLS = int(round(2 * 3.0 / _ETA_CELL))
_CELL_TOWER = np.searchsorted(TOWER_ETA_EDGES, -3.0 + _ETA_CELL * np.arange(_ETA_CELLS), side="right") - 1
_PADDED_EDGES = np.concatenate([TOWER_ETA_EDGES, [np.inf]])


def tower_index(eta, phi):
    """Tower indices ``(iphi, ieta)`` of points; ``ieta`` is -1 where |eta| >= 3 (outside)."""
    eta = np.asarray(eta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    # fmax/fmin (not clip) send NaN to cell 0; it is marked outside below
    cell = np.fmin(np.fmax((eta + ETA_MAX) * (1.0 / _ETA_CELL), 0.0), _ETA_CELLS - 1).astype(np.int64)
    ieta = _CELL_TOWER[cell]
    ieta -= eta < _PADDED_EDGES[ieta]
    ieta += eta >= _PADDED_EDGES[ieta + 1]
    ieta = np.where((eta < -ETA_MAX) | (eta >= ETA_MAX) | np.isnan(eta), -1, ieta)
    iphi = np.floor((phi + REGION_PHI_WIDTH / 2) / TOWER_PHI_WIDTH).astype(np.int64) % N_TOWER_PHI
    return iphi, ieta


def region_index(eta, phi):
    """Region indices ``(iphi, ieta)`` of points; ``ieta`` is -1 where |eta| >= 3 (outside)."""
    tphi, teta = tower_index(eta, phi)
    return tphi // TOWERS_PER_REGION, np.where(teta < 0, -1, teta // TOWERS_PER_REGION)


def deposit(tower_et_gev: np.ndarray, event, et_gev, eta, phi) -> None:
    """Add particle ET (GeV) into float tower maps ``tower_et_gev[event, iphi, ieta]`` in place.

    Deposits outside |eta| < 3 are dropped (that is the forward calorimeter, not imaged).
    """
    event = np.asarray(event, dtype=np.int64)
    tphi, teta = tower_index(eta, phi)
    inside = teta >= 0
    flat = (event[inside] * N_TOWER_PHI + tphi[inside]) * N_TOWER_ETA + teta[inside]
    weights = np.asarray(et_gev, dtype=np.float64)[inside]
    view = tower_et_gev.reshape(-1)
    view += np.bincount(flat, weights=weights, minlength=view.size).astype(view.dtype)


def digitise_towers(tower_et_gev: np.ndarray) -> np.ndarray:
    """Tower ET in GeV -> tower counts: floor to 0.5 GeV LSBs, saturate at 511."""
    # dividing by the LSB (a power of two) is exact; after clipping to [0, 511] the cast to
    # an unsigned integer truncates, which is the floor: three passes instead of five
    counts = np.divide(tower_et_gev, ET_LSB_GEV)
    np.clip(counts, 0, TOWER_ET_MAX, out=counts)
    return counts.astype(np.uint16)


def towers_to_regions(tower_counts: np.ndarray) -> np.ndarray:
    """Sum 4 x 4 tower blocks (N, 72, 56) into region images (N, 18, 14), saturating at 1023."""
    n = tower_counts.shape[0]
    # explicit adds of strided views beat a 5-d sum by ~10x; 16 x 511 < 65536 stays exact in uint16
    towers = np.asarray(tower_counts, dtype=np.uint16)
    along_eta = towers.reshape(n, N_TOWER_PHI, N_ETA, TOWERS_PER_REGION)
    eta_sums = along_eta[..., 0] + along_eta[..., 1] + along_eta[..., 2] + along_eta[..., 3]
    along_phi = eta_sums.reshape(n, N_PHI, TOWERS_PER_REGION, N_ETA)
    sums = along_phi[:, :, 0] + along_phi[:, :, 1] + along_phi[:, :, 2] + along_phi[:, :, 3]
    return np.minimum(sums, REGION_ET_MAX).astype(np.uint16)


def particles_to_regions(n_events: int, event, et_gev, eta, phi) -> np.ndarray:
    """Region images from particle lists: towers first, then 4x4 sums, then saturation."""
    towers = np.zeros((n_events, *TOWER_SHAPE), dtype=np.float32)
    deposit(towers, event, et_gev, eta, phi)
    return towers_to_regions(digitise_towers(towers))
