"""VBF H -> tau tau-like events: two forward tagging jets and the two tau leptons of a Higgs boson."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ..synthetic.ecal import EcalShare
from ..synthetic.jets import add_jets, two_body_pair
from ..synthetic.leptons import TAU_MASS_GEV, add_taus
from . import SignalSample, synthetic_signal

#: Tagging jets are drawn above this transverse momentum (GeV).
TAG_JET_PT_MIN_GEV = 20.0


class VbfHiggsTauTau(SignalSample):
    """VBF H -> tau tau-like (a topology, not a matrix element): two tagging jets in opposite
    forward hemispheres (|eta| ~ N(jet_eta_mean, 0.8) each, the pair's sign at random; those beyond
    |eta| 3 leave nothing in the image, which has no forward calorimeter) and a central Higgs boson
    (rapidity N(0, 0.8), transverse momentum from a Gaussian kick of 50 GeV per axis, recoiling
    against the jets) decaying isotropically to two tau leptons, which decay as
    cicada/data/synthetic/leptons.py says: narrow hadronic deposits (HCAL with the ECAL share
    of their pi0s), electrons, or nothing (muons)."""

    kind: Literal["vbf_higgs_tautau"] = option("signal kind")
    higgs_mass_gev: Number = option("mass of the boson decaying to the tau pair (GeV)", 125.0, ge=10.0, le=3000.0)
    jet_pt_mean_gev: Number = option(
        "mean transverse momentum of a tagging jet above 20 GeV (exponential spectrum)", 40.0, gt=0.0
    )
    jet_eta_mean: Number = option("mean |eta| of the tagging jets", 2.6, ge=0.0, le=5.0)


@synthetic_signal("vbf_higgs_tautau", VbfHiggsTauTau)
def add_vbf_higgs_tautau(
    towers: np.ndarray, sample: VbfHiggsTauTau, rng: np.random.Generator, ecal: EcalShare | None = None
) -> None:
    n = towers.shape[0]
    events = np.arange(n)
    pt, eta, phi, _ = two_body_pair(rng, n, sample.higgs_mass_gev, TAU_MASS_GEV, parent_pt_sigma=50.0)
    add_taus(towers, np.tile(events, 2), pt.ravel(), eta.ravel(), phi.ravel(), rng, ecal)
    # the tagging jets: one per forward hemisphere
    sign = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    jet_eta = np.abs(rng.normal(sample.jet_eta_mean, 0.8, (2, n))) * np.stack([sign, -sign])
    jet_pt = TAG_JET_PT_MIN_GEV + rng.exponential(sample.jet_pt_mean_gev, (2, n))
    jet_phi = rng.uniform(-np.pi, np.pi, (2, n))
    add_jets(towers, np.tile(events, 2), jet_pt.ravel(), jet_eta.ravel(), jet_phi.ravel(), rng, ecal=ecal)
