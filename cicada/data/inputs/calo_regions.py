"""``CaloRegions`` HDF5 files (plain or compound, with their per-event datasets): :mod:`cicada.data.hdf5`
reads and checks them; this is that reader behind the :class:`~.base.RegionSource` interface."""

from __future__ import annotations

from typing import Iterator, Sequence

import h5py
import numpy as np

from .. import hdf5
from .base import Chunk, RegionSource, Selection


class CaloRegionsSource(RegionSource):
    def selection(self) -> Selection:
        events = hdf5.count_events(self.path)
        return Selection(events, events)

    def has_bits(self) -> bool:
        return hdf5.file_has_bits(self.path)

    def columns(self) -> tuple[str, ...]:
        with h5py.File(self.path, "r") as handle:
            return tuple(key for key in hdf5.COLUMN_DTYPES if key in handle)

    def column(self, key: str) -> np.ndarray | None:
        if key == hdf5.ACCEPTANCE_KEY:
            return hdf5.read_acceptance(self.path, self.count())
        if key == hdf5.WEIGHTS_KEY:
            return hdf5.read_event_weights(self.path)
        if key == hdf5.PT_HAT_KEY:
            return hdf5.read_pt_hat(self.path)
        if key in hdf5.PILEUP_KEYS:
            return hdf5.read_pileup(self.path, key)
        raise KeyError(key)

    def chunks(self, columns: Sequence[str] = ()) -> Iterator[Chunk]:
        values = {key: self.column(key) for key in columns}
        for start, images in hdf5.iter_regions(self.path):
            stop = start + len(images)
            yield Chunk(
                start, images, {key: column[start:stop] for key, column in values.items() if column is not None}
            )

    def read_rows(self, rows: np.ndarray) -> np.ndarray:
        return hdf5.read_region_rows(self.path, rows)

    def read_all(self, limit: int | None = None) -> np.ndarray:
        return hdf5.read_regions(self.path, limit)
