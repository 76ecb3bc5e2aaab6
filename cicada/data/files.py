"""Reading the user's own HDF5 files: paths relative to the config, several files at once, only
the events a build uses (a file may hold many millions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.geometry import REGION_SHAPE
from .hdf5 import count_events, read_acceptance, read_region_rows, read_regions


def resolve(base_dir: Path, path: str) -> Path:
    """A config's file path: absolute, or relative to the config file's folder."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else Path(base_dir) / candidate


def read_files(paths: list[Path], use_acceptance: bool = False, limit: int | None = None) -> np.ndarray:
    """Region images from several CICADA-format files, concatenated (each checked); at most
    ``limit`` events, taken from the files in order (reading no more than that)."""
    parts, count = [], 0
    for path in paths:
        remaining = None if limit is None else limit - count
        if remaining is not None and remaining <= 0:
            break
        if use_acceptance:
            flags = read_acceptance(path, count_events(path))
            if flags is not None:
                rows = np.flatnonzero(flags)[:remaining]
                images = read_region_rows(path, rows)
            else:
                images = read_regions(path, remaining)
        else:
            images = read_regions(path, remaining)
        parts.append(images)
        count += len(images)
    return np.concatenate(parts) if parts else np.empty((0, *REGION_SHAPE), dtype=np.uint16)


def read_shuffled(paths: list[Path], events: int, rng: np.random.Generator) -> np.ndarray:
    """``events`` images drawn without replacement from the concatenated files, in the order of
    ``rng.permutation`` of all their events, reading only the chosen ones."""
    counts = [count_events(path) for path in paths]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    chosen = rng.permutation(int(offsets[-1]))[:events]
    images = np.empty((len(chosen), *REGION_SHAPE), dtype=np.uint16)
    owner = np.searchsorted(offsets, chosen, side="right") - 1
    for index, path in enumerate(paths):
        where = np.flatnonzero(owner == index)
        if where.size:
            images[where] = read_region_rows(path, chosen[where] - offsets[index])
    return images
