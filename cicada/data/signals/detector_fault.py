"""A detector problem on top of zero-bias: a hot tower, a hot region or a dead region."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ...core import geometry as geo
from . import SignalSample, synthetic_signal


class DetectorFault(SignalSample):
    """A detector problem on top of zero-bias: a hot tower, a hot region or a dead region."""

    kind: Literal["detector_fault"] = option("signal kind")
    fault: Literal["hot_tower", "hot_region", "dead_region"] = option("what is broken", "hot_tower")
    et_gev: Number = option("ET a hot tower reads (GeV); a hot region spreads it over its 16 towers", 100.0, ge=0.5)
    location: Literal["fixed", "random"] = option(
        "fixed: the same place in every event (chosen by the seed), as a real fault; random: anywhere", "fixed"
    )


def broken_tower(sample: DetectorFault, rng: np.random.Generator) -> dict:
    """One broken tower for the whole sample, drawn once (the chunks of events must agree)."""
    return {"fixed_location": (int(rng.integers(geo.N_TOWER_PHI)), int(rng.integers(geo.N_TOWER_ETA)))}


@synthetic_signal("detector_fault", DetectorFault, prepare=broken_tower)
def add_detector_fault(
    towers: np.ndarray, sample: DetectorFault, rng: np.random.Generator, fixed_location: tuple[int, int]
) -> None:
    n = towers.shape[0]
    if sample.location == "fixed":
        tphi = np.full(n, fixed_location[0])
        teta = np.full(n, fixed_location[1])
    else:
        tphi = rng.integers(0, geo.N_TOWER_PHI, n)
        teta = rng.integers(0, geo.N_TOWER_ETA, n)
    events = np.arange(n)
    if sample.fault == "hot_tower":
        towers[events, tphi, teta] = sample.et_gev
        return
    # region faults act on the 4 x 4 towers of the region holding the chosen tower
    size = geo.TOWERS_PER_REGION
    rphi, reta = (tphi // size) * size, (teta // size) * size
    for dphi in range(size):
        for deta in range(size):
            towers[events, rphi + dphi, reta + deta] = sample.et_gev / size**2 if sample.fault == "hot_region" else 0.0
