"""A detector problem on top of zero-bias: a hot tower, a hot region or a dead region."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ...core import geometry as geo
from ..synthetic.ecal import EcalShare
from . import SignalSample, synthetic_signal


class DetectorFault(SignalSample):
    """A detector problem on top of zero-bias: a hot tower, a hot region or a dead region."""

    kind: Literal["detector_fault"] = option("signal kind")
    fault: Literal["hot_tower", "hot_region", "dead_region"] = option("what is broken", "hot_tower")
    et_gev: Number = option("ET a hot tower reads (GeV); a hot region spreads it over its 16 towers", 100.0, ge=0.5)
    location: Literal["fixed", "random"] = option(
        "fixed: the same place in every event (chosen by the seed), as a real fault; random: anywhere", "fixed"
    )
    calorimeter: Literal["hcal", "ecal"] = option(
        "the calorimeter a hot tower or region reads in; matters only with data.region_bits (an ECAL hot tower, like "
        "an ECAL spike, looks e/gamma-like to Layer-1)",
        "hcal",
    )


def broken_tower(sample: DetectorFault, rng: np.random.Generator) -> dict:
    """One broken tower for the whole sample, drawn once (the chunks of events must agree)."""
    return {"fixed_location": (int(rng.integers(geo.N_TOWER_PHI)), int(rng.integers(geo.N_TOWER_ETA)))}


@synthetic_signal("detector_fault", DetectorFault, prepare=broken_tower)
def add_detector_fault(
    towers: np.ndarray,
    sample: DetectorFault,
    rng: np.random.Generator,
    fixed_location: tuple[int, int],
    ecal: EcalShare | None = None,
) -> None:
    n = towers.shape[0]
    if sample.location == "fixed":
        tphi = np.full(n, fixed_location[0])
        teta = np.full(n, fixed_location[1])
    else:
        tphi = rng.integers(0, geo.N_TOWER_PHI, n)
        teta = rng.integers(0, geo.N_TOWER_ETA, n)
    events = np.arange(n)
    # a broken tower reads its ET in one calorimeter and nothing in the other
    in_ecal = sample.calorimeter == "ecal" and sample.fault != "dead_region"
    if sample.fault == "hot_tower":
        towers[events, tphi, teta] = sample.et_gev
        if ecal is not None:
            ecal.towers[events, tphi, teta] = sample.et_gev if in_ecal else 0.0
        return
    # region faults act on the 4 x 4 towers of the region holding the chosen tower
    size = geo.TOWERS_PER_REGION
    rphi, reta = (tphi // size) * size, (teta // size) * size
    value = sample.et_gev / size**2 if sample.fault == "hot_region" else 0.0
    for dphi in range(size):
        for deta in range(size):
            towers[events, rphi + dphi, reta + deta] = value
            if ecal is not None:
                ecal.towers[events, rphi + dphi, reta + deta] = value if in_ecal else 0.0
