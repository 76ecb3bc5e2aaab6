"""Event pools: Pythia events kept as sparse trigger towers, cached on disk.

The min-bias pool is what pileup is overlaid from; pools of hard QCD events in pT-hat slices
are the hard scatters of the weighted zero-bias slices (:mod:`cicada.data.slices`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core import geometry as geo
from ...core.detector import DetectorResponse
from ...core.files import atomic_path
from ...core.progress import log
from .generation import ProgressCallback, check_seed, generate_deposits, pythia_version
from .processes import pythia_settings, require
from .response import Deposits

POOL_FORMAT = 2  # bump when the pool file layout or the overlay input changes


@dataclass(frozen=True, eq=False)
class PileupPool:
    """Pythia events as sparse trigger towers, for overlay (min-bias for pileup, or hard scatters).

    Event ``i`` owns entries ``offsets[i]:offsets[i + 1]``: tower indices ``tower_phi``
    (0..71) and ``tower_eta`` (0..55) of :mod:`cicada.core.geometry` and the ET in GeV of that
    tower (float, before digitisation). ``pt_hat_gev`` holds each event's pT-hat (None: not
    known, read as 0), ``cross_section_mb`` Pythia's estimate for the process. ``key``
    identifies the settings that made it; ``from_cache`` says whether it was read from a file
    rather than generated. ``ecal_et_gev`` (one per entry, or None in pools cached before it was
    kept) is the ECAL part of each tower's ET, which region bits need.
    """

    tower_phi: np.ndarray
    tower_eta: np.ndarray
    et_gev: np.ndarray
    offsets: np.ndarray
    key: str = ""
    from_cache: bool = False
    pt_hat_gev: np.ndarray | None = None
    cross_section_mb: float = float("nan")
    ecal_et_gev: np.ndarray | None = None

    @property
    def n_events(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_deposits(self) -> int:
        return len(self.et_gev)

    def event_et_gev(self) -> np.ndarray:
        """Summed tower ET of each pool event, in GeV."""
        event = np.repeat(np.arange(self.n_events), np.diff(self.offsets))
        return np.bincount(event, weights=self.et_gev, minlength=self.n_events)

    def pt_hats(self) -> np.ndarray:
        """Each event's pT-hat in GeV (zeros when the pool does not know them)."""
        if self.pt_hat_gev is None:
            return np.zeros(self.n_events)
        return np.asarray(self.pt_hat_gev, dtype=np.float64)


def pool_from_deposits(deposits: Deposits, key: str = "") -> PileupPool:
    """Sum deposits into towers per event and keep the non-empty towers, event by event."""
    tphi, teta = geo.tower_index(deposits.eta, deposits.phi)
    inside = teta >= 0
    flat = (deposits.event[inside] * geo.N_TOWER_PHI + tphi[inside]) * geo.N_TOWER_ETA + teta[inside]
    towers, where = np.unique(flat, return_inverse=True)
    et = np.bincount(where, weights=deposits.et_gev[inside], minlength=len(towers))
    ecal = np.bincount(where, weights=deposits.electromagnetic_et()[inside], minlength=len(towers))
    event, tower = np.divmod(towers, geo.N_TOWER_PHI * geo.N_TOWER_ETA)
    counts = np.bincount(event, minlength=deposits.n_events)
    pt_hat = None if deposits.pt_hat_gev is None else np.asarray(deposits.pt_hat_gev, dtype=np.float32)
    return PileupPool(
        tower_phi=(tower // geo.N_TOWER_ETA).astype(np.uint8),
        tower_eta=(tower % geo.N_TOWER_ETA).astype(np.uint8),
        et_gev=et.astype(np.float32),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        key=key,
        pt_hat_gev=pt_hat,
        cross_section_mb=float(deposits.cross_section_mb),
        ecal_et_gev=None if deposits.ecal_et_gev is None else ecal.astype(np.float32),
    )


def save_pool(pool: PileupPool, path: str | Path) -> Path:
    """Write a pool to an ``.npz`` file atomically (temporary name, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        np.savez_compressed(
            stream,
            format=np.array(POOL_FORMAT),
            key=np.array(pool.key),
            tower_phi=pool.tower_phi,
            tower_eta=pool.tower_eta,
            et_gev=pool.et_gev,
            offsets=pool.offsets,
            pt_hat_gev=pool.pt_hats().astype(np.float32),
            cross_section_mb=np.array(pool.cross_section_mb),
            **({} if pool.ecal_et_gev is None else {"ecal_et_gev": pool.ecal_et_gev}),
        )
    return path


def load_pool(path: str | Path) -> PileupPool:
    """Read a pool written by :func:`save_pool`; a ValueError names the file if it is not one."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != POOL_FORMAT:
                raise ValueError(f"format {int(data['format'])}, expected {POOL_FORMAT}")
            pool = PileupPool(
                tower_phi=data["tower_phi"].astype(np.uint8),
                tower_eta=data["tower_eta"].astype(np.uint8),
                et_gev=data["et_gev"].astype(np.float32),
                offsets=data["offsets"].astype(np.int64),
                key=str(data["key"]),
                from_cache=True,
                pt_hat_gev=data["pt_hat_gev"].astype(np.float32),
                cross_section_mb=float(data["cross_section_mb"]),
                ecal_et_gev=data["ecal_et_gev"].astype(np.float32) if "ecal_et_gev" in data else None,
            )
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(f"{path}: not a readable cicada pileup pool ({error})") from error
    _check_pool(pool, path)
    return pool


def _check_pool(pool: PileupPool, path: Path) -> None:
    offsets = pool.offsets
    sizes_match = len(pool.tower_phi) == len(pool.tower_eta) == len(pool.et_gev)
    offsets_ok = (
        len(offsets) >= 1 and offsets[0] == 0 and offsets[-1] == len(pool.et_gev) and np.all(np.diff(offsets) >= 0)
    )
    in_range = (pool.tower_phi < geo.N_TOWER_PHI).all() and (pool.tower_eta < geo.N_TOWER_ETA).all()
    pt_hat_ok = pool.pt_hat_gev is None or pool.pt_hat_gev.shape == (pool.n_events,)
    ecal_ok = pool.ecal_et_gev is None or pool.ecal_et_gev.shape == pool.et_gev.shape
    if not (sizes_match and offsets_ok and in_range and pt_hat_ok and ecal_ok):
        raise ValueError(f"{path}: pileup pool arrays are inconsistent (key 'offsets' or tower indices)")


def pool_key(
    n_events: int, seed: int, response: DetectorResponse | None = None, process: str = "minbias", **params
) -> str:
    """Content key of a pool: everything that changes its events."""
    description = {
        "format": POOL_FORMAT,
        "pythia": pythia_version(),
        "settings": pythia_settings(process, **params),
        "seed": int(seed),
        "n_events": int(n_events),
        "response": dataclasses.asdict(response or DetectorResponse()),
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def pool_path(
    cache_dir: str | Path,
    n_events: int,
    seed: int,
    response: DetectorResponse | None = None,
    process: str = "minbias",
    **params,
) -> Path:
    """Cache file of the pool made with these arguments."""
    key = pool_key(n_events, seed, response, process, **params)
    return Path(cache_dir) / f"{process}_pool_{n_events}ev_seed{seed}_{key[:16]}.npz"


def minbias_pool(
    n_events: int,
    seed: int,
    cache_dir: str | Path | None = None,
    *,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
    ecal: bool = False,
) -> PileupPool:
    """A pool of ``n_events`` min-bias events, read from ``cache_dir`` if made before.

    Without ``cache_dir`` the pool is generated and not stored. A cache file that cannot be
    read or belongs to other settings is regenerated (with a warning), and so is one without the
    towers' ECAL part when ``ecal`` asks for it (region bits; the same events and ET again).
    """
    return event_pool("minbias", n_events, seed, cache_dir, response=response, progress=progress, ecal=ecal)


def event_pool(
    process: str,
    n_events: int,
    seed: int,
    cache_dir: str | Path | None = None,
    *,
    response: DetectorResponse | None = None,
    progress: ProgressCallback | None = None,
    ecal: bool = False,
    **params,
) -> PileupPool:
    """A pool of ``n_events`` events of Pythia ``process`` (with its ``params``), read from
    ``cache_dir`` if made before; see :func:`minbias_pool`."""
    check_seed(seed)
    require(n_events > 0, f"{process} pool: n_events must be positive")
    key = pool_key(n_events, seed, response, process, **params)
    path = pool_path(cache_dir, n_events, seed, response, process, **params) if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            pool = load_pool(path)
            if pool.key == key and (pool.ecal_et_gev is not None or not ecal):
                return pool
            if pool.key == key:
                log.warning(f"  {path}: pool without the towers' ECAL part (region bits need it); regenerating")
            else:
                log.warning(f"  {path}: pool made with other settings; regenerating")
        except ValueError as error:
            log.warning(f"  {error}; regenerating")
    deposits = generate_deposits(process, n_events, seed, response=response, progress=progress, **params)
    pool = pool_from_deposits(deposits, key)
    if path is not None:
        save_pool(pool, path)
    return pool
