"""Region files written a chunk at a time, for inputs larger than memory, in the layout of
:func:`cicada.data.hdf5.write_regions` (which builds small files in memory instead).

The file grows under a temporary name beside its target and is renamed into place only when
complete; an error or an interrupt in between (a bad event found mid-file, a full disk) removes
it, so nothing half-written is ever left behind.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import h5py
import numpy as np

from .. import __version__
from ..core.files import atomic_path
from ..core.geometry import REGION_SHAPE
from .hdf5 import COLUMN_DTYPES, IMAGES_KEY
from .layouts import check_images
from .region_bits import REGION_DTYPE, has_bits

#: Events per HDF5 chunk of the images (about 0.5 MB with bits).
CHUNK_EVENTS = 1024


class RegionWriter:
    """Appends images and their per-event columns to an open file."""

    def __init__(self, handle: h5py.File, bits: bool, columns: Sequence[str], path: Path, events_hint: int):
        self.path = path
        self.bits = bits
        self.events = 0
        self.images = handle.create_dataset(
            IMAGES_KEY,
            shape=(0, *REGION_SHAPE),
            maxshape=(None, *REGION_SHAPE),
            dtype=REGION_DTYPE if bits else np.uint16,
            chunks=(max(1, min(CHUNK_EVENTS, events_hint)), *REGION_SHAPE),
            compression="lzf",
        )
        self.columns = {
            key: handle.create_dataset(
                key, shape=(0,), maxshape=(None,), dtype=COLUMN_DTYPES[key], chunks=(max(1, min(65536, events_hint)),)
            )
            for key in columns
        }

    def append(self, images: np.ndarray, columns: Mapping[str, np.ndarray]) -> None:
        if has_bits(images) != self.bits:
            raise ValueError(f"{self.path}: images of the other layout (bits: {has_bits(images)}) than the file's")
        check_images(images, str(self.path), IMAGES_KEY)
        if set(columns) != set(self.columns):
            raise ValueError(f"columns {sorted(columns)} given, {sorted(self.columns)} expected")
        stop = self.events + len(images)
        self.images.resize(stop, axis=0)
        self.images[self.events : stop] = images if self.bits else images.astype(np.uint16)
        for key, dataset in self.columns.items():
            dataset.resize(stop, axis=0)
            dataset[self.events : stop] = np.asarray(columns[key], dtype=dataset.dtype)
        self.events = stop


@contextlib.contextmanager
def writing_regions(
    path: str | Path,
    bits: bool,
    columns: Sequence[str] = (),
    attrs: Mapping[str, object] | None = None,
    events_hint: int = CHUNK_EVENTS,
) -> Iterator[RegionWriter]:
    """``with writing_regions(path, bits, columns, attrs) as writer: writer.append(images, columns)``;
    ``events_hint`` (how many events are coming) keeps the HDF5 chunks of small files small."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as handle:
            writer = RegionWriter(handle, bits, columns, path, events_hint)
            yield writer
            handle.attrs["cicada_version"] = __version__
            for key, value in (attrs or {}).items():
                handle.attrs[key] = value
