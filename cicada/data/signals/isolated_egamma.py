"""Isolated electrons or photons: narrow electromagnetic deposits."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ...config.model import Integer, Number, invalid, option
from ...core import geometry as geo
from ...core.detector import EM_RESPONSE
from . import SignalSample, synthetic_signal


class IsolatedEGamma(SignalSample):
    """Isolated electrons or photons: narrow electromagnetic deposits."""

    kind: Literal["isolated_egamma"] = option("signal kind")
    count: Integer = option("number of e/gamma objects per event", 1, ge=1, le=4)
    pt_min_gev: Number = option("lowest transverse momentum (GeV)", 20.0, ge=1.0)
    pt_max_gev: Number = option("highest transverse momentum (GeV)", 80.0, ge=1.0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.pt_max_gev < self.pt_min_gev:
            raise invalid(f"expected a value >= pt_min_gev ({self.pt_min_gev}), got {self.pt_max_gev}", "pt_max_gev")
        return self


@synthetic_signal("isolated_egamma", IsolatedEGamma)
def add_isolated_egamma(towers: np.ndarray, sample: IsolatedEGamma, rng: np.random.Generator) -> None:
    n = towers.shape[0] * sample.count
    event = np.repeat(np.arange(towers.shape[0]), sample.count)
    pt = rng.uniform(sample.pt_min_gev, sample.pt_max_gev, n)
    eta = rng.uniform(-2.5, 2.5, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    # an electromagnetic shower is narrow: nearly all of it in one tower
    geo.deposit(towers, event, pt * EM_RESPONSE, eta, phi)
