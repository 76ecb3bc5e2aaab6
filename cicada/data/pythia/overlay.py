"""Pileup overlay: Poisson(mu) pool events per crossing, plus a signal, to region images.

With region bits (``bits=True``) the towers' ECAL part is overlaid beside their ET, from the
same draws (:attr:`PileupPool.ecal_et_gev`, :attr:`Deposits.ecal_et_gev`), and the Layer-1 logic
(:mod:`cicada.data.layer1`) sets each region's bits; the images' ET is the same either way."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ...core import geometry as geo
from ...core.detector import DetectorResponse
from ...core.progress import progress as progress_bar
from ...core.seeds import numpy_stream
from ..layer1 import regions_from_towers
from ..region_bits import empty_images
from ..slices import Crossings
from .generation import ProgressCallback, generate_deposits
from .pool import PileupPool
from .processes import require
from .response import Deposits

OVERLAY_CHUNK_IMAGES = 256  # images overlaid per vectorised step; results depend on it

_TOWERS_PER_EVENT = geo.N_TOWER_PHI * geo.N_TOWER_ETA


@dataclass(frozen=True, eq=False)
class _OverlaySource:
    """A pool laid out for overlay: flat tower indices, plain and eta-mirrored, back to back,
    and the events' pT-hat (for crossings whose pileup must stay below a hard scatter)."""

    flat: np.ndarray  # tower_phi * 56 + tower_eta, then the same with tower_eta -> 55 - tower_eta
    et_gev: np.ndarray  # float64 ET, twice
    starts: np.ndarray
    lengths: np.ndarray
    n_deposits: int
    pt_hat: np.ndarray  # per pool event, GeV
    by_pt_hat: np.ndarray  # pool events in increasing pT-hat
    sorted_pt_hat: np.ndarray
    ecal_gev: np.ndarray | None = None  # float64 ECAL part of the ET, twice; None without region bits

    @classmethod
    def of(cls, pool: PileupPool, bits: bool = False) -> "_OverlaySource":
        phi = pool.tower_phi.astype(np.int64) * geo.N_TOWER_ETA
        eta = pool.tower_eta.astype(np.int64)
        flat = np.concatenate([phi + eta, phi + (geo.N_TOWER_ETA - 1 - eta)])
        et = np.tile(pool.et_gev.astype(np.float64), 2)
        pt_hat = pool.pt_hats()
        order = np.argsort(pt_hat, kind="stable")
        ecal = None
        if bits:
            require(pool.ecal_et_gev is not None, "region bits need a pool with the towers' ECAL part (regenerate it)")
            ecal = np.tile(pool.ecal_et_gev.astype(np.float64), 2)
        return cls(
            flat, et, pool.offsets[:-1], np.diff(pool.offsets), pool.n_deposits, pt_hat, order, pt_hat[order], ecal
        )


def _pileup_tower_chunk(
    source: _OverlaySource, n_images: int, mu, rng: np.random.Generator, below: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Float32 tower maps (n_images, 72, 56) in GeV of Poisson(mu) pool events per image, their
    ECAL part (None unless the source has it), the number of events and the largest pT-hat among them.

    Each interaction is a random pool event turned by a random number of towers in phi and
    mirrored in eta with probability 1/2. Turning in phi is an addition of 56 * shift to the
    flat index into a map twice as long in phi, whose halves are then added: no modulo per
    deposit, and one bincount for all deposits of the chunk. ``mu`` may differ per image;
    ``below`` (per image) limits the events drawn to those with a smaller pT-hat.
    """
    n_pileup = rng.poisson(mu, size=n_images)
    n_interactions = int(n_pileup.sum())
    image = np.repeat(np.arange(n_images, dtype=np.int64), n_pileup)
    if below is None:
        picks = rng.integers(0, len(source.lengths), size=n_interactions)
    else:
        allowed = np.searchsorted(source.sorted_pt_hat, below, side="left")
        require(bool(np.all(allowed[n_pileup > 0] > 0)), "the min-bias pool has no event soft enough for the pileup")
        picks = source.by_pt_hat[(rng.random(n_interactions) * allowed[image]).astype(np.int64)]
    shifts = rng.integers(0, geo.N_TOWER_PHI, size=n_interactions)
    mirrored = rng.integers(0, 2, size=n_interactions)

    lengths = source.lengths[picks]
    out_starts = np.cumsum(lengths) - lengths
    read_shift = source.starts[picks] + mirrored * source.n_deposits - out_starts
    write_shift = image * (2 * _TOWERS_PER_EVENT) + shifts * geo.N_TOWER_ETA

    read = np.repeat(read_shift, lengths)
    read += np.arange(read.size, dtype=np.int64)
    write = source.flat[read]
    write += np.repeat(write_shift, lengths)
    hardest = np.zeros(n_images)
    np.maximum.at(hardest, image, source.pt_hat[picks])
    towers = _fold(write, source.et_gev[read], n_images)
    ecal = None if source.ecal_gev is None else _fold(write, source.ecal_gev[read], n_images)
    return towers, ecal, n_pileup, hardest


def _fold(write: np.ndarray, weights: np.ndarray, n_images: int) -> np.ndarray:
    """Sum weights into maps twice as long in phi, then add the halves (see above)."""
    doubled = np.bincount(write, weights=weights, minlength=n_images * 2 * _TOWERS_PER_EVENT)
    doubled = doubled.reshape(n_images, 2, geo.N_TOWER_PHI, geo.N_TOWER_ETA)
    # float32 like geometry.particles_to_regions; digitising float32 is also ~5x faster
    return np.add(doubled[:, 0], doubled[:, 1], dtype=np.float32)


def _check_overlay_inputs(pool: PileupPool | None, mu: float) -> None:
    require(np.isfinite(mu) and mu >= 0, f"pileup mu must be a non-negative number (got {mu!r})")
    if mu > 0:
        require(pool is not None and pool.n_events > 0, "pileup overlay with mu > 0 needs a non-empty min-bias pool")


def pileup_towers(pool: PileupPool | None, n_images: int, mu: float, rng: np.random.Generator) -> np.ndarray:
    """Float32 tower maps (n_images, 72, 56) in GeV of pileup only (same draws as the overlay)."""
    return _pileup_layers(pool, n_images, mu, rng, False)[0]


def pileup_tower_layers(
    pool: PileupPool | None, n_images: int, mu: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The towers of :func:`pileup_towers` (same draws) and their ECAL part."""
    towers, ecal = _pileup_layers(pool, n_images, mu, rng, True)
    return towers, ecal


def _pileup_layers(pool, n_images: int, mu: float, rng, bits: bool):
    _check_overlay_inputs(pool, mu)
    towers = np.zeros((n_images, *geo.TOWER_SHAPE), dtype=np.float32)
    ecal = np.zeros_like(towers) if bits else None
    if mu == 0 or n_images == 0:
        return towers, ecal
    source = _OverlaySource.of(pool, bits)
    for start in range(0, n_images, OVERLAY_CHUNK_IMAGES):
        stop = min(start + OVERLAY_CHUNK_IMAGES, n_images)
        towers[start:stop], chunk_ecal, _, _ = _pileup_tower_chunk(source, stop - start, mu, rng)
        if ecal is not None:
            ecal[start:stop] = chunk_ecal
    return towers, ecal


def pileup_regions(
    pool: PileupPool | None,
    n_images: int,
    mu: float,
    rng: np.random.Generator,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Zero-bias region images (n_images, 18, 14) uint16: Poisson(mu) pool events each."""
    return pileup_crossings(pool, n_images, mu, rng, progress).images


def pileup_crossings(
    pool: PileupPool | None,
    n_images: int,
    mu: float,
    rng: np.random.Generator,
    progress: ProgressCallback | None = None,
    bits: bool = False,
) -> Crossings:
    """Zero-bias crossings: the images of :func:`pileup_regions` (same draws) with each one's
    number of interactions and the largest pT-hat among them; with ``bits`` images with region bits."""
    return _overlay(None, pool, mu, rng, int(n_images), progress, bits)


def overlay_regions(
    signal: Deposits | None,
    pool: PileupPool | None,
    mu: float,
    rng: np.random.Generator,
    *,
    n_images: int | None = None,
    progress: ProgressCallback | None = None,
    bits: bool = False,
) -> np.ndarray:
    """Region images (N, 18, 14) of ``signal`` deposits on Poisson(mu) pileup: uint16 ET, or
    with ``bits`` images with region bits.

    Signal and pileup are added as float tower ET, then digitised (0.5 GeV LSB, saturation)
    and summed to regions with :mod:`cicada.core.geometry`, as the hardware does. ``N`` is the
    signal's event count, or ``n_images`` without a signal. Results depend on ``rng`` and
    on :data:`OVERLAY_CHUNK_IMAGES`.
    """
    n = signal.n_events if signal is not None else int(n_images or 0)
    require(signal is None or n_images in (None, n), "overlay_regions: n_images must match the signal's event count")
    return _overlay(signal, pool, mu, rng, n, progress, bits).images


def _overlay(
    signal: Deposits | None,
    pool: PileupPool | None,
    mu: float,
    rng: np.random.Generator,
    n: int,
    progress: ProgressCallback | None,
    bits: bool = False,
) -> Crossings:
    _check_overlay_inputs(pool, mu)
    source = _OverlaySource.of(pool, bits) if mu > 0 else None
    signal = _sorted_by_event(signal) if signal is not None else None
    images = empty_images(n, bits)
    n_pileup = np.zeros(n, dtype=np.int64)
    hardest = np.zeros(n)
    with progress_bar(n, "pileup overlay", unit="images") as bar:
        for start in range(0, n, OVERLAY_CHUNK_IMAGES):
            stop = min(start + OVERLAY_CHUNK_IMAGES, n)
            if source is not None:
                towers, ecal, n_pileup[start:stop], hardest[start:stop] = _pileup_tower_chunk(
                    source, stop - start, mu, rng
                )
            else:
                towers = np.zeros((stop - start, *geo.TOWER_SHAPE), dtype=np.float32)
                ecal = np.zeros_like(towers) if bits else None
            if signal is not None:
                _add_signal(towers, ecal, signal, start, stop)
            images[start:stop] = regions_from_towers(towers, ecal)
            bar.update(stop - start)
            if progress is not None:
                progress(stop, n)
    return Crossings(images, n_pileup, hardest)


def hard_scatter_crossings(
    hard: PileupPool, pool: PileupPool, mu: float, tail: np.ndarray, rng: np.random.Generator, bits: bool = False
) -> Crossings:
    """Crossings made of each event of the ``hard`` pool (as generated, not turned) plus
    Poisson(mu (1 - tail)) pileup events of ``pool`` with a smaller pT-hat than the hard one's
    (see :mod:`cicada.data.slices`; ``tail`` is F(pT-hat) per hard event); with ``bits`` images
    with region bits (both pools need their towers' ECAL part)."""
    _check_overlay_inputs(pool, mu)
    n = hard.n_events
    pt_hat = hard.pt_hats()
    source = _OverlaySource.of(pool, bits)
    require(not bits or hard.ecal_et_gev is not None, "region bits need a hard-scatter pool with the ECAL part")
    images = empty_images(n, bits)
    n_pileup = np.zeros(n, dtype=np.int64)
    with progress_bar(n, "hard scatters on pileup", unit="images") as bar:
        for start in range(0, n, OVERLAY_CHUNK_IMAGES):
            stop = min(start + OVERLAY_CHUNK_IMAGES, n)
            mean = mu * (1.0 - np.asarray(tail[start:stop], dtype=np.float64))
            towers, ecal, n_pileup[start:stop], _ = _pileup_tower_chunk(
                source, stop - start, mean, rng, pt_hat[start:stop]
            )
            lo, hi = hard.offsets[start], hard.offsets[stop]
            event = np.repeat(np.arange(stop - start), np.diff(hard.offsets[start : stop + 1]))
            where = (event, hard.tower_phi[lo:hi], hard.tower_eta[lo:hi])
            np.add.at(towers, where, hard.et_gev[lo:hi])
            if ecal is not None:
                np.add.at(ecal, where, hard.ecal_et_gev[lo:hi])
            images[start:stop] = regions_from_towers(towers, ecal)
            bar.update(stop - start)
    return Crossings(images, n_pileup + 1, pt_hat)


def _sorted_by_event(deposits: Deposits) -> Deposits:
    if np.all(np.diff(deposits.event) >= 0):
        return deposits
    order = np.argsort(deposits.event, kind="stable")
    return dataclasses.replace(
        deposits,
        event=deposits.event[order],
        et_gev=deposits.et_gev[order],
        eta=deposits.eta[order],
        phi=deposits.phi[order],
        ecal_et_gev=None if deposits.ecal_et_gev is None else deposits.ecal_et_gev[order],
    )


def _add_signal(towers: np.ndarray, ecal: np.ndarray | None, signal: Deposits, start: int, stop: int) -> None:
    """Add the deposits of signal events start..stop-1 into ``towers`` (indexed from start), and
    their ECAL part into ``ecal`` when given."""
    lo, hi = np.searchsorted(signal.event, [start, stop])
    event, eta, phi = signal.event[lo:hi] - start, signal.eta[lo:hi], signal.phi[lo:hi]
    geo.deposit(towers, event, signal.et_gev[lo:hi], eta, phi)
    if ecal is not None:
        geo.deposit(ecal, event, signal.electromagnetic_et()[lo:hi], eta, phi)


def regions(
    process: str,
    n_events: int,
    seed: int,
    *,
    pool: PileupPool | None = None,
    mu: float = 60.0,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
    **params,
) -> np.ndarray:
    """Region images (n_events, 18, 14) uint16 of ``process`` with Poisson(mu) pileup from ``pool``.

    The Pythia seed is ``seed``; the overlay draws from the numpy stream ``(seed, process)`` of :mod:`cicada.core.seeds`.
    Use ``mu=0`` (and no pool) for images without pileup.
    """
    _check_overlay_inputs(pool, mu)
    signal = generate_deposits(process, n_events, seed, response=response, progress=progress, **params)
    return overlay_regions(signal, pool, mu, numpy_stream(seed, process))
