"""HDF5 files of calorimeter region images, in CICADA's format.

A file holds ``CaloRegions`` in one of two layouts:

* plain: shape (N, 18, 14), integer region ET in 0.5 GeV LSBs (0..1023);
* compound (the 2025 CICADA zero-bias files): fields ``et``, ``egbit``, ``taubit`` read by name,
  shape (N, 18, 14) or (N, 252) (regions in C order, phi-major, as ``reshape(-1, 252)`` of the
  (N, 18, 14) images), ET 0..1023 and bits 0 or 1 (:mod:`cicada.data.region_bits`).

Optional per-event datasets: ``AcceptanceFlag``, ``EventWeight``, ``NPileup`` (simulated
interactions), ``PtHat``, and ``PV_npvs`` / ``PV_npvsGood`` (reconstructed primary vertices, as
the 2025 files carry them). Files written here use uint16 ET (and the compound dtype of
:data:`~cicada.data.region_bits.REGION_DTYPE` for images with bits) and carry metadata
attributes (generator, seed, pileup, cicada version). Reading checks everything and raises one
:class:`~cicada.core.errors.DataError` naming the file, the dataset (and field) and what was expected.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Iterator, Mapping

import h5py
import numpy as np

from .. import __version__
from ..core.errors import DataError
from ..core.files import atomic_path, check_regular_file
from ..core.geometry import REGION_SHAPE
from .layouts import check_dataset, check_images, image_dtype, images_from_rows
from .region_bits import BIT_FIELDS, ET_FIELD, has_bits, with_bits

IMAGES_KEY = "CaloRegions"
ACCEPTANCE_KEY = "AcceptanceFlag"
#: Optional per-event weight: the fraction of filled bunch crossings the event stands for
#: (weighted hard-scatter samples). A file without it is unweighted: each event stands for 1/N.
WEIGHTS_KEY = "EventWeight"
#: Optional per-event number of pileup interactions overlaid in the event.
PILEUP_KEY = "NPileup"
#: Optional per-event pT-hat (GeV) of the hardest parton scatter in the crossing (simulated
#: zero-bias; 0 when it has none): what stitches weighted hard-scatter slices to zero-bias.
PT_HAT_KEY = "PtHat"
#: Optional per-event numbers of reconstructed primary vertices, all and good ones (recorded data:
#: the 2025 CICADA files carry NanoAOD's ``PV_npvs`` and ``PV_npvsGood``): a pileup proxy.
PV_NPVS_KEY = "PV_npvs"
PV_NPVS_GOOD_KEY = "PV_npvsGood"
#: Per-event pileup information in the order it is preferred: the true number of interactions
#: where simulated, else the good vertices, else all vertices.
PILEUP_KEYS = (PILEUP_KEY, PV_NPVS_GOOD_KEY, PV_NPVS_KEY)
#: Every optional per-event dataset, in the order files are written, with the dtype it is written in.
COLUMN_DTYPES = {
    ACCEPTANCE_KEY: np.dtype(bool),
    WEIGHTS_KEY: np.dtype(np.float64),
    PILEUP_KEY: np.dtype(np.int32),
    PT_HAT_KEY: np.dtype(np.float32),
    PV_NPVS_KEY: np.dtype(np.int32),
    PV_NPVS_GOOD_KEY: np.dtype(np.int32),
}


@contextlib.contextmanager
def _writing(path: str | Path) -> Iterator[h5py.File]:
    """An HDF5 file built in memory, then written to ``path`` atomically in one plain write.

    The HDF5 library reports a failed write (a full disk, a file-size limit) from C code that
    can leave the process in a bad state; a plain write of the finished bytes fails cleanly,
    with an OSError naming the cause, and leaves nothing behind.
    """
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        yield handle
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as out:
            out.write(buffer.getbuffer())


def write_regions(
    path: str | Path,
    images: np.ndarray,
    attrs: Mapping[str, object] | None = None,
    acceptance: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    pileup: np.ndarray | None = None,
    pt_hat: np.ndarray | None = None,
    pv_npvs: np.ndarray | None = None,
    pv_npvs_good: np.ndarray | None = None,
) -> Path:
    """Write region images (N, 18, 14) to ``path`` atomically, with metadata attributes and the
    optional per-event acceptance flags, weights, pileup counts, pT-hat and vertex counts.

    ET-only images are written as a plain uint16 dataset, images with bits as the compound
    layout of the 2025 CICADA files (fields ``et``, ``egbit``, ``taubit``; shape (N, 18, 14))."""
    images = np.asarray(images)
    check_images(images, str(path), IMAGES_KEY)
    per_event = {
        ACCEPTANCE_KEY: acceptance,
        WEIGHTS_KEY: weights,
        PILEUP_KEY: pileup,
        PT_HAT_KEY: pt_hat,
        PV_NPVS_KEY: pv_npvs,
        PV_NPVS_GOOD_KEY: pv_npvs_good,
    }
    for key, values in per_event.items():
        if values is not None and np.shape(values) != (len(images),):
            raise DataError(
                f"{path}: '{key}' has shape {np.shape(values)}, expected ({len(images)},) like {IMAGES_KEY}"
            )
    if has_bits(images):
        stored = with_bits(images[ET_FIELD], *(images[field] for field in BIT_FIELDS))
    else:
        stored = images.astype(np.uint16)
    with _writing(path) as handle:
        handle.create_dataset(IMAGES_KEY, data=stored, chunks=True, compression="lzf")
        for key, values in per_event.items():
            if values is not None:
                handle.create_dataset(key, data=np.asarray(values, dtype=COLUMN_DTYPES[key]))
        handle.attrs["cicada_version"] = __version__
        for key, value in (attrs or {}).items():
            handle.attrs[key] = value
    return Path(path)


#: Rows read at a time, so that a file of many events is never read whole into memory.
CHUNK_ROWS = 262_144


def _open(path: Path) -> h5py.File:
    """An HDF5 file opened for reading, after checking it is a regular file."""
    path = Path(path)
    check_regular_file(path, DataError, f"an HDF5 file with a {IMAGES_KEY} dataset")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise DataError(f"{path}: not a readable HDF5 file (truncated or corrupt?): {err}") from None


def _images_dataset(handle: h5py.File, path: Path) -> h5py.Dataset:
    """The ``CaloRegions`` dataset of an open file, checked for shape and type (not read)."""
    link = handle.get(IMAGES_KEY, getlink=True)
    if link is None:
        found = ", ".join(handle.keys()) or "nothing"
        raise DataError(
            f"{path}: no '{IMAGES_KEY}' dataset (found: {found}); expected {IMAGES_KEY} of shape (N, 18, 14)"
        )
    if isinstance(link, h5py.ExternalLink):
        raise DataError(
            f"{path}: '{IMAGES_KEY}' is an external link to {link.filename}:{link.path}; expected the dataset in this "
            "file (give that file instead)"
        )
    if isinstance(link, h5py.SoftLink) and link.path not in handle:
        raise DataError(f"{path}: '{IMAGES_KEY}' is a link to '{link.path}', which does not exist in the file")
    dataset = handle[IMAGES_KEY]
    if not isinstance(dataset, h5py.Dataset):
        raise DataError(f"{path}: '{IMAGES_KEY}' is a group, expected a dataset of shape (N, 18, 14)")
    check_dataset(dataset.shape, dataset.dtype, str(path), IMAGES_KEY)
    return dataset


def _read_rows(dataset: h5py.Dataset, rows, path: Path) -> np.ndarray:
    try:
        data = dataset[rows]
    except (OSError, RuntimeError) as err:
        raise DataError(f"{path}: '{IMAGES_KEY}' cannot be read (truncated or corrupt?): {err}") from None
    return images_from_rows(data, str(path), IMAGES_KEY)


def read_regions(path: str | Path, limit: int | None = None) -> np.ndarray:
    """Region images (N, 18, 14), after checking shape, type and range; at most the first ``limit``
    events. Read and checked a chunk at a time. Plain files give uint16 ET-only images, compound
    files images with bits (:mod:`cicada.data.region_bits`)."""
    path = Path(path)
    with _open(path) as handle:
        dataset = _images_dataset(handle, path)
        total = dataset.shape[0] if limit is None else min(limit, dataset.shape[0])
        out = np.empty((total, *REGION_SHAPE), dtype=image_dtype(dataset.dtype))
        for start in range(0, total, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, total)
            out[start:stop] = _read_rows(dataset, slice(start, stop), path)
    return out


def iter_regions(path: str | Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[int, np.ndarray]]:
    """The region images of a file a chunk at a time, (first row, images (n, 18, 14)), each chunk
    checked as :func:`read_regions` checks them: for files larger than memory."""
    path = Path(path)
    with _open(path) as handle:
        dataset = _images_dataset(handle, path)
        total = dataset.shape[0]
        for start in range(0, total, chunk_rows):
            yield start, _read_rows(dataset, slice(start, min(start + chunk_rows, total)), path)


def read_region_rows(path: str | Path, rows: np.ndarray) -> np.ndarray:
    """The events at ``rows`` (any order) of a region file, reading only those."""
    path = Path(path)
    rows = np.asarray(rows, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    with _open(path) as handle:
        dataset = _images_dataset(handle, path)
        out = np.empty((len(rows), *REGION_SHAPE), dtype=image_dtype(dataset.dtype))
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = sorted_rows[start : start + CHUNK_ROWS]
            unique, inverse = np.unique(chunk, return_inverse=True)
            out[order[start : start + len(chunk)]] = _read_rows(dataset, unique, path)[inverse]
    return out


def count_events(path: str | Path) -> int:
    """How many events a region file holds, without reading them."""
    path = Path(path)
    with _open(path) as handle:
        return int(_images_dataset(handle, path).shape[0])


def read_acceptance(path: str | Path, n_events: int) -> np.ndarray | None:
    """The optional ``AcceptanceFlag`` (N,) as booleans, or None when the file has none."""
    with h5py.File(path, "r") as handle:
        if ACCEPTANCE_KEY not in handle:
            return None
        flags = handle[ACCEPTANCE_KEY][()]
    if flags.shape != (n_events,):
        raise DataError(f"{path}: '{ACCEPTANCE_KEY}' has shape {flags.shape}, expected ({n_events},) like {IMAGES_KEY}")
    return flags.astype(bool)


def _per_event(path: str | Path, key: str, n_events: int, dtype) -> np.ndarray | None:
    path = Path(path)
    with _open(path) as handle:
        if key not in handle:
            return None
        if not isinstance(handle.get(key, getlink=True), h5py.HardLink) or not isinstance(handle[key], h5py.Dataset):
            raise DataError(f"{path}: '{key}' is not a dataset stored in the file, expected a ({n_events},) array")
        values = handle[key][()]
    if not (np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.bool_)):
        raise DataError(f"{path}: '{key}' has type {values.dtype}, expected a numeric ({n_events},) array")
    if values.shape != (n_events,):
        raise DataError(f"{path}: '{key}' has shape {values.shape}, expected ({n_events},) like {IMAGES_KEY}")
    return values.astype(dtype)


def read_event_weights(path: str | Path) -> np.ndarray | None:
    """The optional ``EventWeight`` (N,), or None for an unweighted file."""
    weights = _per_event(path, WEIGHTS_KEY, count_events(path), np.float64)
    if weights is not None and not (np.all(np.isfinite(weights)) and np.all(weights >= 0)):
        raise DataError(f"{path}: '{WEIGHTS_KEY}' holds negative, NaN or infinite values, expected weights >= 0")
    return weights


def read_pileup(path: str | Path, key: str = PILEUP_KEY) -> np.ndarray | None:
    """Optional per-event counts (N,): ``NPileup`` (pileup interactions) by default, or another of
    :data:`PILEUP_KEYS` (``PV_npvsGood``, ``PV_npvs``); None when not stored."""
    counts = _per_event(path, key, count_events(path), np.float64)
    if counts is None:
        return None
    if not (np.all(np.isfinite(counts)) and np.all(counts == np.round(counts))) or np.any(counts < 0):
        raise DataError(f"{path}: '{key}' holds negative, fractional or non-finite values, expected counts >= 0")
    return counts.astype(np.int64)


def read_pileup_info(path: str | Path) -> tuple[str, np.ndarray] | None:
    """The file's preferred per-event pileup information, ``(key, counts)``: ``NPileup`` where
    simulated, else ``PV_npvsGood``, else ``PV_npvs`` (:data:`PILEUP_KEYS`); None without any.
    Every one the file holds is checked."""
    found = [(key, read_pileup(path, key)) for key in PILEUP_KEYS]
    return next(((key, counts) for key, counts in found if counts is not None), None)


def file_has_bits(path: str | Path) -> bool:
    """Whether a region file's ``CaloRegions`` is the compound layout with bits (not reading it)."""
    path = Path(path)
    with _open(path) as handle:
        return _images_dataset(handle, path).dtype.names is not None


def read_pt_hat(path: str | Path) -> np.ndarray | None:
    """The optional ``PtHat`` (N,): each crossing's hardest-scatter pT-hat in GeV, or None when not stored."""
    pt_hat = _per_event(path, PT_HAT_KEY, count_events(path), np.float64)
    if pt_hat is not None and not (np.all(np.isfinite(pt_hat)) and np.all(pt_hat >= 0)):
        raise DataError(f"{path}: '{PT_HAT_KEY}' holds negative, NaN or infinite values, expected pT-hat >= 0 (GeV)")
    return pt_hat


def read_attrs(path: str | Path) -> dict:
    """The metadata attributes of a region file."""
    with h5py.File(path, "r") as handle:
        return {k: (v.item() if hasattr(v, "item") else v) for k, v in handle.attrs.items()}


SCORE_KINDS = ("teacher_mse", "student_float", "student_qkeras", "firmware", "total_et")


def write_scores(path: str | Path, scores: Mapping[str, Mapping[str, np.ndarray]]) -> Path:
    """Write per-dataset score arrays: ``scores[dataset][kind]`` for kind in SCORE_KINDS."""
    with _writing(path) as handle:
        for dataset, kinds in scores.items():
            group = handle.create_group(dataset)
            for kind, values in kinds.items():
                group.create_dataset(kind, data=np.asarray(values, dtype=np.float64))
    return Path(path)


def read_scores(path: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """The inverse of :func:`write_scores`."""
    try:
        with h5py.File(path, "r") as handle:
            return {name: {kind: group[kind][()] for kind in group} for name, group in handle.items()}
    except OSError as err:
        raise DataError(f"{path}: cannot read scores ({err})") from None
