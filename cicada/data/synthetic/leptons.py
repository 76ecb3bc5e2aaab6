"""Charged leptons for the synthetic signals: electrons, muons and decaying tau leptons.

What the calorimeter sees (the rules of :mod:`cicada.core.detector`):

* an electron is one narrow electromagnetic deposit (EM response, all in the ECAL);
* a muon leaves nothing (a minimum-ionising few GeV at most; the model drops it, as the
  detector response does);
* a tau decays before reaching the detector. Its neutrinos take a share of its momentum; the
  visible products go in a narrow cone (the decay's opening angle is about 2 m_tau / pT). The
  modes and branching fractions (PDG, Review of Particle Physics 2024, tau lepton listings):
  e nu nu 17.8%, mu nu nu 17.4%, and hadronic 64.8% as h nu 10.8%, h pi0 nu 25.5%, h 2pi0 nu
  9.3%, 3h nu 9.0%, 3h pi0 nu 4.5% (the rarer modes shared out in proportion). Charged hadrons
  are measured with the hadron response (HCAL), the photons of the pi0s with the EM response
  (ECAL). The visible share of the tau's momentum is drawn from the massless V-A spectrum
  ``(5 - 9x^2 + 4x^3) / 3`` for leptonic decays and uniformly between ``m_vis^2 / m_tau^2`` and 1
  for hadronic ones (a two-body decay to a neutrino and a visible system of mass ``m_vis``).
"""

from __future__ import annotations

import numpy as np

from ...core import geometry as geo
from ...core.detector import EM_RESPONSE, HADRON_RESPONSE
from .ecal import EcalShare

TAU_MASS_GEV = 1.777
ELECTRON, MUON, TAU = 0, 1, 2

#: (name, branching fraction, visible mass GeV, charged share of the visible energy or None: drawn)
TAU_MODES = (
    ("e", 0.178, 0.0, 0.0),
    ("mu", 0.174, 0.0, 0.0),
    ("h", 0.108, 0.14, 1.0),
    ("h pi0", 0.255, 0.77, None),
    ("h 2pi0", 0.093, 1.26, 1.0 / 3.0),
    ("3h", 0.090, 1.26, 1.0),
    ("3h pi0", 0.045, 1.4, 0.75),
)
_HADRONIC = 1.0 - 0.178 - 0.174
_SUM_LISTED_HADRONIC = sum(mode[1] for mode in TAU_MODES[2:])
#: Probabilities of the modes above, the unlisted hadronic modes shared out among the listed ones.
TAU_MODE_PROBABILITIES = np.array(
    [0.178, 0.174, *[mode[1] * _HADRONIC / _SUM_LISTED_HADRONIC for mode in TAU_MODES[2:]]]
)
#: The cone of a tau's visible products: Gaussian spread (eta, phi) of 0.5 m_tau / pT, at most this.
MAX_TAU_SPREAD = 0.15


def add_electrons(towers, event, pt, eta, phi, ecal: EcalShare | None = None) -> None:
    """Electrons (or photons): all their measured ET in one tower, through the ECAL."""
    geo.deposit(towers, event, np.asarray(pt) * EM_RESPONSE, eta, phi)
    if ecal is not None:
        ecal.deposit(event, np.asarray(pt) * EM_RESPONSE, eta, phi)


def _leptonic_share(rng: np.random.Generator, n: int) -> np.ndarray:
    """Visible momentum share of leptonic tau decays, from ``(5 - 9x^2 + 4x^3) / 3`` (maximum 5/3 at 0)."""
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        x = rng.random(todo.size)
        keep = rng.random(todo.size) * 5.0 < 5.0 - 9.0 * x**2 + 4.0 * x**3
        out[todo[keep]] = x[keep]
        todo = todo[~keep]
    return out


def add_taus(towers, event, pt, eta, phi, rng: np.random.Generator, ecal: EcalShare | None = None) -> np.ndarray:
    """Decay tau leptons of transverse momentum ``pt`` at (eta, phi) and deposit what is visible.

    Returns each tau's decay mode (an index into :data:`TAU_MODES`)."""
    event, pt, eta, phi = (np.asarray(a) for a in np.broadcast_arrays(event, pt, eta, phi))
    n = pt.size
    mode = rng.choice(len(TAU_MODES), size=n, p=TAU_MODE_PROBABILITIES)
    visible_mass = np.array([m[2] for m in TAU_MODES])[mode]
    low = (visible_mass / TAU_MASS_GEV) ** 2
    share = low + (1.0 - low) * rng.random(n)
    leptonic = mode <= 1
    share[leptonic] = _leptonic_share(rng, int(leptonic.sum()))
    visible = share * pt
    charged = np.array([1.0 if m[3] is None else m[3] for m in TAU_MODES])[mode]
    rho = np.array([m[3] is None for m in TAU_MODES])[mode]
    charged[rho] = rng.uniform(0.1, 0.9, int(rho.sum()))  # the rho's pion takes any share of its energy
    spread = np.minimum(0.5 * TAU_MASS_GEV / np.maximum(visible, 1e-3), MAX_TAU_SPREAD)
    # two deposits per tau (charged hadrons, photons), each at its own place in the cone
    offsets = rng.normal(0.0, 1.0, (2, 2, n)) * spread
    electron = mode == ELECTRON
    add_electrons(towers, event[electron], visible[electron], eta[electron], phi[electron], ecal)
    hadronic = mode >= 2
    h_event, h_visible = event[hadronic], visible[hadronic]
    h_charged, h_offsets = charged[hadronic], offsets[:, :, hadronic]
    h_eta, h_phi = eta[hadronic], phi[hadronic]
    hadron_et = h_visible * h_charged * HADRON_RESPONSE
    photon_et = h_visible * (1.0 - h_charged) * EM_RESPONSE
    geo.deposit(towers, h_event, hadron_et, h_eta + h_offsets[0, 0], h_phi + h_offsets[0, 1])
    geo.deposit(towers, h_event, photon_et, h_eta + h_offsets[1, 0], h_phi + h_offsets[1, 1])
    if ecal is not None:
        ecal.deposit(h_event, photon_et, h_eta + h_offsets[1, 0], h_phi + h_offsets[1, 1])
    return mode


def add_leptons(towers, event, pt, eta, phi, flavour, rng: np.random.Generator, ecal: EcalShare | None = None) -> None:
    """Charged leptons of ``flavour`` (:data:`ELECTRON`, :data:`MUON`, :data:`TAU`, per lepton)."""
    event, pt, eta, phi, flavour = (np.asarray(a) for a in np.broadcast_arrays(event, pt, eta, phi, flavour))
    electron, tau = flavour == ELECTRON, flavour == TAU
    add_electrons(towers, event[electron], pt[electron], eta[electron], phi[electron], ecal)
    add_taus(towers, event[tau], pt[tau], eta[tau], phi[tau], rng, ecal)
