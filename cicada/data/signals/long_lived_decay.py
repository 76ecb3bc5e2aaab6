"""A pair of neutral long-lived particles (H -> SS, S -> b bbar) decaying after a flight."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ...config.model import Number, invalid, option
from ...core import geometry as geo
from ..synthetic.ecal import EcalShare
from ..synthetic.jets import add_jets, two_body_pair
from . import SignalSample, synthetic_signal


class LongLivedDecay(SignalSample):
    """A pair of neutral long-lived particles (H -> SS, S -> b bbar) decaying after a flight.

    Only decays inside the calorimeter envelope deposit energy; an S that decays beyond it is
    invisible to the trigger.
    """

    kind: Literal["long_lived_decay"] = option("signal kind")
    mass_gev: Number = option("long-lived particle mass (GeV)", 40.0, ge=1.0, le=60.0)
    ctau_m: Number = option("proper decay length c*tau (m)", 1.0, gt=0.0)
    parent_mass_gev: Number = option("mass of the parent decaying to the pair (GeV)", 125.0, ge=10.0)

    @model_validator(mode="after")
    def _heavy_enough(self):
        if self.parent_mass_gev < 2 * self.mass_gev:
            raise invalid(
                f"expected a value >= 2 * mass_gev ({2 * self.mass_gev}), got {self.parent_mass_gev}", "parent_mass_gev"
            )
        return self


@synthetic_signal("long_lived_decay", LongLivedDecay)
def add_long_lived_decay(
    towers: np.ndarray, sample: LongLivedDecay, rng: np.random.Generator, ecal: EcalShare | None = None
) -> None:
    n = towers.shape[0]
    pt, eta, phi, momentum = two_body_pair(rng, n, sample.parent_mass_gev, sample.mass_gev)
    # decay point: exponential flight of beta*gamma*c*tau along the direction of flight
    flight = rng.exponential(sample.ctau_m, pt.shape) * momentum / sample.mass_gev
    radius = flight * pt / momentum
    z = flight * np.sinh(eta) * pt / momentum
    visible = geo.inside_calorimeter(radius, z)
    # S -> b bbar: two jets around the S direction, opening angle ~ 2 m / p
    opening = np.minimum(2 * sample.mass_gev / momentum, 1.5)
    event = np.tile(np.arange(n), 2)[visible.ravel()]
    energy_t = np.sqrt(pt**2 + sample.mass_gev**2 * (pt / momentum) ** 2).ravel()[visible.ravel()]
    share = rng.uniform(0.2, 0.8, event.size)
    half = opening.ravel()[visible.ravel()] / 2
    direction = rng.uniform(-np.pi, np.pi, event.size)
    centre_eta, centre_phi = eta.ravel()[visible.ravel()], phi.ravel()[visible.ravel()]
    add_jets(
        towers,
        np.concatenate([event, event]),
        np.concatenate([share * energy_t, (1 - share) * energy_t]),
        np.concatenate([centre_eta + half * np.cos(direction), centre_eta - half * np.cos(direction)]),
        np.concatenate([centre_phi + half * np.sin(direction), centre_phi - half * np.sin(direction)]),
        rng,
        ecal=ecal,
    )
