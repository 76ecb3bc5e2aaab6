"""A top-quark pair decaying fully hadronically: six jets in two three-jet clusters."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import Number, option
from ..synthetic.jets import add_jets
from . import SignalSample, synthetic_signal

TOP_MASS_GEV = 172.5


class TopPairMultijet(SignalSample):
    """A top-quark pair decaying fully hadronically: six jets in two three-jet clusters."""

    kind: Literal["top_pair_multijet"] = option("signal kind")
    top_pt_mean_gev: Number = option("mean top transverse momentum (exponential spectrum)", 100.0, ge=0.0)
    cluster_spread: Number = option("spread (eta, phi) of each top's three jets around the top direction", 0.6, ge=0.05)


@synthetic_signal("top_pair_multijet", TopPairMultijet)
def add_top_pair(towers: np.ndarray, sample: TopPairMultijet, rng: np.random.Generator) -> None:
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
    add_jets(towers, jet_event, jet_pt, jet_eta, jet_phi, rng)
