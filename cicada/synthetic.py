"""Fast numpy generator of zero-bias region images and signal images (the embedded default).

The model works at trigger-tower level (72 x 56 towers) and then applies the hardware
chain of :mod:`cicada.geometry`: floor to 0.5 GeV LSBs, tower saturation, 4 x 4 sums,
region saturation.

Zero-bias (pileup only):

* the number of interactions per crossing is Poisson(mu);
* each interaction's activity fluctuates (Gamma with shape ``ACTIVITY_SHAPE``, mean 1,
  as the negative-binomial multiplicity of minimum-bias does), so the event's activity is
  Gamma(shape * n_pu, 1 / shape);
* soft particles fill the towers: a Poisson number per tower with mean proportional to
  the activity and the tower's eta width, exponential ET each (a Gamma sum per tower);
  ``MINBIAS_DET_DETA_GEV`` GeV of ET per unit eta and interaction at central eta, rising
  slowly with |eta|;
* mini-jets: Poisson(``MINIJETS_PER_INTERACTION`` * n_pu) per event with a pT^-4 spectrum
  above ``MINIJET_PT_MIN_GEV``;
* calorimeter response: a fraction of the true ET is measured (``HADRON_RESPONSE`` for
  hadrons, ``EM_RESPONSE`` for electrons and photons).

Signals are particles or jets drawn from simple physics models and added to a fresh
zero-bias event before digitisation, so they sit on top of pileup.

A later calibration against reference statistics will tune these constants; they are
plausible, not fitted.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import geometry as geo
from .config import DijetResonance, IsolatedEGamma, SignalConfig, SoftSpray
from .progress import Progress

MINBIAS_DET_DETA_GEV = 5.5
MINBIAS_ETA_SLOPE = 0.04  # relative rise of dET/deta per unit eta^2
MINBIAS_MEAN_PARTICLE_ET_GEV = 0.45
ACTIVITY_SHAPE = 1.5
MINIJETS_PER_INTERACTION = 0.04
MINIJET_PT_MIN_GEV = 5.0
MINIJET_PT_INDEX = 4.0
HADRON_RESPONSE = 0.6
EM_RESPONSE = 0.95
JET_CONSTITUENTS = 12
JET_RADIUS_SPREAD = 0.08  # Gaussian spread of constituents around the jet axis (eta and phi)

CHUNK_EVENTS = 2000

# Mean soft-particle count per tower per interaction, at unit activity.
_TOWER_DET_DETA = MINBIAS_DET_DETA_GEV * (1 + MINBIAS_ETA_SLOPE * geo.TOWER_ETA_CENTRES**2)
_TOWER_PARTICLES_PER_INTERACTION = (
    _TOWER_DET_DETA * geo.TOWER_ETA_WIDTHS / geo.N_TOWER_PHI / MINBIAS_MEAN_PARTICLE_ET_GEV
)


def zero_bias_towers(n_events: int, pileup: float, rng: np.random.Generator) -> np.ndarray:
    """True tower ET (GeV, float32, (N, 72, 56)) of pileup-only crossings, before digitisation."""
    n_pu = rng.poisson(pileup, size=n_events)
    activity = rng.gamma(ACTIVITY_SHAPE * np.maximum(n_pu, 1e-9), 1.0 / ACTIVITY_SHAPE) * (n_pu > 0)
    mean_count = activity[:, None, None] * _TOWER_PARTICLES_PER_INTERACTION[None, None, :]
    counts = rng.poisson(np.broadcast_to(mean_count, (n_events, *geo.TOWER_SHAPE)))
    towers = rng.gamma(counts, MINBIAS_MEAN_PARTICLE_ET_GEV).astype(np.float32) * HADRON_RESPONSE

    n_jets = rng.poisson(MINIJETS_PER_INTERACTION * n_pu)
    event = np.repeat(np.arange(n_events), n_jets)
    u = rng.random(event.size)
    pt = MINIJET_PT_MIN_GEV * (1 - u) ** (-1.0 / (MINIJET_PT_INDEX - 1))
    eta = rng.uniform(-geo.ETA_MAX - 1.0, geo.ETA_MAX + 1.0, event.size)
    phi = rng.uniform(-np.pi, np.pi, event.size)
    add_jets(towers, event, pt, eta, phi, rng)
    return towers


def add_jets(towers, event, pt, eta, phi, rng, response: float = HADRON_RESPONSE) -> None:
    """Deposit jets as ``JET_CONSTITUENTS`` particles spread around each axis."""
    if len(event) == 0:
        return
    k = JET_CONSTITUENTS
    shares = rng.gamma(1.0, size=(len(event), k))
    shares /= shares.sum(axis=1, keepdims=True)
    c_event = np.repeat(event, k)
    c_pt = (shares * np.asarray(pt)[:, None]).ravel() * response
    c_eta = np.repeat(eta, k) + rng.normal(0.0, JET_RADIUS_SPREAD, c_event.size)
    c_phi = np.repeat(phi, k) + rng.normal(0.0, JET_RADIUS_SPREAD, c_event.size)
    geo.deposit(towers, c_event, c_pt, c_eta, c_phi)


def _dijet_resonance(towers, params: DijetResonance, rng) -> None:
    n = towers.shape[0]
    width = params.width_fraction * params.mass_gev
    mass = (
        params.mass_gev + width / 2 * np.tan(np.pi * (rng.random(n) - 0.5))
        if width > 0
        else np.full(n, params.mass_gev)
    )
    mass = np.clip(mass, 0.5 * params.mass_gev, 1.5 * params.mass_gev)
    cos_theta = rng.uniform(-1.0, 1.0, n)
    eta_star = np.arctanh(np.clip(cos_theta, -0.999999, 0.999999))
    boost = rng.normal(0.0, 0.8, n)  # longitudinal boost of the resonance (rapidity)
    pt = mass / 2 / np.cosh(eta_star)
    phi = rng.uniform(-np.pi, np.pi, n)
    event = np.concatenate([np.arange(n), np.arange(n)])
    add_jets(
        towers,
        event,
        np.concatenate([pt, pt]),
        np.concatenate([boost + eta_star, boost - eta_star]),
        np.concatenate([phi, phi + np.pi]),
        rng,
    )


def _isolated_egamma(towers, params: IsolatedEGamma, rng) -> None:
    n = towers.shape[0] * params.count
    event = np.repeat(np.arange(towers.shape[0]), params.count)
    pt = rng.uniform(params.pt_min_gev, params.pt_max_gev, n)
    eta = rng.uniform(-2.5, 2.5, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    # an electromagnetic shower is narrow: nearly all of it in one tower
    geo.deposit(towers, event, pt * EM_RESPONSE, eta, phi)


def _soft_spray(towers, params: SoftSpray, rng) -> None:
    n_events = towers.shape[0]
    counts = rng.poisson(params.mean_particles, n_events)
    event = np.repeat(np.arange(n_events), counts)
    axis = rng.uniform(-1.0, 1.0, n_events)
    et = rng.exponential(params.mean_et_gev, event.size)
    eta = axis[event] + rng.normal(0.0, params.eta_spread, event.size)
    phi = rng.uniform(-np.pi, np.pi, event.size)
    geo.deposit(towers, event, et * HADRON_RESPONSE, eta, phi)


SIGNAL_GENERATORS: dict[str, Callable] = {
    "dijet_resonance": _dijet_resonance,
    "isolated_egamma": _isolated_egamma,
    "soft_spray": _soft_spray,
}


def _generate(n_events: int, pileup: float, rng, add_signal, label: str) -> np.ndarray:
    images = np.empty((n_events, *geo.REGION_SHAPE), dtype=np.uint16)
    with Progress(n_events, label) as bar:
        for start in range(0, n_events, CHUNK_EVENTS):
            stop = min(start + CHUNK_EVENTS, n_events)
            towers = zero_bias_towers(stop - start, pileup, rng)
            if add_signal is not None:
                add_signal(towers, rng)
            images[start:stop] = geo.towers_to_regions(geo.digitise_towers(towers))
            bar.advance(stop - start)
    return images


def zero_bias(n_events: int, pileup: float, rng: np.random.Generator) -> np.ndarray:
    """Zero-bias region images (N, 18, 14), uint16."""
    return _generate(n_events, pileup, rng, None, "zero-bias")


def signal(sample: SignalConfig, pileup: float, rng: np.random.Generator) -> np.ndarray:
    """Region images of one signal sample overlaid on pileup."""
    generator = SIGNAL_GENERATORS[sample.kind]
    return _generate(
        sample.events, pileup, rng, lambda towers, r: generator(towers, sample.physics, r), f"signal {sample.name}"
    )
