"""Fast numpy generator of zero-bias region images and signal images (the embedded default).

The model works at trigger-tower level (72 x 56 towers) and then applies the hardware
chain of :mod:`cicada.geometry`: floor to 0.5 GeV LSBs, tower saturation, 4 x 4 sums,
region saturation.

Zero-bias (pileup only):

* the number of interactions per crossing is Poisson(mu);
* each interaction's activity fluctuates (Gamma with shape ``ACTIVITY_SHAPE``, mean 1,
  as the negative-binomial multiplicity of minimum-bias does), so the event's activity is
  Gamma(shape * n_pu, 1 / shape);
* soft deposits fill the towers: a Poisson number per tower with mean proportional to
  the activity and the tower's eta width, exponential ET each (a Gamma sum per tower);
  the measured density per unit eta is flat in the barrel and rises in the endcaps, where
  soft charged particles reach the calorimeter instead of curling away;
* mini-jets: Poisson(``minijets_per_interaction`` * n_pu) per event with a pT^-4 spectrum,
  deposited with the hadron response;
* signals: a fraction of the true ET is measured (``HADRON_RESPONSE`` for hadrons,
  ``EM_RESPONSE`` for electrons and photons, from :mod:`cicada.detector`).

The pileup parameters live in :class:`ZeroBiasModel`; its defaults are calibrated against
Pythia 8 (see ``tools/calibrate_zero_bias.py`` and ``cicada/reference/zero_bias_mu60.json``).

Signals are particles or jets drawn from simple physics models and added to a fresh
zero-bias event before digitisation, so they sit on top of pileup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import geometry as geo
from .config import (
    DetectorFault,
    DijetResonance,
    IsolatedEGamma,
    LongLivedDecay,
    Monojet,
    SignalConfig,
    SoftSpray,
    TopPairMultijet,
)
from .detector import EM_RESPONSE, HADRON_RESPONSE
from .progress import Progress

JET_CONSTITUENTS = 12
JET_RADIUS_SPREAD = 0.08  # Gaussian spread of constituents around the jet axis (eta and phi)
CHUNK_EVENTS = 2000


@dataclass(frozen=True)
class ZeroBiasModel:
    """The parameters of the synthetic pileup model (see the module docstring).

    The defaults are calibrated against Pythia 8 (CP5, 13.6 TeV) min-bias overlaid at
    mu = 60 with the detector response of :mod:`cicada.detector`; ``tools/calibrate_zero_bias.py``
    redoes the fit and writes the reference statistics the tests check.
    """

    #: measured ET per unit eta and interaction at central eta (GeV): generator level ~5.5 GeV
    #: times the response, with soft charged particles curling away in the barrel
    measured_det_deta_gev: float = 3.0166
    #: measured density relative to central eta at |eta| knots (endcap particles do not curl away)
    endcap_shape: tuple[tuple[float, float], ...] = ((0.0, 1.0), (1.5, 1.0), (2.0, 1.3), (2.6, 1.4), (3.0, 1.45))
    #: mean measured ET of one soft deposit (GeV): sets how grainy pileup is
    deposit_et_gev: float = 0.45
    #: Gamma shape of one interaction's activity (smaller: larger event-to-event fluctuations)
    activity_shape: float = 0.55
    minijets_per_interaction: float = 0.08
    minijet_pt_min_gev: float = 5.0
    minijet_pt_index: float = 4.0

    def tower_deposits_per_interaction(self) -> np.ndarray:
        """Mean number of soft deposits per tower (by tower eta) per interaction at unit activity."""
        knots, factors = np.array(self.endcap_shape).T
        density = self.measured_det_deta_gev * np.interp(np.abs(geo.TOWER_ETA_CENTRES), knots, factors)
        return density * geo.TOWER_ETA_WIDTHS / geo.N_TOWER_PHI / self.deposit_et_gev


DEFAULT_MODEL = ZeroBiasModel()


def zero_bias_towers(
    n_events: int, pileup: float, rng: np.random.Generator, model: ZeroBiasModel = DEFAULT_MODEL
) -> np.ndarray:
    """Measured tower ET (GeV, float32, (N, 72, 56)) of pileup-only crossings, before digitisation."""
    n_pu = rng.poisson(pileup, size=n_events)
    shape = model.activity_shape
    activity = rng.gamma(shape * np.maximum(n_pu, 1e-9), 1.0 / shape) * (n_pu > 0)
    mean_count = activity[:, None, None] * model.tower_deposits_per_interaction()[None, None, :]
    counts = rng.poisson(np.broadcast_to(mean_count, (n_events, *geo.TOWER_SHAPE)))
    towers = rng.gamma(counts, model.deposit_et_gev).astype(np.float32)

    n_jets = rng.poisson(model.minijets_per_interaction * n_pu)
    event = np.repeat(np.arange(n_events), n_jets)
    u = rng.random(event.size)
    pt = model.minijet_pt_min_gev * (1 - u) ** (-1.0 / (model.minijet_pt_index - 1))
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


def _two_body_pair(rng, n, parent_mass, daughter_mass, parent_pt_sigma=20.0):
    """Isotropic two-body decays of parents with a Gaussian pT kick and a longitudinal boost.

    Returns per-daughter (pt, eta, phi, momentum) for the two daughters, each of shape (2, n).
    """
    p_star = np.sqrt(np.maximum((parent_mass / 2) ** 2 - daughter_mass**2, 0.0))
    cos_theta = rng.uniform(-1.0, 1.0, n)
    sin_theta = np.sqrt(1 - cos_theta**2)
    phi = rng.uniform(-np.pi, np.pi, n)
    # daughter momenta in the parent frame, then a transverse kick and a longitudinal boost
    px = p_star * sin_theta * np.cos(phi)
    py = p_star * sin_theta * np.sin(phi)
    pz = p_star * cos_theta
    kick_x, kick_y = rng.normal(0, parent_pt_sigma, (2, n))
    rapidity = rng.normal(0.0, 0.8, n)
    energy = np.sqrt(p_star**2 + daughter_mass**2)
    out = []
    for sign in (1.0, -1.0):
        dx, dy = sign * px + kick_x / 2, sign * py + kick_y / 2
        dz = sign * pz * np.cosh(rapidity) + energy * np.sinh(rapidity)
        pt = np.hypot(dx, dy)
        p = np.sqrt(pt**2 + dz**2)
        out.append((pt, np.arcsinh(dz / np.maximum(pt, 1e-9)), np.arctan2(dy, dx), p))
    return [np.stack(v) for v in zip(*out)]


def _dijet_resonance(towers, params: DijetResonance, rng) -> None:
    n = towers.shape[0]
    width = params.width_fraction * params.mass_gev
    mass = (
        params.mass_gev + width / 2 * np.tan(np.pi * (rng.random(n) - 0.5))
        if width > 0
        else np.full(n, params.mass_gev)
    )
    mass = np.clip(mass, 0.5 * params.mass_gev, 1.5 * params.mass_gev)
    pt, eta, phi, _ = _two_body_pair(rng, n, mass, 0.0, parent_pt_sigma=0.05 * params.mass_gev)
    add_jets(towers, np.tile(np.arange(n), 2), pt.ravel(), eta.ravel(), phi.ravel(), rng)


def _top_pair_multijet(towers, params: TopPairMultijet, rng) -> None:
    n = towers.shape[0]
    top_mass = 172.5
    event = np.repeat(np.arange(n), 2)
    top_pt = rng.exponential(params.top_pt_mean_gev, 2 * n)
    top_eta = rng.normal(0.0, 1.2, 2 * n)
    first_phi = rng.uniform(-np.pi, np.pi, n)
    top_phi = np.stack([first_phi, first_phi + np.pi + rng.normal(0, 0.5, n)], axis=1).ravel()
    top_et = np.sqrt(top_mass**2 + top_pt**2)
    # t -> b q q': three jets sharing the top's transverse energy around its direction
    shares = rng.dirichlet(np.full(3, 2.0), 2 * n)
    jet_event = np.repeat(event, 3)
    jet_pt = (shares * top_et[:, None]).ravel()
    jet_eta = np.repeat(top_eta, 3) + rng.normal(0, params.cluster_spread, jet_event.size)
    jet_phi = np.repeat(top_phi, 3) + rng.normal(0, params.cluster_spread, jet_event.size)
    add_jets(towers, jet_event, jet_pt, jet_eta, jet_phi, rng)


def _isolated_egamma(towers, params: IsolatedEGamma, rng) -> None:
    n = towers.shape[0] * params.count
    event = np.repeat(np.arange(towers.shape[0]), params.count)
    pt = rng.uniform(params.pt_min_gev, params.pt_max_gev, n)
    eta = rng.uniform(-2.5, 2.5, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    # an electromagnetic shower is narrow: nearly all of it in one tower
    geo.deposit(towers, event, pt * EM_RESPONSE, eta, phi)


def _monojet(towers, params: Monojet, rng) -> None:
    n = towers.shape[0]
    pt = rng.uniform(params.pt_min_gev, params.pt_max_gev, n)
    # the recoiling system (e.g. a Z -> nu nu or dark matter) leaves nothing
    add_jets(towers, np.arange(n), pt, rng.normal(0.0, 1.0, n), rng.uniform(-np.pi, np.pi, n), rng)


def _soft_spray(towers, params: SoftSpray, rng) -> None:
    n_events = towers.shape[0]
    counts = rng.poisson(params.mean_particles, n_events)
    event = np.repeat(np.arange(n_events), counts)
    axis = rng.uniform(-1.0, 1.0, n_events)
    et = rng.exponential(params.mean_et_gev, event.size)
    eta = axis[event] + rng.normal(0.0, params.eta_spread, event.size)
    phi = rng.uniform(-np.pi, np.pi, event.size)
    geo.deposit(towers, event, et * HADRON_RESPONSE, eta, phi)


def _long_lived_decay(towers, params: LongLivedDecay, rng) -> None:
    n = towers.shape[0]
    pt, eta, phi, momentum = _two_body_pair(rng, n, params.parent_mass_gev, params.mass_gev)
    # decay point: exponential flight of beta*gamma*c*tau along the direction of flight
    flight = rng.exponential(params.ctau_m, pt.shape) * momentum / params.mass_gev
    radius = flight * pt / momentum
    z = flight * np.sinh(eta) * pt / momentum
    visible = geo.inside_calorimeter(radius, z)
    # S -> b bbar: two jets around the S direction, opening angle ~ 2 m / p
    opening = np.minimum(2 * params.mass_gev / momentum, 1.5)
    event = np.tile(np.arange(n), 2)[visible.ravel()]
    energy_t = np.sqrt(pt**2 + params.mass_gev**2 * (pt / momentum) ** 2).ravel()[visible.ravel()]
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
    )


def _detector_fault(towers, params: DetectorFault, rng, fixed_location: tuple[int, int]) -> None:
    n = towers.shape[0]
    if params.location == "fixed":
        tphi = np.full(n, fixed_location[0])
        teta = np.full(n, fixed_location[1])
    else:
        tphi = rng.integers(0, geo.N_TOWER_PHI, n)
        teta = rng.integers(0, geo.N_TOWER_ETA, n)
    events = np.arange(n)
    if params.fault == "hot_tower":
        towers[events, tphi, teta] = params.et_gev
        return
    # region faults act on the 4 x 4 towers of the region holding the chosen tower
    size = geo.TOWERS_PER_REGION
    rphi, reta = (tphi // size) * size, (teta // size) * size
    for dphi in range(size):
        for deta in range(size):
            towers[events, rphi + dphi, reta + deta] = params.et_gev / size**2 if params.fault == "hot_region" else 0.0


SIGNAL_GENERATORS: dict[str, Callable] = {
    "dijet_resonance": _dijet_resonance,
    "top_pair_multijet": _top_pair_multijet,
    "isolated_egamma": _isolated_egamma,
    "monojet": _monojet,
    "soft_spray": _soft_spray,
    "long_lived_decay": _long_lived_decay,
    "detector_fault": _detector_fault,
}


PileupTowers = Callable[[int, float, np.random.Generator], np.ndarray]


def _generate(n_events: int, pileup: float, rng, add_signal, label: str, pileup_towers: PileupTowers) -> np.ndarray:
    images = np.empty((n_events, *geo.REGION_SHAPE), dtype=np.uint16)
    with Progress(n_events, label) as bar:
        for start in range(0, n_events, CHUNK_EVENTS):
            stop = min(start + CHUNK_EVENTS, n_events)
            towers = pileup_towers(stop - start, pileup, rng)
            if add_signal is not None:
                add_signal(towers, rng)
            images[start:stop] = geo.towers_to_regions(geo.digitise_towers(towers))
            bar.advance(stop - start)
    return images


def zero_bias(
    n_events: int, pileup: float, rng: np.random.Generator, model: ZeroBiasModel = DEFAULT_MODEL
) -> np.ndarray:
    """Zero-bias region images (N, 18, 14), uint16."""

    def pileup_towers(n, mu, r):
        return zero_bias_towers(n, mu, r, model)

    return _generate(n_events, pileup, rng, None, "zero-bias", pileup_towers)


def signal(
    sample: SignalConfig, pileup: float, rng: np.random.Generator, pileup_towers: PileupTowers = zero_bias_towers
) -> np.ndarray:
    """Region images of one signal sample overlaid on pileup (by default this module's;
    ``pileup_towers(n, mu, rng)`` can supply another model's, e.g. Pythia's pool)."""
    generator = SIGNAL_GENERATORS[sample.kind]
    if sample.kind == "detector_fault":
        # one broken tower for the whole sample, drawn once (chunks must agree)
        fixed = (int(rng.integers(geo.N_TOWER_PHI)), int(rng.integers(geo.N_TOWER_ETA)))
        add = lambda towers, r: generator(towers, sample.physics, r, fixed)  # noqa: E731
    else:
        add = lambda towers, r: generator(towers, sample.physics, r)  # noqa: E731
    return _generate(sample.events, pileup, rng, add, f"signal {sample.name}", pileup_towers)
