"""Jets and two-body decays for the synthetic generator, deposited into tower maps."""

from __future__ import annotations

import numpy as np

from ...core import geometry as geo
from ...core.detector import HADRON_RESPONSE
from .ecal import EcalShare

JET_CONSTITUENTS = 12
JET_RADIUS_SPREAD = 0.08  # Gaussian spread of constituents around the jet axis (eta and phi)
#: With region bits, each constituent's ET goes through the ECAL with this probability (photons
#: from neutral pions): the calibrated photon fraction of the zero-bias model's jets
#: (``ZeroBiasModel.em_fraction``), so signal and pileup jets look alike to the e/gamma veto.
JET_PHOTON_FRACTION = 0.1791


def add_jets(
    towers, event, pt, eta, phi, rng, response: float = HADRON_RESPONSE, ecal: EcalShare | None = None
) -> None:
    """Deposit jets as ``JET_CONSTITUENTS`` particles spread around each axis (and, with
    ``ecal``, the photons among them into the ECAL share)."""
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
    if ecal is not None:
        ecal.deposit_share(c_event, c_pt, c_eta, c_phi, JET_PHOTON_FRACTION)


def two_body_pair(rng, n, parent_mass, daughter_mass, parent_pt_sigma=20.0):
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
