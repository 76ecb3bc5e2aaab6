"""A top-quark pair: six jets in two three-jet clusters, or with leptonic W decays fewer jets
and charged leptons (the CICADA 2026 studies' ttbar sample is the inclusive one)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ..synthetic.ecal import EcalShare
from ..synthetic.jets import add_jets
from ..synthetic.leptons import add_leptons
from . import SignalSample, synthetic_signal

TOP_MASS_GEV = 172.5
#: W -> l nu for each lepton flavour (PDG 2024: 10.7-11.4%, lepton universality taken): the
#: inclusive decay makes a W leptonic with three times this.
W_TO_LEPTON_NU = 0.108
#: How many of the two W bosons decay to leptons, per ``decay`` (None: each by its branching fraction).
LEPTONIC_WS = {"all_hadronic": 0, "semileptonic": 1, "dileptonic": 2, "inclusive": None}


class TopPairMultijet(SignalSample):
    """A top-quark pair: t -> b W, each W to two jets or to a charged lepton and a neutrino.

    Each top's b and W products share its transverse energy around its direction. A leptonic W
    gives an electron, a muon or a tau (one in three each) carrying the share of one W jet, at
    its place; its neutrino is invisible. Electrons are narrow ECAL deposits, muons leave
    nothing, taus decay (cicada/data/synthetic/leptons.py)."""

    kind: Literal["top_pair_multijet"] = option("signal kind")
    top_pt_mean_gev: Number = option("mean top transverse momentum (exponential spectrum)", 100.0, ge=0.0)
    cluster_spread: Number = option("spread (eta, phi) of each top's three jets around the top direction", 0.6, ge=0.05)
    decay: Literal["all_hadronic", "semileptonic", "dileptonic", "inclusive"] = option(
        "how the two W bosons decay: all_hadronic (six jets), semileptonic (one W to a lepton and a neutrino), "
        "dileptonic (both), inclusive (each W to leptons with its branching fraction, 3 x 10.8%)",
        "all_hadronic",
    )


@synthetic_signal("top_pair_multijet", TopPairMultijet)
def add_top_pair(
    towers: np.ndarray, sample: TopPairMultijet, rng: np.random.Generator, ecal: EcalShare | None = None
) -> None:
    n = towers.shape[0]
    event = np.repeat(np.arange(n), 2)
    top_pt = rng.exponential(sample.top_pt_mean_gev, 2 * n)
    top_eta = rng.normal(0.0, 1.2, 2 * n)
    first_phi = rng.uniform(-np.pi, np.pi, n)
    top_phi = np.stack([first_phi, first_phi + np.pi + rng.normal(0, 0.5, n)], axis=1).ravel()
    top_et = np.sqrt(TOP_MASS_GEV**2 + top_pt**2)
    # t -> b q q': three jets sharing the top's transverse energy around its direction
    shares = rng.dirichlet(np.full(3, 2.0), 2 * n)
    jet_event = np.repeat(event, 3)
    jet_pt = (shares * top_et[:, None]).ravel()
    jet_eta = np.repeat(top_eta, 3) + rng.normal(0, sample.cluster_spread, jet_event.size)
    jet_phi = np.repeat(top_phi, 3) + rng.normal(0, sample.cluster_spread, jet_event.size)
    if sample.decay == "all_hadronic":  # the kind as it always was: no other draws
        add_jets(towers, jet_event, jet_pt, jet_eta, jet_phi, rng, ecal=ecal)
        return
    leptonic = _leptonic_tops(sample.decay, n, rng)
    # per top: jet 0 is the b, jets 1 and 2 the W's; a leptonic W's lepton takes jet 1's place
    role = np.tile(np.arange(3), 2 * n)
    top_leptonic = np.repeat(leptonic, 3)
    is_jet = ~top_leptonic | (role == 0)
    add_jets(towers, jet_event[is_jet], jet_pt[is_jet], jet_eta[is_jet], jet_phi[is_jet], rng, ecal=ecal)
    lepton = top_leptonic & (role == 1)
    flavour = rng.integers(0, 3, int(lepton.sum()))
    add_leptons(towers, jet_event[lepton], jet_pt[lepton], jet_eta[lepton], jet_phi[lepton], flavour, rng, ecal)


def _leptonic_tops(decay: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Which of the 2n tops (two per event, in order) have a leptonic W."""
    count = LEPTONIC_WS[decay]
    if count is None:
        return rng.random(2 * n) < 3 * W_TO_LEPTON_NU
    if count == 2:
        return np.ones(2 * n, dtype=bool)
    first = rng.integers(0, 2, n).astype(bool)  # semileptonic: which top's W gives the lepton
    return np.stack([first, ~first], axis=1).ravel()
