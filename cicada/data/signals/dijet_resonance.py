"""A narrow resonance decaying to two back-to-back jets."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ..synthetic.ecal import EcalShare
from ..synthetic.jets import add_jets, two_body_pair
from . import SignalSample, synthetic_signal


class DijetResonance(SignalSample):
    """A narrow resonance decaying to two back-to-back jets."""

    kind: Literal["dijet_resonance"] = option("signal kind")
    mass_gev: Number = option("resonance mass (GeV)", 1000.0, ge=50.0, le=6000.0)
    width_fraction: Number = option("relative Breit-Wigner width of the mass", 0.05, ge=0.0, le=0.5)


@synthetic_signal("dijet_resonance", DijetResonance)
def add_dijet_resonance(
    towers: np.ndarray, sample: DijetResonance, rng: np.random.Generator, ecal: EcalShare | None = None
) -> None:
    n = towers.shape[0]
    width = sample.width_fraction * sample.mass_gev
    mass = (
        sample.mass_gev + width / 2 * np.tan(np.pi * (rng.random(n) - 0.5))
        if width > 0
        else np.full(n, sample.mass_gev)
    )
    mass = np.clip(mass, 0.5 * sample.mass_gev, 1.5 * sample.mass_gev)
    pt, eta, phi, _ = two_body_pair(rng, n, mass, 0.0, parent_pt_sigma=0.05 * sample.mass_gev)
    add_jets(towers, np.tile(np.arange(n), 2), pt.ravel(), eta.ravel(), phi.ravel(), rng, ecal=ecal)
