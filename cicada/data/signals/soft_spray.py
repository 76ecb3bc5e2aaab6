"""A soft isotropic spray of many low-ET particles (SUEP-like: soft unclustered energy patterns).

The CICADA 2026 studies' SUEP sample is this kind: many soft hadrons spread widely in eta and
uniformly in phi, from a spherical decay in the rest frame of a heavy mediator."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ...core import geometry as geo
from ...core.detector import HADRON_RESPONSE
from ..synthetic.ecal import EcalShare
from . import SignalSample, synthetic_signal

#: With region bits, a spray particle's ET goes through the ECAL with this probability: a third
#: of the pions are neutral (isospin) and their photons shower in the ECAL.
NEUTRAL_PION_FRACTION = 1.0 / 3.0


class SoftSpray(SignalSample):
    """A soft isotropic spray of many low-ET particles (SUEP-like)."""

    kind: Literal["soft_spray"] = option("signal kind")
    mean_particles: Number = option("mean number of particles per event", 150.0, ge=1.0)
    mean_et_gev: Number = option("mean particle transverse energy (GeV)", 2.0, gt=0.0)
    eta_spread: Number = option("Gaussian spread in eta of the spray around its axis", 1.0, gt=0.0)


@synthetic_signal("soft_spray", SoftSpray)
def add_soft_spray(
    towers: np.ndarray, sample: SoftSpray, rng: np.random.Generator, ecal: EcalShare | None = None
) -> None:
    n_events = towers.shape[0]
    counts = rng.poisson(sample.mean_particles, n_events)
    event = np.repeat(np.arange(n_events), counts)
    axis = rng.uniform(-1.0, 1.0, n_events)
    et = rng.exponential(sample.mean_et_gev, event.size)
    eta = axis[event] + rng.normal(0.0, sample.eta_spread, event.size)
    phi = rng.uniform(-np.pi, np.pi, event.size)
    geo.deposit(towers, event, et * HADRON_RESPONSE, eta, phi)
    if ecal is not None:
        ecal.deposit_share(event, et * HADRON_RESPONSE, eta, phi, NEUTRAL_PION_FRACTION)
