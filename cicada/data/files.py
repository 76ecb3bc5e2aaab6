"""Reading the user's own files: paths relative to the config, several files at once, only the
events a build uses (a file may hold many millions).

Files come in any layout of :mod:`cicada.data.inputs.table` (``CaloRegions`` HDF5, the 2026
teacher files, ROOT ntuples); each is opened as a :class:`~cicada.data.inputs.base.RegionSource`
whose rows are its kept events (a ntuple's run list and trigger bit may drop some). Functions
here take sources, or paths, which they open with the default ntuple options. A build with
region bits (``data.region_bits``) needs every file to carry them; a build without them reads the
ET of any layout."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..core.errors import DataError
from .hdf5 import ACCEPTANCE_KEY, IMAGES_KEY, PILEUP_KEYS
from .inputs.base import RegionSource
from .inputs.table import open_source
from .region_bits import empty_images, region_et

Inputs = Sequence["Path | RegionSource"]


def resolve(base_dir: Path, path: str) -> Path:
    """A config's file path: absolute, or relative to the config file's folder."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else Path(base_dir) / candidate


def _sources(inputs: Inputs) -> list[RegionSource]:
    return [item if isinstance(item, RegionSource) else open_source(Path(item)) for item in inputs]


def check_layout(sources: list[RegionSource], bits: bool) -> None:
    """With ``bits``, every file must carry e/gamma and tau bits."""
    if not bits:
        return
    for source in sources:
        if not source.has_bits():
            raise DataError(
                f"{source.path}: '{IMAGES_KEY}' holds region ET only, expected the compound layout with fields et, "
                "egbit, taubit, the 2026 teacher layout or a ROOT ntuple (data.region_bits is true)"
            )


def _layout(images: np.ndarray, bits: bool) -> np.ndarray:
    """Images as the build keeps them: with bits, or their ET alone."""
    return images if bits else np.ascontiguousarray(region_et(images))


def read_files(
    inputs: Inputs, use_acceptance: bool = False, limit: int | None = None, bits: bool = False
) -> np.ndarray:
    """Region images from several files, concatenated (each checked); at most ``limit`` events,
    taken from the files in order (reading no more than that); with ``bits`` images with bits
    (every file must carry them), else ET-only images. ``use_acceptance`` keeps the events whose
    ``AcceptanceFlag`` is set in the HDF5 files that have one."""
    sources = _sources(inputs)
    check_layout(sources, bits)
    parts, count = [], 0
    for source in sources:
        remaining = None if limit is None else limit - count
        if remaining is not None and remaining <= 0:
            break
        flags = source.column(ACCEPTANCE_KEY) if use_acceptance else None
        if flags is not None:
            images = source.read_rows(np.flatnonzero(flags)[:remaining])
        else:
            images = source.read_all(remaining)
        parts.append(_layout(images, bits))
        count += len(images)
    return np.concatenate(parts) if parts else empty_images(0, bits)


def shuffled_rows(inputs: Inputs, events: int, rng: np.random.Generator) -> np.ndarray:
    """``events`` rows of the concatenated files' kept events, without replacement, in the order of
    ``rng.permutation`` of all of them."""
    total = sum(source.count() for source in _sources(inputs))
    return rng.permutation(int(total))[:events]


def _owners(sources: list[RegionSource], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.concatenate([[0], np.cumsum([source.count() for source in sources])])
    return np.searchsorted(offsets, rows, side="right") - 1, offsets


def read_rows(inputs: Inputs, rows: np.ndarray, bits: bool = False) -> np.ndarray:
    """The images at global ``rows`` of the concatenated files, reading only those."""
    sources = _sources(inputs)
    check_layout(sources, bits)
    owner, offsets = _owners(sources, rows)
    images = empty_images(len(rows), bits)
    for index, source in enumerate(sources):
        where = np.flatnonzero(owner == index)
        if where.size:
            images[where] = _layout(source.read_rows(rows[where] - offsets[index]), bits)
    return images


def read_pileup_columns(inputs: Inputs, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per-event pileup information (:data:`~cicada.data.hdf5.PILEUP_KEYS`) at global ``rows``:
    each key that every file carries."""
    sources = _sources(inputs)
    owner, offsets = _owners(sources, rows)
    columns = {}
    for key in PILEUP_KEYS:
        per_file = [source.column(key) for source in sources]
        if any(values is None for values in per_file):
            continue
        column = np.empty(len(rows), dtype=np.int64)
        for index, values in enumerate(per_file):
            where = np.flatnonzero(owner == index)
            column[where] = values[rows[where] - offsets[index]]
        columns[key] = column
    return columns


def read_shuffled(inputs: Inputs, events: int, rng: np.random.Generator, bits: bool = False) -> np.ndarray:
    """``events`` images drawn without replacement from the concatenated files, in the order of
    ``rng.permutation`` of all their kept events, reading only the chosen ones."""
    sources = _sources(inputs)
    return read_rows(sources, shuffled_rows(sources, events, rng), bits)
