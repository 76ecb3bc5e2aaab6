"""The input layouts cicada reads, in one table, and the file's content that says which one a file holds.

| layout | container | identified by | bits |
|---|---|---|---|
| plain | HDF5 | ``CaloRegions``, integer (or integral float) ET, (N, 18, 14) | no |
| compound | HDF5 | ``CaloRegions`` with fields ``et``, ``egbit``, ``taubit``, (N, 18, 14) or (N, 252) | yes |
| teacher | HDF5 | top-level ``et``, ``tauBits``, ``egBits``, each (N, 18, 14) (float64 in the 2026 files) | yes |
| ntuple | ROOT | a TTree (default ``Events``) with per-region branches ``Regions_*`` (252 per event) | yes |

A ROOT file starts with the bytes ``root``; an HDF5 file with its signature (h5py's
``is_hdf5``), where ``CaloRegions`` (its dtype telling plain from compound) or else the three
teacher datasets say the layout. :func:`open_source` opens a file with its layout's reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import h5py

from ...config.ntuples import NtupleOptions
from ...core.errors import DataError
from ...core.files import check_regular_file
from ..hdf5 import IMAGES_KEY
from .base import InputLayout, RegionSource

PLAIN = InputLayout(
    "plain",
    "HDF5",
    f"'{IMAGES_KEY}' of integer (or integral float) region ET, (N, 18, 14)",
    False,
    "CICADA's training files before 2025; cicada's ET-only datasets",
)
COMPOUND = InputLayout(
    "compound",
    "HDF5",
    f"'{IMAGES_KEY}' with fields et, egbit, taubit, (N, 18, 14) or (N, 252)",
    True,
    "the 2025 CICADA zero-bias files; cicada's datasets with bits",
)
TEACHER = InputLayout(
    "teacher",
    "HDF5",
    "top-level datasets et, tauBits, egBits, each (N, 18, 14)",
    True,
    "the CICADA 2026 production's teacher files (makeTrainingFile.py)",
)
NTUPLE = InputLayout(
    "ntuple",
    "ROOT",
    "a TTree (Events) with per-region branches Regions_et, _egbit, _taubit, _iphi, _ieta (252 per event)",
    True,
    "NanoAOD with CMSSW's CICADAInputTableProducer, as the 2026 production reads it",
)
LAYOUTS = (PLAIN, COMPOUND, TEACHER, NTUPLE)
#: The datasets that make an HDF5 file without ``CaloRegions`` a teacher file.
TEACHER_DATASETS = ("et", "tauBits", "egBits")
ROOT_MAGIC = b"root"


def detect_layout(path: Path) -> InputLayout:
    """The layout of a file, from its content (never from its name alone)."""
    path = Path(path)
    check_regular_file(path, DataError, "an HDF5 file or a ROOT ntuple")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(ROOT_MAGIC))
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror})") from None
    if magic == ROOT_MAGIC:
        return NTUPLE
    if path.suffix.lower() == ".root":
        raise DataError(f"{path}: named .root but not a ROOT file (it does not start with 'root'; truncated?)")
    if not h5py.is_hdf5(path):
        raise DataError(f"{path}: not a readable HDF5 file (truncated or corrupt?) nor a ROOT file")
    try:
        with h5py.File(path, "r") as handle:
            if IMAGES_KEY in handle:
                item = handle.get(IMAGES_KEY)
                names = item.dtype.names if isinstance(item, h5py.Dataset) else None
                return COMPOUND if names else PLAIN  # the reader checks the dataset itself
            if any(name in handle for name in TEACHER_DATASETS):
                return TEACHER
            found = ", ".join(handle.keys()) or "nothing"
    except OSError as err:
        raise DataError(f"{path}: not a readable HDF5 file (truncated or corrupt?): {err}") from None
    raise DataError(
        f"{path}: no '{IMAGES_KEY}' dataset (found: {found}); expected {IMAGES_KEY} of shape (N, 18, 14), or the "
        "datasets et, tauBits, egBits of the 2026 teacher files"
    )


def _calo_regions(path: Path, layout: InputLayout, options: NtupleOptions, base_dir: Path) -> RegionSource:
    from .calo_regions import CaloRegionsSource

    return CaloRegionsSource(path, layout)


def _teacher(path: Path, layout: InputLayout, options: NtupleOptions, base_dir: Path) -> RegionSource:
    from .teacher import TeacherSource

    return TeacherSource(path, layout)


def _ntuple(path: Path, layout: InputLayout, options: NtupleOptions, base_dir: Path) -> RegionSource:
    from .ntuple import NtupleSource

    return NtupleSource(path, layout, options, base_dir)


#: layout name -> its reader
READERS: dict[str, Callable[[Path, InputLayout, NtupleOptions, Path], RegionSource]] = {
    PLAIN.name: _calo_regions,
    COMPOUND.name: _calo_regions,
    TEACHER.name: _teacher,
    NTUPLE.name: _ntuple,
}


def open_source(path: Path, ntuples: NtupleOptions | None = None, base_dir: Path = Path(".")) -> RegionSource:
    """A file opened with the reader of its layout. ``ntuples`` says how ROOT ntuples are read; its run
    list and trigger bit cannot select the events of other files (an error); ``base_dir`` is where a
    run-list file's relative path starts."""
    options = ntuples or NtupleOptions()
    layout = detect_layout(path)
    if layout.container != NTUPLE.container and options.selects():
        raise DataError(
            f"{path}: an HDF5 file ({layout.name} layout) carries no run numbers or trigger bits; a run list or a "
            "trigger selection (ntuples.runs, ntuples.trigger) applies to ROOT ntuples only"
        )
    return READERS[layout.name](Path(path), layout, options, Path(base_dir))


def open_sources(
    paths: list[Path], ntuples: NtupleOptions | None = None, base_dir: Path = Path(".")
) -> list[RegionSource]:
    return [open_source(path, ntuples, base_dir) for path in paths]
