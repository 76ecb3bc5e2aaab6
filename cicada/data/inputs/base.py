"""What every input reader offers: a file's region images (after its event selection), in
chunks or by row, with the per-event columns it carries.

Rows and chunk starts count the *kept* events of a file (all of them, unless a ROOT ntuple's run
list or trigger bit drops some). Images come in the in-memory layouts of
:mod:`cicada.data.region_bits`: uint16 ET-only, or structured with ``et``, ``egbit``, ``taubit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..region_bits import empty_images


@dataclass(frozen=True)
class InputLayout:
    """One row of the layout table (:mod:`.table`)."""

    name: str
    container: str
    #: what in the file's content identifies the layout
    identified_by: str
    #: whether its images carry e/gamma and tau bits
    bits: bool
    #: who writes files like this
    origin: str


@dataclass
class Selection:
    """How many of a file's events are kept, and why the others are not."""

    events: int
    kept: int
    #: reason -> events dropped for it (each event counted under the first reason that drops it)
    dropped: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.dropped:
            return f"{self.events:,} events"
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in self.dropped.items())
        return f"{self.events:,} events, {self.kept:,} kept ({reasons})"


@dataclass
class Chunk:
    """Consecutive kept events of a file: ``start`` is the first one's row among the kept events."""

    start: int
    images: np.ndarray
    columns: dict[str, np.ndarray]


class RegionSource:
    """One input file opened for reading; nothing is read until asked."""

    def __init__(self, path: Path, layout: InputLayout):
        self.path = Path(path)
        self.layout = layout

    def has_bits(self) -> bool:
        return self.layout.bits

    def count(self) -> int:
        """Kept events."""
        return self.selection().kept

    def selection(self) -> Selection:
        """Events in the file, kept, and dropped by reason."""
        raise NotImplementedError

    def columns(self) -> tuple[str, ...]:
        """The per-event columns (keys of :data:`cicada.data.hdf5.COLUMN_DTYPES`) this file carries."""
        return ()

    def column(self, key: str) -> np.ndarray | None:
        """A per-event column over the kept events, checked; None when the file has none."""
        return None

    def chunks(self, columns: Sequence[str] = ()) -> Iterator[Chunk]:
        """Every kept event, a chunk at a time, with the per-event ``columns`` asked for."""
        raise NotImplementedError

    def read_rows(self, rows: np.ndarray) -> np.ndarray:
        """The kept events at ``rows`` (any order, repeats allowed)."""
        raise NotImplementedError

    def read_all(self, limit: int | None = None) -> np.ndarray:
        """The first ``limit`` kept events (all by default), reading no more chunks than needed."""
        parts, count = [], 0
        for chunk in self.chunks():
            take = chunk.images if limit is None else chunk.images[: limit - count]
            parts.append(take)
            count += len(take)
            if limit is not None and count >= limit:
                break
        return np.concatenate(parts) if parts else empty_images(0, self.has_bits())


def sorted_unique(rows: np.ndarray, count: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` as (increasing distinct rows, inverse) after checking they lie in 0..count-1."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= count):
        raise IndexError(f"{path}: rows {rows.min()}..{rows.max()} asked of {count} events")
    return np.unique(rows, return_inverse=True)
