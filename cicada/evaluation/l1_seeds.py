"""Standard Level-1 seeds emulated from the same region images the anomaly trigger sees.

The anomaly trigger's worth is what it adds to the menu: its pure rate (events no other seed
takes) and the signal it catches that the other seeds miss. The regions (18 phi x 14 eta,
|eta| < 3, no forward calorimeter) allow three of the menu's unprescaled calorimeter seeds to be
emulated, each approximately:

* single jet: the largest 3x3-region sum (12 x 12 towers, about 1.0 x 1.05 in eta x phi, larger
  than the menu's 9 x 9-tower jets), over every position; phi wraps around, eta does not;
* HT: the sum of jet-like objects (3x3 sums centred on a region that is a local maximum) above a
  jet threshold, centred within |eta| < eta_max;
* missing ET: the magnitude of the vector sum of region ET over |eta| < 3. The menu's ETMHF adds
  the forward calorimeter (3 < |eta| < 5), which regions do not hold: this is ETM without HF.

The menu's jets and energy sums are corrected for pileup; here each eta ring's median region ET
(per event) stands for the pileup in every region of the ring and is subtracted: from a jet,
once per region it covers; for missing ET, regions below their ring's median count as empty.
Region ET is uncalibrated and the seeds are approximations: by default each seed's threshold is
fitted on the rate sample to the seed's rate in the menu (:mod:`.seed_fit`, the rates in
:mod:`cicada.core.l1_menu`); ``rates.seeds.thresholds: menu`` multiplies the menu's thresholds
(calibrated GeV) by the region response instead. Every quantity here is in GeV of region ET
(0.5 GeV LSBs times ET_LSB_GEV).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core import geometry as geo
from ..core import l1_menu
from ..data.hdf5 import CHUNK_ROWS, count_events, read_region_rows
from ..data.region_bits import region_et

if TYPE_CHECKING:
    from ..config.sections import BuildConfig

#: Per-event quantities the seeds cut on, by name.
QUANTITIES = ("leading_jet_gev", "ht_gev", "missing_et_gev")


def _padded(images) -> np.ndarray:
    """ET counts (int32) laid out (phi, eta, event) with one region added on every side: phi wrapped
    around, eta empty (nothing beyond |eta| = 3). Events last, so that every shifted view below
    runs over long contiguous rows."""
    images = np.asarray(images)
    padded = np.zeros((geo.N_PHI + 2, geo.N_ETA + 2, images.shape[0]), dtype=np.int32)
    padded[1:-1, 1:-1] = images.transpose(1, 2, 0)
    padded[0], padded[-1] = padded[-2], padded[1]  # phi wraps around
    return padded


def _neighbour(padded: np.ndarray, dphi: int, deta: int) -> np.ndarray:
    """Neighbour (dphi, deta) of every region: (18, 14, N)."""
    return padded[1 + dphi : 1 + dphi + geo.N_PHI, 1 + deta : 1 + deta + geo.N_ETA]


def _events_first(values: np.ndarray) -> np.ndarray:
    return np.moveaxis(values, -1, 0)


def _window_sums(padded: np.ndarray) -> np.ndarray:
    """3x3 sums (18, 14, N) of a padded array, eta then phi."""
    along_eta = padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]
    return along_eta[:-2] + along_eta[1:-1] + along_eta[2:]


def _local_maxima(padded: np.ndarray) -> np.ndarray:
    centre = _neighbour(padded, 0, 0)
    before = np.zeros_like(centre)
    after = np.zeros_like(centre)
    for dphi in (-1, 0, 1):
        for deta in (-1, 0, 1):
            if (dphi, deta) < (0, 0):
                np.maximum(before, _neighbour(padded, dphi, deta), out=before)
            elif (dphi, deta) > (0, 0):
                np.maximum(after, _neighbour(padded, dphi, deta), out=after)
    return (centre > before) & (centre >= after) & (centre > 0)


def jet_sums(images) -> np.ndarray:
    """3x3 region sums (GeV) centred on every region: (N, 18, 14). Phi wraps; beyond |eta| = 3 is empty."""
    return _events_first(_window_sums(_padded(images))) * geo.ET_LSB_GEV


def local_maxima(images) -> np.ndarray:
    """Regions whose ET is a local maximum of their 3x3 neighbourhood: (N, 18, 14) booleans.

    A region must beat the neighbours before it (lower phi, or the same phi and lower eta)
    strictly and match or beat those after it, so that of two equal neighbours exactly one is a
    maximum (as the Level-1 jet finder breaks ties); an empty region is never one.
    """
    return _events_first(_local_maxima(_padded(images)))


def central_columns(eta_max: float) -> np.ndarray:
    """The eta columns whose region centre lies within |eta| < eta_max (booleans, 14)."""
    return np.abs(geo.REGION_ETA_CENTRES) < eta_max


@dataclass(frozen=True)
class Emulation:
    """How the seed quantities are formed from regions (thresholds in region-ET GeV)."""

    #: jets entering HT need at least this ET (after pileup subtraction)
    ht_jet_gev: float
    #: jets entering HT are centred in eta columns whose centre lies within |eta| < this
    ht_eta_max: float
    #: subtract each ring's median region ET (jets: per region covered; missing ET: regions below
    #: their ring's median count as empty)
    pileup_subtraction: bool = True


def seed_quantities(images, emulation: Emulation) -> dict[str, np.ndarray]:
    """Every quantity of QUANTITIES for each event of ``images`` (N, 18, 14; either layout), in GeV."""
    padded = _padded(region_et(images))
    regions = _neighbour(padded, 0, 0)  # (18, 14, N) counts
    if emulation.pileup_subtraction:
        rho = np.median(regions, axis=0)  # (14, N) counts per region, each ring's median
    else:
        rho = np.zeros(regions.shape[1:])
    window_rho = rho.copy()  # pileup under a 3x3 window: 3 phi x (its eta column and the existing neighbours)
    window_rho[1:] += rho[:-1]
    window_rho[:-1] += rho[1:]
    jets = _window_sums(padded) - 3 * window_rho  # (18, 14, N), counts after subtraction
    found = _local_maxima(padded) & (jets >= emulation.ht_jet_gev / geo.ET_LSB_GEV)
    found &= central_columns(emulation.ht_eta_max)[:, None]
    per_phi = np.maximum(regions - rho, 0).sum(axis=1)  # (18, N)
    ex = np.cos(geo.REGION_PHI_CENTRES) @ per_phi
    ey = np.sin(geo.REGION_PHI_CENTRES) @ per_phi
    return {
        "leading_jet_gev": np.maximum(jets.max(axis=(0, 1)), 0) * geo.ET_LSB_GEV,
        "ht_gev": (jets * found).sum(axis=(0, 1)) * geo.ET_LSB_GEV,
        "missing_et_gev": np.hypot(ex, ey) * geo.ET_LSB_GEV,
    }


def leading_jet_gev(images, pileup_subtraction: bool = True) -> np.ndarray:
    """The largest 3x3-region sum of each event (GeV)."""
    return seed_quantities(images, Emulation(0.0, 0.0, pileup_subtraction))["leading_jet_gev"]


def ht_gev(images, jet_threshold_gev: float, eta_max: float, pileup_subtraction: bool = True) -> np.ndarray:
    """Sum of jet-like objects (3x3 sums at local maxima) with ET >= jet_threshold_gev centred in
    |eta| < eta_max (GeV)."""
    return seed_quantities(images, Emulation(jet_threshold_gev, eta_max, pileup_subtraction))["ht_gev"]


def missing_et_gev(images, pileup_subtraction: bool = True) -> np.ndarray:
    """Magnitude of the vector sum of region ET over the image (GeV); no forward calorimeter."""
    return seed_quantities(images, Emulation(0.0, 0.0, pileup_subtraction))["missing_et_gev"]


def file_seed_quantities(path: Path, emulation: Emulation) -> dict[str, np.ndarray]:
    """:func:`seed_quantities` of every event of a region file, read a chunk at a time."""
    n = count_events(path)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in QUANTITIES}
    for start in range(0, n, CHUNK_ROWS):
        images = read_region_rows(path, np.arange(start, min(start + CHUNK_ROWS, n)))
        for name, values in seed_quantities(images, emulation).items():
            parts[name].append(values)
    return {name: np.concatenate(values) if values else np.empty(0) for name, values in parts.items()}


@dataclass
class Seed:
    """One emulated seed: events with ``quantity >= region_threshold_gev`` pass."""

    name: str
    #: the 2025 menu seed it stands for
    menu_seed: str
    quantity: str
    #: the menu's threshold (calibrated GeV)
    menu_threshold_gev: float
    #: the threshold applied to region ET: the menu threshold x response, or fitted to the seed's menu rate
    region_threshold_gev: float
    description: str
    #: the seed's rate in the menu (kHz), which a fitted threshold reproduces on the rate sample
    target_rate_khz: float | None = None
    #: where that rate comes from
    target_rate_source: str = ""
    #: whether that rate was measured (False: assumed; None: given in the config)
    target_rate_measured: bool | None = None
    #: the menu threshold x response (region-ET GeV), whichever threshold is applied
    menu_region_threshold_gev: float | None = None


def region_response(config: "BuildConfig") -> tuple[float, str]:
    """Region ET per calibrated GeV for the seeds, and where the number comes from."""
    seeds, data = config.rates.seeds, config.data
    if seeds.response is not None:
        return seeds.response, "rates.seeds.response in the config"
    if data.generator == "pythia":
        return data.pythia.response.hadron_response, "the Pythia generator's hadron response, data.pythia.response"
    if data.generator == "files":
        return 1.0, "regions from files taken as calibrated; set rates.seeds.response if they are not"
    from ..core.detector import HADRON_RESPONSE

    return HADRON_RESPONSE, "the synthetic generator's hadron response, cicada/core/detector.py"


def emulation_of(config: "BuildConfig", response: float) -> Emulation:
    """How ``rates.seeds`` asks the quantities to be formed, thresholds scaled to region ET."""
    cfg = config.rates.seeds
    return Emulation(cfg.htt_jet_gev * response, cfg.htt_eta_max, cfg.pileup_subtraction == "ring_median")


def _target(cfg, key: str, fact: l1_menu.MenuSeed) -> dict:
    """The seed's menu rate from ``rates.seeds.<key>``, with its source: cicada/core/l1_menu.py's when the
    config keeps the default."""
    rate = float(getattr(cfg, key))
    if rate == fact.rate_khz:
        return {
            "target_rate_khz": rate,
            "target_rate_source": fact.rate_source,
            "target_rate_measured": fact.rate_measured,
        }
    return {
        "target_rate_khz": rate,
        "target_rate_source": f"rates.seeds.{key} in the config",
        "target_rate_measured": None,
    }


def seeds_of(config: "BuildConfig", response: float) -> list[Seed]:
    """The seeds switched on in ``rates.seeds``, thresholds scaled to region ET (the menu thresholds; a
    fitted threshold replaces ``region_threshold_gev`` later, see :mod:`.seed_fit`)."""
    cfg = config.rates.seeds
    seeds = []
    if cfg.single_jet_gev is not None:
        seeds.append(
            Seed(
                "SingleJet",
                f"L1_SingleJet{cfg.single_jet_gev:g}",
                "leading_jet_gev",
                cfg.single_jet_gev,
                cfg.single_jet_gev * response,
                f"largest 3x3-region sum{_subtracted(cfg)}, |eta| < 3",
                menu_region_threshold_gev=cfg.single_jet_gev * response,
                **_target(cfg, "single_jet_rate_khz", l1_menu.SINGLE_JET),
            )
        )
    if cfg.htt_gev is not None:
        seeds.append(
            Seed(
                "HTT",
                f"L1_HTT{cfg.htt_gev:g}er",
                "ht_gev",
                cfg.htt_gev,
                cfg.htt_gev * response,
                f"sum of 3x3 jets{_subtracted(cfg)} above {cfg.htt_jet_gev * response:g} GeV (region ET) centred in "
                f"|eta| < "
                f"{cfg.htt_eta_max:g} (eta columns {_columns(cfg.htt_eta_max)})",
                menu_region_threshold_gev=cfg.htt_gev * response,
                **_target(cfg, "htt_rate_khz", l1_menu.HTT),
            )
        )
    if cfg.etm_gev is not None:
        seeds.append(
            Seed(
                "ETM",
                f"L1_ETMHF{cfg.etm_gev:g}",
                "missing_et_gev",
                cfg.etm_gev,
                cfg.etm_gev * response,
                f"vector sum of region ET{_subtracted(cfg)}, |eta| < 3: no HF (the menu's ETMHF includes 3 < |eta| < 5)",
                menu_region_threshold_gev=cfg.etm_gev * response,
                **_target(cfg, "etm_rate_khz", l1_menu.ETMHF),
            )
        )
    return seeds


def _subtracted(cfg) -> str:
    return " (less ring-median pileup)" if cfg.pileup_subtraction == "ring_median" else " (no pileup subtraction)"


def _columns(eta_max: float) -> str:
    index = np.flatnonzero(central_columns(eta_max))
    if index.size == 0:
        return "none"
    edge = geo.REGION_ETA_EDGES[index[-1] + 1]
    return f"{index[0]}-{index[-1]}, |eta| < {edge:.3f}"


def decisions(quantities: dict[str, np.ndarray], seeds: list[Seed]) -> dict[str, np.ndarray]:
    """Seed name -> which events it accepts (the menu's conditions are ``>=``)."""
    return {seed.name: quantities[seed.quantity] >= seed.region_threshold_gev for seed in seeds}
