"""Hard scatters of the synthetic generator: pT-hat spectrum, dijet kinematics, jet deposits.

Each inelastic interaction's hardest parton scatter has a pT-hat drawn from a tabulated
spectrum, ``P(pT-hat > t)`` per interaction (measured with Pythia 8: the min-bias pool below
the slices, the hard-QCD slices' cross sections above; see ``tools/calibrate_zero_bias.py``),
interpolated as a power law between knots and extrapolated with the last knots' slope. A
scatter gives two partons back to back in phi with

* rapidities ``y_boost +- y*``, ``y_boost ~ N(0, boost_width L)`` and ``|y*| ~ |N(0, ystar_width L)|``,
  ``L = ln(sqrt(s) / (2 pT-hat))``: the phase space shrinks as pT-hat grows (Pythia's partons
  follow this within a few per cent from 30 to 220 GeV);
* each parton's pT is pT-hat times a log-normal factor of width ``pt_spread`` (initial-state
  radiation kicks the pair; the jets' pT scatter around pT-hat both ways);
* each parton a jet: a core carrying ``1 - r`` of its pT and a wide-angle radiation jet
  ``r ~ Exponential(radiation_fraction)`` (at most 0.9) at ``radiation_distance`` in a random
  direction; constituents spread as a Gaussian of width ``jet_width * sqrt(30 GeV / pT)``
  (harder jets are narrower). Each constituent is a photon (from a neutral pion) with
  probability ``em_fraction``, measured with the EM response, else a hadron, measured with
  the hadron response (:mod:`cicada.core.detector`): the jet-to-jet spread of the response.
"""

from __future__ import annotations

import numpy as np

from ...core import geometry as geo
from ...core.detector import EM_RESPONSE, HADRON_RESPONSE

SQRT_S_GEV = 13600.0
#: A jet is split into one particle per this much pT (shares from a flat Dirichlet), at least
#: one and at most MAX_CONSTITUENTS: enough to spread it over towers, few enough to be fast
#: (the defaults of :class:`~.pileup.ZeroBiasModel`, whose fields a model may change).
GEV_PER_CONSTITUENT = 5.0
MAX_CONSTITUENTS = 10
MAX_JET_WIDTH = 0.3


class Spectrum:
    """``P(pT-hat > t)`` per interaction from ``knots`` ((t GeV, probability), increasing t)."""

    def __init__(self, knots):
        t, p = np.asarray(knots, dtype=np.float64).T
        if len(t) < 2 or np.any(np.diff(t) <= 0) or np.any(np.diff(p) >= 0) or np.any(p <= 0):
            raise ValueError("a pT-hat spectrum needs >= 2 knots with increasing pT and decreasing probability > 0")
        self.log_t = np.log(t)
        self.log_p = np.log(p)
        self.slope = (self.log_p[-1] - self.log_p[-2]) / (self.log_t[-1] - self.log_t[-2])

    def tail(self, t) -> np.ndarray:
        """``P(pT-hat > t)`` (t at or above the first knot)."""
        log_t = np.log(np.asarray(t, dtype=np.float64))
        inside = np.interp(log_t, self.log_t, self.log_p)
        beyond = self.log_p[-1] + self.slope * (log_t - self.log_t[-1])
        return np.exp(np.where(log_t > self.log_t[-1], beyond, inside))

    def inverse(self, p) -> np.ndarray:
        """The pT-hat ``t`` with ``P(pT-hat > t) = p``."""
        log_p = np.log(np.asarray(p, dtype=np.float64))
        inside = np.interp(-log_p, -self.log_p, self.log_t)
        beyond = self.log_t[-1] + (log_p - self.log_p[-1]) / self.slope
        return np.exp(np.where(log_p < self.log_p[-1], beyond, inside))

    def sample(self, rng: np.random.Generator, low, high) -> np.ndarray:
        """pT-hat drawn from the spectrum between ``low`` and ``high`` (arrays or scalars; inf: open)."""
        low, high = np.broadcast_arrays(np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64))
        p_low = self.tail(low)
        p_high = np.where(np.isinf(high), 0.0, self.tail(np.where(np.isinf(high), low, high)))
        u = rng.random(low.shape)
        return np.clip(self.inverse(p_high + u * (p_low - p_high)), low, high)


def jet_constituents(pt_hat: np.ndarray, rng: np.random.Generator, model) -> tuple[np.ndarray, ...]:
    """Measured constituents (scatter index, ET GeV, eta, phi, whether electromagnetic) of the
    dijets of scatters at ``pt_hat``."""
    n = len(pt_hat)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, bool)
    span = np.log(SQRT_S_GEV / (2.0 * pt_hat)).clip(0.2, None)
    boost = rng.normal(0.0, 1.0, n) * model.boost_width * span
    ystar = np.abs(rng.normal(0.0, 1.0, n)) * model.ystar_width * span
    phi = rng.uniform(-np.pi, np.pi, n)
    # two partons per scatter, each a core and a radiation jet: index = 2 * scatter + parton
    parton_eta = np.stack([boost + ystar, boost - ystar], axis=1).ravel()
    parton_phi = np.stack([phi, phi + np.pi], axis=1).ravel()
    radiated = np.minimum(rng.exponential(model.radiation_fraction, 2 * n), 0.9)
    pt = np.repeat(pt_hat, 2) * np.exp(rng.normal(0.0, model.pt_spread, 2 * n))
    angle = rng.uniform(-np.pi, np.pi, 2 * n)
    rad_eta = parton_eta + model.radiation_distance * np.cos(angle)
    rad_phi = parton_phi + model.radiation_distance * np.sin(angle)
    jet_pt = np.concatenate([pt * (1.0 - radiated), pt * radiated])
    jet_eta = np.concatenate([parton_eta, rad_eta])
    jet_phi = np.concatenate([parton_phi, rad_phi])
    per_constituent, most = model.gev_per_constituent, model.max_constituents
    counts = np.clip(np.rint(jet_pt * (1.0 / per_constituent)), 1, most).astype(np.int64)
    scatter = np.tile(np.repeat(np.arange(n), 2), 2)
    return _spread(scatter, jet_pt, jet_eta, jet_phi, counts, rng, model)


def _spread(scatter, jet_pt, jet_eta, jet_phi, counts, rng, model):
    """Constituents of each jet: Dirichlet(1) shares of its pT, Gaussian spread around its axis;
    each a photon (EM response, ECAL) with probability ``em_fraction``, else a hadron."""
    width = np.minimum(model.jet_width * np.sqrt(30.0 / np.maximum(jet_pt, 1e-3)), model.max_jet_width)
    jet = np.repeat(np.arange(len(jet_pt)), counts)
    shares = rng.standard_exponential(jet.size)
    # (a float64 draw is never 0 in practice: a one-particle jet keeps its share of 1)
    shares /= np.bincount(jet, weights=shares, minlength=len(jet_pt))[jet]
    spread = rng.standard_normal((2, jet.size), dtype=np.float32) * width[jet]
    em = rng.random(jet.size) < model.em_fraction
    response = np.where(em, EM_RESPONSE, HADRON_RESPONSE)
    et = shares * jet_pt[jet] * response
    return scatter[jet], et, jet_eta[jet] + spread[0], jet_phi[jet] + spread[1], em


def constituent_towers(event: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat tower index ``(event * 72 + iphi) * 56 + ieta`` of constituents, and which are inside |eta| < 3."""
    iphi, ieta = geo.tower_index(eta, phi)
    inside = ieta >= 0
    return (event * geo.N_TOWER_PHI + iphi) * geo.N_TOWER_ETA + ieta, inside
