"""ROOT ntuples of Layer-1 regions, read with uproot a chunk of entries at a time.

The tree holds one entry per event and, per event, one value per region in each region branch
(``Regions_et``, ``Regions_egbit``, ``Regions_taubit``, ``Regions_iphi``, ``Regions_ieta`` by
default: NanoAOD's jagged branches of CMSSW's ``CICADAInputTableProducer``; fixed-size array
branches read the same). :mod:`.region_grid` scatters the regions into images and checks them.
A run list and a trigger bit (:class:`~cicada.config.ntuples.NtupleOptions`) choose the kept events;
optional scalar branches become the per-event columns ``NPileup``, ``PV_npvs``, ``PV_npvsGood``.

Nothing reads more than ``chunk_events`` entries at once, so files larger than memory work. Any
problem is one :class:`~cicada.core.errors.DataError` naming the file, the entry and the branch.
"""

from __future__ import annotations

import contextlib
import difflib
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ...config.ntuples import PILEUP_BRANCH_FIELDS, REGION_BRANCH_FIELDS, NtupleOptions
from ...core.errors import DataError
from ...core.files import check_regular_file
from ...core.geometry import REGION_SHAPE
from ..region_bits import BIT_FIELDS, ET_FIELD, REGION_DTYPE
from .base import Chunk, InputLayout, RegionSource, Selection, sorted_unique
from .region_grid import scatter
from .run_list import good_runs
from .values import first_bad, is_numeric, show_value

INSTALL_HINT = "pip install 'cicada[root]'"
#: per-event counts (pileup, vertices) are at most this
MAX_COUNT = 2**31 - 1


def one_line(err: Exception) -> str:
    """uproot's messages span lines; an error here is one."""
    return " ".join(str(err).split())


def root_modules(path: Path) -> tuple[Any, Any]:
    """uproot and awkward, or one error line saying how to install them."""
    try:
        import awkward
        import uproot
    except ImportError:
        raise DataError(f"{path}: a ROOT file; reading ROOT ntuples needs uproot and awkward: {INSTALL_HINT}") from None
    return uproot, awkward


class NtupleSource(RegionSource):
    def __init__(self, path: Path, layout: InputLayout, options: NtupleOptions, base_dir: Path):
        super().__init__(path, layout)
        self.options = options
        self.base_dir = Path(base_dir)
        self.uproot, self.ak = root_modules(self.path)
        branches = options.branches
        #: image field or index name -> branch
        self.region_branches = {field: getattr(branches, field) for field in REGION_BRANCH_FIELDS}
        self._selection: Selection | None = None
        self._kept: np.ndarray | None = None
        self._columns: dict[str, str] | None = None
        #: the tree's branch names, once it is open
        self._present: set[str] = set()

    # ------------------------------------------------------------------ the file
    @contextlib.contextmanager
    def _tree(self) -> Iterator[Any]:
        check_regular_file(self.path, DataError, "a ROOT file")
        try:
            # no array cache: memory follows the chunk (uproot keeps up to 100 MB of arrays by default)
            handle = self.uproot.open(self.path, array_cache=None)
            classes = handle.classnames(recursive=True, cycle=False)
        except Exception as err:  # uproot reports a damaged file in many exception types
            raise self._damaged(err) from None
        with handle:
            name = self.options.tree
            if name not in classes:
                trees = ", ".join(sorted(k for k, c in classes.items() if c == "TTree")) or "none"
                raise DataError(
                    f"{self.path}: no tree '{name}' (trees: {trees}); expected the tree of one entry per event "
                    "(ntuples.tree)"
                )
            if classes[name] != "TTree":
                raise DataError(f"{self.path}: '{name}' is a {classes[name]}, expected a TTree")
            try:
                tree = handle[name]
                self._present = set(tree.keys(recursive=True))
            except Exception as err:
                raise self._damaged(err) from None
            self._check_branches(self.region_branches.values(), "a region branch (ntuples.branches)")
            yield tree

    def _damaged(self, err: Exception) -> DataError:
        return DataError(f"{self.path}: not a readable ROOT file (truncated or corrupt?): {one_line(err)}")

    def _check_branches(self, names, what: str) -> None:
        for name in names:
            if name not in self._present:
                near = difflib.get_close_matches(name, sorted(self._present), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else ""
                raise DataError(
                    f"{self.path}: tree '{self.options.tree}' has no branch '{name}'{hint}; expected {what}"
                )

    def _read(self, tree: Any, names: list[str], start: int, stop: int) -> dict[str, Any]:
        try:
            return tree.arrays(names, entry_start=start, entry_stop=stop, library="ak", how=dict)
        except Exception as err:  # uproot's decoding errors: a damaged basket, an unreadable type
            raise DataError(
                f"{self.path}: entries {start:,}..{stop - 1:,} of '{', '.join(names)}' cannot be read "
                f"(truncated or corrupt, or not numbers?): {one_line(err)}"
            ) from None

    def _scalars(self, array: Any, name: str, entries: np.ndarray) -> np.ndarray:
        """One value per event, as numbers."""
        if array.ndim != 1:
            raise DataError(
                f"{self.path}: entry {entries[0]:,}: '{name}' holds a list per event, expected one value per event"
            )
        values = self.ak.to_numpy(array)
        if not is_numeric(values.dtype):
            raise DataError(f"{self.path}: '{name}' holds {values.dtype} values, expected numbers")
        return values

    # ------------------------------------------------------------------ selection
    def selection(self) -> Selection:
        if self._selection is None:
            self._select()
        assert self._selection is not None
        return self._selection

    def kept_entries(self) -> np.ndarray:
        """The tree entries of the kept events, increasing."""
        if self._kept is None:
            self._select()
        assert self._kept is not None
        return self._kept

    def _select(self) -> None:
        options = self.options
        runs = good_runs(options.runs, self.base_dir) if options.runs is not None else None
        names = ([options.branches.run] if runs is not None else []) + ([options.trigger] if options.trigger else [])
        with self._tree() as tree:
            total = int(tree.num_entries)
            self._check_branches(names, "a branch of one value per event (ntuples.runs, ntuples.trigger)")
            keep = np.ones(total, dtype=bool)
            not_in_list = not_set = 0
            for start in range(0, total if names else 0, options.chunk_events):
                stop = min(start + options.chunk_events, total)
                arrays = self._read(tree, names, start, stop)
                entries = np.arange(start, stop)
                ok = keep[start:stop]  # a view: the &= below update keep in place
                if runs is not None:
                    run = self._scalars(arrays[options.branches.run], options.branches.run, entries)
                    ok &= np.isin(run, runs)
                    not_in_list += int(np.count_nonzero(~ok))
                if options.trigger:
                    bit = self._scalars(arrays[options.trigger], options.trigger, entries)
                    bad = first_bad(bit, 0, 1)
                    if bad is not None:
                        raise DataError(
                            f"{self.path}: entry {entries[bad]:,}: '{options.trigger}' holds {show_value(bit[bad])}, "
                            "expected a trigger bit (0/1, true/false)"
                        )
                    fired = bit.astype(bool)
                    not_set += int(np.count_nonzero(ok & ~fired))
                    ok &= fired
        self._kept = np.flatnonzero(keep)
        dropped = {}
        if runs is not None:
            dropped["not in the run list"] = not_in_list
        if options.trigger:
            dropped[f"without {options.trigger}"] = not_set
        self._selection = Selection(total, len(self._kept), dropped)

    # ------------------------------------------------------------------ per-event columns
    def _column_branches(self) -> dict[str, str]:
        """Per-event key -> branch, for the optional branches this file has."""
        if self._columns is None:
            with self._tree():
                present = self._present
            wanted = {key: getattr(self.options.branches, field) for key, field in PILEUP_BRANCH_FIELDS.items()}
            self._columns = {key: name for key, name in wanted.items() if name is not None and name in present}
        return self._columns

    def columns(self) -> tuple[str, ...]:
        return tuple(self._column_branches())

    def column(self, key: str) -> np.ndarray | None:
        name = self._column_branches().get(key)
        if name is None:
            return None
        kept = self.kept_entries()
        parts = []
        with self._tree() as tree:
            for start, stop, entries in self._windows(kept):
                values = self._scalars(self._read(tree, [name], start, stop)[name], name, np.arange(start, stop))
                parts.append(self._counts(values[entries - start], name, entries))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _counts(self, values: np.ndarray, name: str, entries: np.ndarray) -> np.ndarray:
        bad = first_bad(values, 0, MAX_COUNT)
        if bad is not None:
            raise DataError(
                f"{self.path}: entry {entries[bad]:,}: '{name}' holds {show_value(values[bad])}, expected a count >= 0"
            )
        return values.astype(np.int64)

    # ------------------------------------------------------------------ images
    def _windows(self, entries: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
        """Increasing ``entries`` in groups within one chunk of the tree: (first, last + 1, the group)."""
        chunk = self.options.chunk_events
        window = entries // chunk
        bounds = np.flatnonzero(np.diff(window)) + 1
        for group in np.split(entries, bounds) if entries.size else ():
            yield int(group[0]), int(group[-1]) + 1, group

    def _images(self, arrays: dict[str, Any], local: np.ndarray, entries: np.ndarray) -> np.ndarray:
        """Images of the events at ``local`` within the arrays read (``entries``: their tree entries)."""
        ak = self.ak
        flats, counts = {}, None
        for field, name in self.region_branches.items():
            array = arrays[name] if len(local) == len(arrays[name]) else arrays[name][local]
            if array.ndim != 2:
                raise DataError(
                    f"{self.path}: entry {entries[0]:,}: '{name}' holds one value per event, expected one per region"
                )
            number = ak.to_numpy(ak.num(array, axis=1))
            if counts is None:
                counts = number
            elif not np.array_equal(number, counts):
                event = int(np.flatnonzero(number != counts)[0])
                raise DataError(
                    f"{self.path}: entry {entries[event]:,}: '{name}' holds {number[event]} values and "
                    f"'{self.region_branches[ET_FIELD]}' {counts[event]}, expected one per region in every region branch"
                )
            flat = ak.to_numpy(ak.flatten(array, axis=1))
            if not is_numeric(flat.dtype):
                raise DataError(f"{self.path}: '{name}' holds {flat.dtype} values, expected numbers")
            flats[field] = flat
        assert counts is not None
        values = {field: flats[field] for field in (ET_FIELD, *BIT_FIELDS)}
        return scatter(
            values,
            flats["iphi"],
            flats["ieta"],
            counts,
            entries,
            self.region_branches,
            self.options.ieta_numbering,
            self.path,
        )

    def chunks(self, columns: Sequence[str] = ()) -> Iterator[Chunk]:
        kept = self.kept_entries()
        extra = {key: self._column_branches()[key] for key in columns if key in self._column_branches()}
        names = [*self.region_branches.values(), *extra.values()]
        row = 0
        with self._tree() as tree:
            for start, stop, entries in self._windows(kept):
                arrays = self._read(tree, names, start, stop)
                local = entries - start
                images = self._images(arrays, local, entries)
                values = {}
                for key, name in extra.items():
                    scalars = self._scalars(arrays[name], name, np.arange(start, stop))
                    values[key] = self._counts(scalars[local], name, entries)
                yield Chunk(row, images, values)
                row += len(entries)

    def read_rows(self, rows: np.ndarray) -> np.ndarray:
        kept = self.kept_entries()
        unique, inverse = sorted_unique(rows, len(kept), self.path)
        out = np.empty((len(unique), *REGION_SHAPE), dtype=REGION_DTYPE)
        done = 0
        with self._tree() as tree:
            for start, stop, entries in self._windows(kept[unique]):
                arrays = self._read(tree, list(self.region_branches.values()), start, stop)
                out[done : done + len(entries)] = self._images(arrays, entries - start, entries)
                done += len(entries)
        return out[inverse]
