"""The CICADA 2026 teacher files: top-level datasets ``et``, ``tauBits``, ``egBits``, each (N, 18, 14).

The 2026 production (``makeTrainingFile.py``, ``saveGrids``) writes the grids its ntuple reader
scatters, as float64: ``et`` the region ET in 0.5 GeV LSBs, ``tauBits`` and ``egBits`` the
ntuples' ``Regions_taubit`` and ``Regions_egbit`` (Layer-1 veto bits, 1 = vetoed, as cicada's
``taubit`` and ``egbit``). A value that is not a whole number in 0..1023 (ET) or 0/1 (bits) is
refused, naming the file, the dataset, the event and the region.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import h5py
import numpy as np

from ...core.errors import DataError
from ...core.files import check_regular_file
from ...core.geometry import N_ETA, N_REGIONS, REGION_ET_MAX, REGION_SHAPE
from ..hdf5 import CHUNK_ROWS
from ..region_bits import EG_FIELD, ET_FIELD, REGION_DTYPE, TAU_FIELD
from .base import Chunk, RegionSource, Selection, sorted_unique
from .values import first_bad, is_numeric, show_value

#: dataset -> the field of the in-memory images it fills, and its largest value
DATASETS = {"et": (ET_FIELD, REGION_ET_MAX), "tauBits": (TAU_FIELD, 1), "egBits": (EG_FIELD, 1)}


class TeacherSource(RegionSource):
    def _open(self) -> h5py.File:
        check_regular_file(self.path, DataError, "an HDF5 file")
        try:
            return h5py.File(self.path, "r")
        except OSError as err:
            raise DataError(f"{self.path}: not a readable HDF5 file (truncated or corrupt?): {err}") from None

    def _datasets(self, handle: h5py.File) -> dict[str, h5py.Dataset]:
        """The three datasets, checked for presence, type and shape (not read)."""
        found = {}
        for name in DATASETS:
            item = handle.get(name)
            if not isinstance(item, h5py.Dataset):
                present = ", ".join(handle.keys())
                what = "no" if item is None else "a group, not a"
                raise DataError(
                    f"{self.path}: {what} dataset '{name}' (found: {present}); expected datasets et, tauBits, egBits "
                    "of shape (N, 18, 14) (the 2026 teacher layout)"
                )
            if not is_numeric(item.dtype):
                raise DataError(f"{self.path}: '{name}' has type {item.dtype}, expected numbers")
            if len(item.shape) != 3 or tuple(item.shape[1:]) != REGION_SHAPE:
                raise DataError(f"{self.path}: '{name}' has shape {item.shape}, expected (N, 18, 14)")
            found[name] = item
        lengths = {name: item.shape[0] for name, item in found.items()}
        if len(set(lengths.values())) > 1:
            raise DataError(
                f"{self.path}: datasets hold {', '.join(f'{n} {k}' for k, n in lengths.items())} events, expected the "
                "same number in et, tauBits and egBits"
            )
        return found

    def selection(self) -> Selection:
        with self._open() as handle:
            events = int(self._datasets(handle)["et"].shape[0])
        return Selection(events, events)

    def _images(self, datasets: dict[str, h5py.Dataset], rows, events: np.ndarray) -> np.ndarray:
        """Images from ``rows`` of the datasets (a slice, or increasing indices); ``events`` are their
        rows in the file, for errors."""
        parts = {}
        for name, dataset in datasets.items():
            try:
                parts[name] = dataset[rows]
            except (OSError, RuntimeError) as err:
                raise DataError(f"{self.path}: '{name}' cannot be read (truncated or corrupt?): {err}") from None
        images = np.empty(parts["et"].shape, dtype=REGION_DTYPE)
        for name, values in parts.items():
            field, high = DATASETS[name]
            bad = first_bad(values, 0, high)
            if bad is not None:
                event, cell = divmod(bad, N_REGIONS)
                expected = f"whole numbers 0..{high} (region ET in LSBs)" if high > 1 else "bits 0 or 1"
                raise DataError(
                    f"{self.path}: '{name}' holds {show_value(values.reshape(-1)[bad])} at event {events[event]:,} "
                    f"(region iphi {cell // N_ETA}, ieta {cell % N_ETA}), expected {expected}"
                )
            images[field] = values
        return images

    def chunks(self, columns: Sequence[str] = ()) -> Iterator[Chunk]:
        with self._open() as handle:
            datasets = self._datasets(handle)
            total = datasets["et"].shape[0]
            for start in range(0, total, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, total)
                yield Chunk(start, self._images(datasets, slice(start, stop), np.arange(start, stop)), {})

    def read_rows(self, rows: np.ndarray) -> np.ndarray:
        with self._open() as handle:
            datasets = self._datasets(handle)
            unique, inverse = sorted_unique(rows, datasets["et"].shape[0], self.path)
            out = np.empty((len(unique), *REGION_SHAPE), dtype=REGION_DTYPE)
            for start in range(0, len(unique), CHUNK_ROWS):
                chunk = unique[start : start + CHUNK_ROWS]
                out[start : start + len(chunk)] = self._images(datasets, chunk, chunk)
        return out[inverse]
