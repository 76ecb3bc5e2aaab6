"""Ntuple regions (one entry per region, with its ``iphi`` and ``ieta``) scattered into images.

Where each region goes, and why that is cicada's grid (:mod:`cicada.core.geometry`: ``image[iphi,
ieta]``, phi region 0 centred on phi = 0 with CMS towers 71, 72, 1, 2; eta region 0 the most
negative, -3.0 to -2.172):

* ``iphi`` is ``L1CaloRegion::gctPhi()``, 0..17, in both producers of CICADA inputs
  (``CICADAInputTableProducer``, and the older ``CICADAInputNtuplizer`` that indexes
  ``[gctPhi][gctEta - 4]``). The Layer-1 unpacker gives the regions of CTP7 card ``n`` the phi
  index ``n`` and that card the CMS towers ``4n - 1 .. 4n + 2`` (wrapped into 1..72: card 0 holds
  71, 72, 1, 2); the emulator (``L1TCaloLayer1``, ``UCTGeometry::getUCTRegionPhiIndex``) numbers
  them the same way. So ``iphi`` is cicada's phi index as it is.
* ``ieta`` is ``L1CaloRegion::gctEta() - 4`` in ``CICADAInputTableProducer`` ("zero indexes it to
  CICADA's way of thinking about the regions"): ``gctEta`` runs 0..21 with 0-3 the negative HF,
  4-10 the negative barrel and endcap (``10 - r`` for Layer-1 region ``r``, 0 the innermost),
  11-17 the positive ones (``11 + r``) and 18-21 the positive HF. So ``gctEta - 4`` is 0 at the
  most negative eta and 13 at the most positive: cicada's eta index. Files that store
  ``gctEta`` itself set ``ieta_numbering: gct``.

The CICADA 2026 production scatters the same way (``grid[event, iphi, ieta] = value``). Unlike it,
cicada checks every event: 252 regions, each index in range, no region given twice (which, with
252 entries, means every region once).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.errors import DataError
from ...core.geometry import N_ETA, N_PHI, N_REGIONS, REGION_ET_MAX
from ..region_bits import EG_FIELD, ET_FIELD, REGION_DTYPE, TAU_FIELD, with_bits
from .values import first_bad, show_value

#: ``L1CaloRegion::gctEta()`` of the most negative barrel/endcap region (0-3 are the negative HF).
GCT_ETA_FIRST = 4
#: ``ieta_numbering`` -> the ieta value of cicada's eta region 0.
IETA_OFFSETS = {"zero_based": 0, "gct": GCT_ETA_FIRST}
#: image field -> largest value of the branch that fills it
FIELD_MAX = {ET_FIELD: REGION_ET_MAX, EG_FIELD: 1, TAU_FIELD: 1}


def scatter(
    values: dict[str, np.ndarray],
    iphi: np.ndarray,
    ieta: np.ndarray,
    counts: np.ndarray,
    entries: np.ndarray,
    branches: dict[str, str],
    ieta_numbering: str,
    path: Path,
) -> np.ndarray:
    """Images (n, 18, 14) with bits from flat per-region arrays of n events.

    ``values`` maps the image fields (et, egbit, taubit) to their flat arrays, ``counts`` holds
    each event's number of regions (checked the same in every branch before), ``entries`` each
    event's entry in the tree and ``branches`` the branch name of each field and of iphi and
    ieta, for errors.
    """
    n = len(counts)
    wrong = np.flatnonzero(counts != N_REGIONS)
    if wrong.size:
        event = wrong[0]
        raise DataError(
            f"{path}: entry {entries[event]:,}: '{branches[ET_FIELD]}' holds {counts[event]} regions, expected "
            f"{N_REGIONS} (18 x 14, each once)"
        )
    offset = IETA_OFFSETS[ieta_numbering]
    row = _index(iphi, 0, N_PHI, "iphi", entries, branches, path, "L1CaloRegion::gctPhi()")
    column = _index(ieta, offset, N_ETA, "ieta", entries, branches, path, f"ieta_numbering {ieta_numbering}")
    # each entry's place among all n * 252 regions (int64 only where int32 could overflow)
    index_type = np.int32 if n * N_REGIONS < 2**31 else np.int64
    cell = (row * N_ETA + column).reshape(n, N_REGIONS) + np.arange(0, n * N_REGIONS, N_REGIONS, dtype=index_type)[
        :, None
    ]
    cell = cell.reshape(-1)
    filled = np.zeros(n * N_REGIONS, dtype=bool)
    filled[cell] = True
    if not filled.all():  # 252 entries an event, one region empty: another one was given twice
        event = int(np.flatnonzero(~filled)[0]) // N_REGIONS
        places = cell[event * N_REGIONS : (event + 1) * N_REGIONS] - event * N_REGIONS
        given = np.bincount(places, minlength=N_REGIONS)
        place = int(np.flatnonzero(given > 1)[0])
        phi, eta = divmod(place, N_ETA)
        raise DataError(
            f"{path}: entry {entries[event]:,}: region (iphi {phi}, ieta {eta + offset}) appears {given[place]} "
            f"times in '{branches['iphi']}'/'{branches['ieta']}', expected each of the {N_REGIONS} regions once"
        )
    fields = {}
    for field, flat in values.items():
        bad = first_bad(flat, 0, FIELD_MAX[field])
        if bad is not None:
            expected = f"region ET 0..{REGION_ET_MAX} (whole LSBs)" if field == ET_FIELD else "bits 0 or 1"
            raise DataError(
                f"{path}: entry {entries[bad // N_REGIONS]:,}: '{branches[field]}' holds {show_value(flat[bad])}, "
                f"expected {expected}"
            )
        # scattered into a plain array first: scattered writes into the structured one are slower
        grid = np.empty(n * N_REGIONS, dtype=REGION_DTYPE[field])
        grid[cell] = flat
        fields[field] = grid.reshape(n, N_PHI, N_ETA)
    return with_bits(fields[ET_FIELD], fields[EG_FIELD], fields[TAU_FIELD])


def _index(
    flat: np.ndarray,
    offset: int,
    size: int,
    name: str,
    entries: np.ndarray,
    branches: dict[str, str],
    path: Path,
    numbering: str,
) -> np.ndarray:
    """A region index branch as 0-based grid indices, every value checked to lie on the grid."""
    bad = first_bad(flat, offset, offset + size - 1)
    if bad is not None:
        raise DataError(
            f"{path}: entry {entries[bad // N_REGIONS]:,}: '{branches[name]}' holds {show_value(flat[bad])}, expected "
            f"{offset}..{offset + size - 1} ({numbering})"
        )
    return flat.astype(np.int32) - np.int32(offset)
