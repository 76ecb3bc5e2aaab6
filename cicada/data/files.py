"""Reading the user's own HDF5 files: paths relative to the config, several files at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .geometry import REGION_SHAPE
from .hdf5 import read_acceptance, read_regions


def resolve(base_dir: Path, path: str) -> Path:
    """A config's file path: absolute, or relative to the config file's folder."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else Path(base_dir) / candidate


def read_files(paths: list[Path], use_acceptance: bool = False, limit: int | None = None) -> np.ndarray:
    """Region images from several CICADA-format files, concatenated (each checked); at most
    ``limit`` events, taken from the files in order."""
    parts, count = [], 0
    for path in paths:
        if limit is not None and count >= limit:
            break
        images = read_regions(path)
        if use_acceptance:
            flags = read_acceptance(path, len(images))
            if flags is not None:
                images = images[flags]
        parts.append(images)
        count += len(images)
    images = np.concatenate(parts) if parts else np.empty((0, *REGION_SHAPE), dtype=np.uint16)
    return images[:limit] if limit is not None else images
