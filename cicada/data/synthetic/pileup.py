"""Synthetic pileup: zero-bias region images from a fast numpy model (the embedded default).

The model works at trigger-tower level (72 x 56 towers) and then applies the hardware
chain of :mod:`cicada.data.geometry`: floor to 0.5 GeV LSBs, tower saturation, 4 x 4 sums,
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
  ``EM_RESPONSE`` for electrons and photons, from :mod:`cicada.data.detector`).

The pileup parameters live in :class:`ZeroBiasModel`; its defaults are calibrated against
Pythia 8 (see ``tools/calibrate_zero_bias.py`` and ``cicada/data/reference/zero_bias_mu60.json``).

Signals (:mod:`cicada.data.signals`) add their particles to a fresh pileup event before
digitisation (:func:`tower_images`), so they sit on top of pileup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...core.progress import progress
from .. import geometry as geo
from .jets import add_jets

CHUNK_EVENTS = 2000


@dataclass(frozen=True)
class ZeroBiasModel:
    """The parameters of the synthetic pileup model (see the module docstring).

    The defaults are calibrated against Pythia 8 (CP5, 13.6 TeV) min-bias overlaid at
    mu = 60 with the detector response of :mod:`cicada.data.detector`; ``tools/calibrate_zero_bias.py``
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


PileupTowers = Callable[[int, float, np.random.Generator], np.ndarray]


def tower_images(
    n_events: int, pileup: float, rng, add_signal, label: str, pileup_towers: PileupTowers = zero_bias_towers
) -> np.ndarray:
    """Region images (N, 18, 14) uint16 of pileup (``pileup_towers``) plus ``add_signal(towers, rng)``
    (or nothing), made in chunks of ``CHUNK_EVENTS`` and digitised as the hardware does."""
    images = np.empty((n_events, *geo.REGION_SHAPE), dtype=np.uint16)
    with progress(n_events, label) as bar:
        for start in range(0, n_events, CHUNK_EVENTS):
            stop = min(start + CHUNK_EVENTS, n_events)
            towers = pileup_towers(stop - start, pileup, rng)
            if add_signal is not None:
                add_signal(towers, rng)
            images[start:stop] = geo.towers_to_regions(geo.digitise_towers(towers))
            bar.update(stop - start)
    return images


def zero_bias(
    n_events: int, pileup: float, rng: np.random.Generator, model: ZeroBiasModel = DEFAULT_MODEL
) -> np.ndarray:
    """Zero-bias region images (N, 18, 14), uint16."""

    def pileup_towers(n, mu, r):
        return zero_bias_towers(n, mu, r, model)

    return tower_images(n_events, pileup, rng, None, "zero-bias", pileup_towers)
