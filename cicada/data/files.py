"""Reading the user's own HDF5 files: paths relative to the config, several files at once, only
the events a build uses (a file may hold many millions).

A build with region bits (``data.region_bits``) needs every file in the compound layout; a
build without them reads the ET of either layout (:mod:`cicada.data.hdf5`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import DataError
from .hdf5 import (
    IMAGES_KEY,
    PILEUP_KEYS,
    count_events,
    file_has_bits,
    read_acceptance,
    read_pileup,
    read_region_rows,
    read_regions,
)
from .region_bits import empty_images, region_et


def resolve(base_dir: Path, path: str) -> Path:
    """A config's file path: absolute, or relative to the config file's folder."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else Path(base_dir) / candidate


def check_layout(paths: list[Path], bits: bool) -> None:
    """With ``bits``, every file must hold the compound layout (fields et, egbit, taubit)."""
    if not bits:
        return
    for path in paths:
        if not file_has_bits(path):
            raise DataError(
                f"{path}: '{IMAGES_KEY}' holds region ET only, expected the compound layout with fields et, egbit, "
                "taubit (data.region_bits is true)"
            )


def _layout(images: np.ndarray, bits: bool) -> np.ndarray:
    """Images as the build keeps them: with bits, or their ET alone."""
    return images if bits else np.ascontiguousarray(region_et(images))


def read_files(
    paths: list[Path], use_acceptance: bool = False, limit: int | None = None, bits: bool = False
) -> np.ndarray:
    """Region images from several CICADA-format files, concatenated (each checked); at most
    ``limit`` events, taken from the files in order (reading no more than that); with ``bits``
    images with bits (every file compound), else ET-only images."""
    check_layout(paths, bits)
    parts, count = [], 0
    for path in paths:
        remaining = None if limit is None else limit - count
        if remaining is not None and remaining <= 0:
            break
        flags = read_acceptance(path, count_events(path)) if use_acceptance else None
        if flags is not None:
            images = read_region_rows(path, np.flatnonzero(flags)[:remaining])
        else:
            images = read_regions(path, remaining)
        parts.append(_layout(images, bits))
        count += len(images)
    return np.concatenate(parts) if parts else empty_images(0, bits)


def shuffled_rows(paths: list[Path], events: int, rng: np.random.Generator) -> np.ndarray:
    """``events`` rows of the concatenated files, without replacement, in the order of
    ``rng.permutation`` of all their events."""
    total = sum(count_events(path) for path in paths)
    return rng.permutation(int(total))[:events]


def _owners(paths: list[Path], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.concatenate([[0], np.cumsum([count_events(path) for path in paths])])
    return np.searchsorted(offsets, rows, side="right") - 1, offsets


def read_rows(paths: list[Path], rows: np.ndarray, bits: bool = False) -> np.ndarray:
    """The images at global ``rows`` of the concatenated files, reading only those."""
    check_layout(paths, bits)
    owner, offsets = _owners(paths, rows)
    images = empty_images(len(rows), bits)
    for index, path in enumerate(paths):
        where = np.flatnonzero(owner == index)
        if where.size:
            images[where] = _layout(read_region_rows(path, rows[where] - offsets[index]), bits)
    return images


def read_pileup_columns(paths: list[Path], rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per-event pileup information (:data:`~cicada.data.hdf5.PILEUP_KEYS`) at global ``rows``:
    each key that every file carries."""
    owner, offsets = _owners(paths, rows)
    columns = {}
    for key in PILEUP_KEYS:
        per_file = [read_pileup(path, key) for path in paths]
        if any(values is None for values in per_file):
            continue
        column = np.empty(len(rows), dtype=np.int64)
        for index, values in enumerate(per_file):
            where = np.flatnonzero(owner == index)
            column[where] = values[rows[where] - offsets[index]]
        columns[key] = column
    return columns


def read_shuffled(paths: list[Path], events: int, rng: np.random.Generator, bits: bool = False) -> np.ndarray:
    """``events`` images drawn without replacement from the concatenated files, in the order of
    ``rng.permutation`` of all their events, reading only the chosen ones."""
    return read_rows(paths, shuffled_rows(paths, events, rng), bits)
