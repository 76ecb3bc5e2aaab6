"""Any input file(s) -> one HDF5 file in cicada's format, streamed: ``cicada ingest``.

Inputs of every layout of :mod:`cicada.data.inputs.table` are read a chunk at a time, after
their selection (a ROOT ntuple's run list and trigger bit), and written with
:func:`~cicada.data.region_writer.writing_regions`: the compound ``CaloRegions`` when the
inputs carry bits, plain otherwise, with each per-event column every input carries. The file
names its sources, their layouts and the ntuple options in its attributes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..config.ntuples import NtupleOptions
from ..core.errors import CicadaError, DataError
from ..core.progress import progress
from .hdf5 import COLUMN_DTYPES
from .inputs.base import Selection
from .inputs.table import NTUPLE, open_sources
from .region_writer import writing_regions


@dataclass
class IngestedFile:
    path: Path
    layout: str
    selection: Selection


@dataclass
class IngestResult:
    output: Path
    events: int
    bits: bool
    columns: tuple[str, ...]
    files: list[IngestedFile]


def ingest(
    paths: list[Path], output: Path, ntuples: NtupleOptions | None = None, base_dir: Path = Path(".")
) -> IngestResult:
    """Write the kept events of ``paths``, in order, to ``output`` (atomically)."""
    paths, output = [Path(p) for p in paths], Path(output)
    if output.exists() and output.resolve() in {p.resolve() for p in paths if p.exists()}:
        raise CicadaError(f"{output}: is an input file; refusing to overwrite it (choose another -o)")
    sources = open_sources(paths, ntuples, base_dir)
    with_bits = [source.path for source in sources if source.has_bits()]
    if with_bits and len(with_bits) < len(sources):
        plain = next(source.path for source in sources if not source.has_bits())
        raise DataError(
            f"{plain}: holds region ET only and {with_bits[0]} images with bits; ingest them into separate files "
            "(one file holds one layout)"
        )
    columns = tuple(key for key in COLUMN_DTYPES if all(key in source.columns() for source in sources))
    files = [IngestedFile(source.path, source.layout.name, source.selection()) for source in sources]
    total = sum(item.selection.kept for item in files)
    if total == 0:
        described = "; ".join(f"{item.path}: {item.selection.describe()}" for item in files)
        raise DataError(f"no events kept ({described}); nothing written")
    attrs = {
        "generator": "files",
        "source_files": json.dumps([str(item.path) for item in files]),
        "source_layouts": json.dumps([item.layout for item in files]),
    }
    if any(item.layout == NTUPLE.name for item in files):
        attrs["ntuples"] = json.dumps((ntuples or NtupleOptions()).plain())
    writing = writing_regions(output, bool(with_bits), columns, attrs, events_hint=total)
    with writing as writer, progress(total, output.name) as bar:
        for source in sources:
            for chunk in source.chunks(columns):
                writer.append(chunk.images, chunk.columns)
                bar.update(len(chunk.images))
        if writer.events != total:
            raise RuntimeError(f"{writer.events} events written, {total} counted")
    return IngestResult(output, total, bool(with_bits), columns, files)
