"""Synthetic pileup: zero-bias region images from a fast numpy model (the embedded default).

The model works at trigger-tower level (72 x 56 towers) and then applies the hardware
chain of :mod:`cicada.core.geometry`: floor to 0.5 GeV LSBs, tower saturation, 4 x 4 sums,
region saturation.

Zero-bias (pileup only):

* the number of interactions per crossing is Poisson(mu);
* each interaction's activity fluctuates (Gamma with shape ``activity_shape``, mean 1,
  as the negative-binomial multiplicity of minimum-bias does), so the event's activity is
  Gamma(shape * n_pu, 1 / shape);
* soft deposits fill the towers: a Poisson number per eta column of towers with mean
  proportional to the activity and the column's eta width, each in a random phi tower with
  an exponential ET (so each tower holds a Poisson number of them, a Gamma sum of ET); the
  measured density per unit eta is flat in the barrel and rises in the endcaps, where soft
  charged particles reach the calorimeter instead of curling away;
* hard scatters (:mod:`.scatters`): each interaction's hardest parton scatter, above the
  spectrum's first knot, makes a dijet; the crossing's largest pT-hat is recorded, which is
  what stitches the weighted slices (:mod:`cicada.data.slices`) to the zero-bias events;
* with region bits (``bits=True``), each tower's ECAL part: a soft deposit is a photon (its ET
  in the ECAL) with the eta-dependent probability :data:`.ecal.SOFT_EM_SHARE` (Pythia's EM share
  of min-bias ET), a jet constituent when it was measured with the EM response; drawn from the
  side stream :data:`.ecal.BITS_STREAM`, so the ET of every tower is the same with or without
  bits. The Layer-1 logic (:mod:`cicada.data.layer1`) then sets each region's veto bits.

The parameters live in :class:`ZeroBiasModel`; its defaults are calibrated against Pythia 8
min-bias and hard-QCD slices (see ``tools/calibrate_zero_bias.py`` and the statistics in
``cicada/data/reference/``).

Signals (:mod:`cicada.data.signals`) add their particles to a fresh pileup event before
digitisation (:func:`tower_images`), so they sit on top of pileup.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from ...core import geometry as geo
from ...core.progress import progress
from ...core.seeds import side_stream
from ..layer1 import regions_from_towers
from ..region_bits import empty_images
from ..slices import Crossings, WeightedCrossings, slice_bounds, slice_weights
from .ecal import BITS_STREAM, COLUMN_EM_SHARE, EcalShare
from .scatters import (
    GEV_PER_CONSTITUENT,
    MAX_CONSTITUENTS,
    MAX_JET_WIDTH,
    Spectrum,
    constituent_towers,
    jet_constituents,
)

#: Crossings generated per vectorised step, each from its own random stream; results depend on it.
CHUNK_EVENTS = 1000
#: Threads generating chunks (results do not depend on it): the two cores of a small machine.
WORKERS = min(2, os.cpu_count() or 1)

#: P(pT-hat > t) per inelastic interaction at 13.6 TeV (Pythia 8 CP5): the min-bias pool's
#: hardest-interaction pT-hat below 30 GeV, the hard-QCD slices' cross sections above
#: (over sigma_inel = 78.96 mb); measured by tools/calibrate_zero_bias.py (pythia_facts in
#: reference/zero_bias_tail_mu60.json). Scatters below 10 GeV are left to the soft deposits:
#: their few-GeV hadrons spread wide and curl away in the barrel, unlike a jet.
PYTHIA_PT_HAT_SPECTRUM = (
    (10, 0.05695),
    (15, 0.01615),
    (20, 0.0059),
    (30, 0.001662),
    (45, 0.0003746),
    (70, 6.606e-05),
    (100, 1.542e-05),
    (150, 2.697e-06),
    (220, 4.761e-07),
    (330, 6.685e-08),
    (500, 7.764e-09),
)


@dataclass(frozen=True)
class ZeroBiasModel:
    """The parameters of the synthetic pileup model (see the module docstring).

    The defaults are calibrated against Pythia 8 (CP5, 13.6 TeV) min-bias overlaid at
    mu = 60 and hard-QCD pT-hat slices, with the detector response of :mod:`cicada.core.detector`;
    ``tools/calibrate_zero_bias.py`` redoes the fit and writes the reference statistics the tests check.
    """

    #: measured soft ET per unit eta and interaction at central eta (GeV), besides the scatters
    measured_det_deta_gev: float = 3.05
    #: measured density relative to central eta at |eta| knots (endcap particles do not curl away)
    endcap_shape: tuple[tuple[float, float], ...] = ((0.0, 1.0), (1.5, 1.05), (2.0, 1.3), (2.6, 1.3), (3.0, 1.35))
    #: mean measured ET of one soft deposit (GeV): sets how grainy pileup is
    deposit_et_gev: float = 0.35
    #: Gamma shape of one interaction's activity (smaller: larger event-to-event fluctuations)
    activity_shape: float = 0.55
    #: P(pT-hat > t) per interaction, (t GeV, probability) knots; the first knot is the softest scatter
    scatter_spectrum: tuple[tuple[float, float], ...] = PYTHIA_PT_HAT_SPECTRUM
    #: widths of the dijets' rapidity boost and half rapidity difference, per unit of ln(sqrt(s) / 2 pT-hat)
    boost_width: float = 0.3285
    ystar_width: float = 0.2551
    #: log-normal width of a parton's pT around pT-hat
    pt_spread: float = 0.2709
    #: fraction of a jet's constituents that are photons (EM response) rather than hadrons
    em_fraction: float = 0.1791
    #: Gaussian spread (eta and phi) of a 30 GeV jet's constituents; scales as 1 / sqrt(pT)
    jet_width: float = 0.1167
    #: mean fraction of a parton's pT radiated into a wide-angle jet, and that jet's distance
    radiation_fraction: float = 0.1625
    radiation_distance: float = 0.85
    #: a jet is split into one constituent per this much pT, at most max_constituents, spread at most max_jet_width
    gev_per_constituent: float = GEV_PER_CONSTITUENT
    max_constituents: int = MAX_CONSTITUENTS
    max_jet_width: float = MAX_JET_WIDTH
    #: share of the soft deposits emitted in sprays (0: none, every soft deposit on its own)
    spray_fraction: float = 0.0
    #: mean soft deposits per spray, and the sprays' Gaussian width in eta and phi
    spray_deposits: float = 8.0
    spray_width: float = 0.15

    def column_deposits_per_interaction(self) -> np.ndarray:
        """Mean number of soft deposits per column of 72 towers (by tower eta) per interaction at unit activity."""
        knots, factors = np.array(self.endcap_shape).T
        density = self.measured_det_deta_gev * np.interp(np.abs(geo.TOWER_ETA_CENTRES), knots, factors)
        return density * geo.TOWER_ETA_WIDTHS / self.deposit_et_gev

    @cached_property
    def spectrum(self) -> Spectrum:
        return Spectrum(self.scatter_spectrum)

    @property
    def scatter_pt_min_gev(self) -> float:
        return float(self.scatter_spectrum[0][0])


#: v1: calibrated on the hottest regions, 3x3 jets, an HT-like sum and total ET (tools/calibrate_zero_bias.py)
DEFAULT_MODEL = ZeroBiasModel()
#: v2: also on what an anomaly score sees, the texture of the images: a share of the soft deposits in sprays
#: (tools/calibrate_zero_bias_texture.py --fit against a Pythia 8 reference at mu = 60; statistics in
#: tools/calibration/zero_bias_texture_mu60.json)
TEXTURE_MODEL = ZeroBiasModel(
    deposit_et_gev=0.33,
    activity_shape=0.475,
    spray_fraction=0.1833,
    spray_deposits=33.0,
    spray_width=0.3958,
)
#: The models ``data.synthetic_model`` chooses between, by name.
MODELS = {"v1": DEFAULT_MODEL, "v2": TEXTURE_MODEL}


def _crossing_towers(
    n_events: int,
    pileup: float,
    rng: np.random.Generator,
    model: ZeroBiasModel,
    hard_pt_hat: np.ndarray | None = None,
    hard_tail: np.ndarray | None = None,
    side: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Measured tower ET (GeV, float64, (N, 72, 56)) of crossings before digitisation, its ECAL
    part (with a ``side`` stream for the EM choices; else None), the number of interactions and
    the largest pT-hat (0 without a scatter).

    Without ``hard_pt_hat``: Poisson(pileup) interactions. With it: one interaction whose
    scatter has that pT-hat plus Poisson(pileup (1 - hard_tail)) others whose scatters stay
    below it (``hard_tail`` = P(pT-hat > hard_pt_hat), see :mod:`cicada.data.slices`).
    """
    spectrum = model.spectrum
    p_scatter = float(spectrum.tail(model.scatter_pt_min_gev))
    if hard_pt_hat is None:
        n_pu = rng.poisson(pileup, size=n_events)
        others, ceiling, p_other = n_pu, np.full(n_events, np.inf), np.full(n_events, p_scatter)
    else:
        others = rng.poisson(pileup * (1.0 - hard_tail))
        n_pu = others + 1
        ceiling = hard_pt_hat
        p_other = np.clip((p_scatter - hard_tail) / (1.0 - hard_tail), 0.0, 1.0)

    shape = model.activity_shape
    activity = rng.gamma(shape * np.maximum(n_pu, 1e-9), 1.0 / shape) * (n_pu > 0)
    per_column = model.column_deposits_per_interaction()
    if model.spray_fraction > 0:  # the sprays carry this share of the soft deposits (drawn below)
        per_column = per_column * (1.0 - model.spray_fraction)
    counts = rng.poisson(activity[:, None] * per_column[None, :])
    column = (np.arange(n_events)[:, None] * geo.N_TOWER_PHI * geo.N_TOWER_ETA + np.arange(geo.N_TOWER_ETA)).ravel()
    n_soft = int(counts.sum())
    soft_et = rng.standard_exponential(n_soft, dtype=np.float32)
    soft_et *= np.float32(model.deposit_et_gev)
    soft_tower = rng.integers(0, geo.N_TOWER_PHI, n_soft)
    soft_tower *= geo.N_TOWER_ETA
    soft_tower += np.repeat(column, counts.ravel())
    towers = np.bincount(soft_tower, weights=soft_et, minlength=n_events * geo.N_TOWER_PHI * geo.N_TOWER_ETA)

    n_scatters = rng.binomial(others, p_other)
    event = np.repeat(np.arange(n_events), n_scatters)
    pt_hat = spectrum.sample(rng, model.scatter_pt_min_gev, ceiling[event])
    if hard_pt_hat is not None:
        event = np.concatenate([event, np.arange(n_events)])
        pt_hat = np.concatenate([pt_hat, hard_pt_hat])
    hardest = np.zeros(n_events)
    np.maximum.at(hardest, event, pt_hat)

    scatter, jet_et, eta, phi, jet_em = jet_constituents(pt_hat, rng, model)
    jet_flat, inside = constituent_towers(event[scatter], eta, phi)
    np.add.at(towers, jet_flat[inside], jet_et[inside])
    sprays = _sprays(activity, rng, model) if model.spray_fraction > 0 else None
    if sprays is not None:
        np.add.at(towers, sprays[0], sprays[1])
    ecal = None
    if side is not None:
        soft_em = side.random(n_soft) < COLUMN_EM_SHARE[soft_tower % geo.N_TOWER_ETA]
        ecal = np.bincount(soft_tower[soft_em], weights=soft_et[soft_em], minlength=towers.size)
        np.add.at(ecal, jet_flat[inside & jet_em], jet_et[inside & jet_em])
        if sprays is not None:
            spray_em = side.random(sprays[0].size) < COLUMN_EM_SHARE[sprays[0] % geo.N_TOWER_ETA]
            np.add.at(ecal, sprays[0][spray_em], sprays[1][spray_em])
        ecal = ecal.reshape(n_events, *geo.TOWER_SHAPE)
    return towers.reshape(n_events, *geo.TOWER_SHAPE), ecal, n_pu, hardest


def _sprays(activity: np.ndarray, rng: np.random.Generator, model: ZeroBiasModel) -> tuple[np.ndarray, np.ndarray]:
    """Soft deposits in sprays: ``spray_fraction`` of each event's soft deposits (on average), grouped in sprays of
    Poisson(``spray_deposits``) (at least one) around a centre drawn from the soft eta density and a random phi,
    spread as a Gaussian of ``spray_width`` in eta and phi; each deposit's ET exponential like the others'.
    Returns each deposit's flat tower index (those within |eta| < 3) and its ET (GeV)."""
    per_column = model.column_deposits_per_interaction()
    mean_deposits = activity * per_column.sum() * model.spray_fraction
    n_sprays = rng.poisson(mean_deposits / model.spray_deposits)
    event = np.repeat(np.arange(activity.size), n_sprays)
    column = rng.choice(geo.N_TOWER_ETA, size=event.size, p=per_column / per_column.sum())
    low, high = geo.TOWER_ETA_EDGES[column], geo.TOWER_ETA_EDGES[column + 1]
    centre_eta = low + (high - low) * rng.random(event.size)
    centre_phi = rng.uniform(-np.pi, np.pi, event.size)
    size = np.maximum(rng.poisson(model.spray_deposits, event.size), 1)
    spray = np.repeat(np.arange(event.size), size)
    offset = rng.standard_normal((2, spray.size)) * model.spray_width
    et = rng.standard_exponential(spray.size) * model.deposit_et_gev
    flat, inside = constituent_towers(event[spray], centre_eta[spray] + offset[0], centre_phi[spray] + offset[1])
    return flat[inside], et[inside]


def zero_bias_towers(
    n_events: int, pileup: float, rng: np.random.Generator, model: ZeroBiasModel = DEFAULT_MODEL
) -> np.ndarray:
    """Measured tower ET (GeV, float64, (N, 72, 56)) of pileup-only crossings, before digitisation."""
    return _crossing_towers(n_events, pileup, rng, model)[0]


def zero_bias_tower_layers(
    n_events: int,
    pileup: float,
    rng: np.random.Generator,
    side: np.random.Generator,
    model: ZeroBiasModel = DEFAULT_MODEL,
) -> tuple[np.ndarray, np.ndarray]:
    """The towers of :func:`zero_bias_towers` (same draws from ``rng``) and their ECAL part, whose
    EM choices draw from ``side``."""
    towers, ecal, _, _ = _crossing_towers(n_events, pileup, rng, model, side=side)
    return towers, ecal


PileupTowers = Callable[[int, float, np.random.Generator], np.ndarray]
PileupLayers = Callable[[int, float, np.random.Generator, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def tower_images(
    n_events: int,
    pileup: float,
    rng,
    add_signal,
    label: str,
    pileup_towers: PileupTowers = zero_bias_towers,
    pileup_layers: PileupLayers | None = None,
) -> np.ndarray:
    """Region images (N, 18, 14) of pileup (``pileup_towers``) plus ``add_signal(towers, rng, ecal)``
    (or nothing), made in chunks of ``CHUNK_EVENTS`` and digitised as the hardware does.

    With ``pileup_layers`` (pileup towers and their ECAL part, :func:`zero_bias_tower_layers`) the
    images carry region bits and ``ecal`` is an :class:`~.ecal.EcalShare`; without, they are
    ET-only and ``ecal`` is None. Chunks draw from streams spawned from ``rng`` as
    :func:`zero_bias_crossings` does, so a signal made from the same stream as a zero-bias sample
    sits on exactly its pileup."""
    images = empty_images(n_events, pileup_layers is not None)

    def chunk(start: int, stop: int, stream: np.random.Generator) -> None:
        if pileup_layers is None:
            towers, share = pileup_towers(stop - start, pileup, stream), None
        else:
            side = side_stream(stream, BITS_STREAM)
            towers, ecal = pileup_layers(stop - start, pileup, stream, side)
            share = EcalShare(ecal, side)
        if add_signal is not None:
            add_signal(towers, stream, share)
        images[start:stop] = regions_from_towers(towers, None if share is None else share.towers)

    _in_chunks(n_events, rng, label, chunk)
    return images


def _in_chunks(n_events: int, rng: np.random.Generator, label: str, chunk) -> None:
    """Run ``chunk(start, stop, stream)`` over chunks of ``CHUNK_EVENTS``, each with its own stream
    spawned from ``rng``, on ``WORKERS`` threads: the result does not depend on how many (numpy
    releases the GIL in its random draws and array arithmetic)."""
    starts = list(range(0, n_events, CHUNK_EVENTS))
    streams = rng.spawn(len(starts))

    def run(i: int) -> int:
        start, stop = starts[i], min(starts[i] + CHUNK_EVENTS, n_events)
        chunk(start, stop, streams[i])
        return stop - start

    with progress(n_events, label) as bar, ThreadPoolExecutor(WORKERS) as pool:
        for done in pool.map(run, range(len(starts))):
            bar.update(done)


def _crossings(
    n_events: int,
    pileup: float,
    rng,
    model: ZeroBiasModel,
    label: str,
    hard_pt_hat=None,
    hard_tail=None,
    bits: bool = False,
) -> Crossings:
    images = empty_images(n_events, bits)
    n_pu = np.empty(n_events, dtype=np.int64)
    hardest = np.empty(n_events)

    def chunk(start: int, stop: int, stream: np.random.Generator) -> None:
        hard = (hard_pt_hat[start:stop], hard_tail[start:stop]) if hard_pt_hat is not None else (None, None)
        side = side_stream(stream, BITS_STREAM) if bits else None
        towers, ecal, n_pu[start:stop], hardest[start:stop] = _crossing_towers(
            stop - start, pileup, stream, model, *hard, side=side
        )
        images[start:stop] = regions_from_towers(towers, ecal)

    _in_chunks(n_events, rng, label, chunk)
    return Crossings(images, n_pu, hardest)


def zero_bias_crossings(
    n_events: int, pileup: float, rng: np.random.Generator, model: ZeroBiasModel = DEFAULT_MODEL, bits: bool = False
) -> Crossings:
    """Zero-bias crossings: images (N, 18, 14) (ET-only uint16, or with region bits), interactions
    and largest pT-hat of each."""
    return _crossings(n_events, pileup, rng, model, "zero-bias", bits=bits)


def zero_bias(
    n_events: int, pileup: float, rng: np.random.Generator, model: ZeroBiasModel = DEFAULT_MODEL
) -> np.ndarray:
    """Zero-bias region images (N, 18, 14), uint16."""
    return zero_bias_crossings(n_events, pileup, rng, model).images


def slice_crossings(
    edges,
    events: int,
    pileup: float,
    rng: np.random.Generator,
    model: ZeroBiasModel = DEFAULT_MODEL,
    bits: bool = False,
) -> WeightedCrossings:
    """``events`` crossings per pT-hat slice of ``edges`` (the last open above), each with one
    scatter in the slice, weighted by the share of crossings it stands for (:mod:`cicada.data.slices`)."""
    spectrum = model.spectrum
    bounds = slice_bounds(edges)
    if bounds[0][0] < model.scatter_pt_min_gev:
        raise ValueError(
            f"slices start at {bounds[0][0]:g} GeV, below the softest modelled scatter ({model.scatter_pt_min_gev:g} GeV)"
        )
    parts, weights, index, probabilities = [], [], [], []
    for i, (low, high) in enumerate(bounds):
        pt_hat = spectrum.sample(rng, np.full(events, low), high)
        tail = spectrum.tail(pt_hat)
        probability = float(spectrum.tail(low) - (0.0 if np.isinf(high) else spectrum.tail(high)))
        probabilities.append(probability)
        parts.append(_crossings(events, pileup, rng, model, f"slice {low:g}-{high:g} GeV", pt_hat, tail, bits))
        weights.append(slice_weights(tail, probability, pileup))
        index.append(np.full(events, i))
    return WeightedCrossings(
        images=np.concatenate([p.images for p in parts]),
        n_pileup=np.concatenate([p.n_pileup for p in parts]),
        pt_hat_gev=np.concatenate([p.pt_hat_gev for p in parts]),
        weights=np.concatenate(weights),
        slice_index=np.concatenate(index),
        slice_probability=np.array(probabilities),
    )
