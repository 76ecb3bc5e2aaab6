"""One hard jet recoiling against invisible particles: large missing transverse energy."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ...config.model import Number, invalid, option
from ..synthetic.ecal import EcalShare
from ..synthetic.jets import add_jets
from . import SignalSample, synthetic_signal


class Monojet(SignalSample):
    """One hard jet recoiling against invisible particles: large missing transverse energy."""

    kind: Literal["monojet"] = option("signal kind")
    pt_min_gev: Number = option("lowest jet transverse momentum (GeV)", 150.0, ge=10.0)
    pt_max_gev: Number = option("highest jet transverse momentum (GeV)", 500.0, ge=10.0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.pt_max_gev < self.pt_min_gev:
            raise invalid(f"expected a value >= pt_min_gev ({self.pt_min_gev}), got {self.pt_max_gev}", "pt_max_gev")
        return self


@synthetic_signal("monojet", Monojet)
def add_monojet(towers: np.ndarray, sample: Monojet, rng: np.random.Generator, ecal: EcalShare | None = None) -> None:
    n = towers.shape[0]
    pt = rng.uniform(sample.pt_min_gev, sample.pt_max_gev, n)
    # the recoiling system (e.g. a Z -> nu nu or dark matter) leaves nothing
    add_jets(towers, np.arange(n), pt, rng.normal(0.0, 1.0, n), rng.uniform(-np.pi, np.pi, n), rng, ecal=ecal)
