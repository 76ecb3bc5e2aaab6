"""The two layouts of ``CaloRegions`` on disk, checked and turned into in-memory images.

* plain: (N, 18, 14) integer (or integral float) region ET, read as uint16 ET-only images;
* compound: fields ``et``, ``egbit``, ``taubit`` (found by name; others are ignored) of shape
  (N, 18, 14) or (N, 252), read as images with bits (:mod:`cicada.data.region_bits`).

Every problem is one :class:`~cicada.core.errors.DataError` naming the file, the dataset (and
field) and what was expected. :mod:`cicada.data.hdf5` does the file I/O.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import DataError
from ..core.geometry import N_REGIONS, REGION_ET_MAX, REGION_SHAPE
from .region_bits import BIT_FIELDS, ET_FIELD, REGION_DTYPE, has_bits

COMPOUND_FIELDS = (ET_FIELD, *BIT_FIELDS)
_EXPECTED_FIELDS = ", ".join(COMPOUND_FIELDS)


def is_compound(dtype: np.dtype) -> bool:
    return dtype.names is not None


def image_dtype(dtype: np.dtype) -> np.dtype:
    """The in-memory dtype of images read from a dataset of ``dtype``."""
    return REGION_DTYPE if is_compound(dtype) else np.dtype(np.uint16)


def check_dataset(shape: tuple, dtype: np.dtype, where: str, key: str) -> None:
    """Shape and type of a ``CaloRegions`` dataset (before reading it)."""
    if is_compound(dtype):
        _check_compound(shape, dtype, where, key)
        return
    if len(shape) != 3 or tuple(shape[1:]) != REGION_SHAPE:
        raise DataError(f"{where}: '{key}' has shape {shape}, expected (N, 18, 14)")
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        raise DataError(f"{where}: '{key}' has type {dtype}, expected integer region ET")


def _check_compound(shape: tuple, dtype: np.dtype, where: str, key: str) -> None:
    names = dtype.names or ()
    for field in COMPOUND_FIELDS:
        if field not in names:
            raise DataError(
                f"{where}: '{key}' has no field '{field}' (fields: {', '.join(names)}), expected fields {_EXPECTED_FIELDS}"
            )
        field_type = dtype.fields[field][0]
        if field_type.shape or not (np.issubdtype(field_type, np.integer) or np.issubdtype(field_type, np.bool_)):
            expected = "integer region ET" if field == ET_FIELD else "an integer or boolean bit"
            raise DataError(f"{where}: '{key}' field '{field}' has type {field_type}, expected {expected}")
    if not (len(shape) == 3 and tuple(shape[1:]) == REGION_SHAPE) and not (len(shape) == 2 and shape[1] == N_REGIONS):
        raise DataError(
            f"{where}: '{key}' has shape {shape}, expected (N, 18, 14) or (N, 252) for fields {_EXPECTED_FIELDS}"
        )


def images_from_rows(data: np.ndarray, where: str, key: str) -> np.ndarray:
    """Rows read from a checked dataset as in-memory images (N, 18, 14), values checked."""
    if not is_compound(data.dtype):
        check_images(data, where, key)
        return data.astype(np.uint16)
    images = np.empty((len(data), *REGION_SHAPE), dtype=REGION_DTYPE)
    for field in COMPOUND_FIELDS:
        values = data[field].reshape(len(data), *REGION_SHAPE)
        _check_field(values, field, where, key)
        images[field] = values
    return images


def _check_field(values: np.ndarray, field: str, where: str, key: str) -> None:
    if values.size == 0:
        return
    low, high = values.min(), values.max()
    if field == ET_FIELD and (low < 0 or high > REGION_ET_MAX):
        raise DataError(f"{where}: '{key}' field '{field}' spans {low}..{high}, expected region ET 0..{REGION_ET_MAX}")
    if field != ET_FIELD and (low < 0 or high > 1):
        raise DataError(f"{where}: '{key}' field '{field}' spans {int(low)}..{int(high)}, expected bits 0 or 1")


def check_images(images: np.ndarray, where: str, key: str) -> None:
    """In-memory images of either layout: shape (N, 18, 14), ET 0..1023, bits 0 or 1."""
    if images.ndim != 3 or tuple(images.shape[1:]) != REGION_SHAPE:
        raise DataError(f"{where}: images have shape {images.shape}, expected (N, 18, 14)")
    if is_compound(images.dtype):
        if not has_bits(images):
            raise DataError(
                f"{where}: images have fields {', '.join(images.dtype.names)}, expected fields {_EXPECTED_FIELDS}"
            )
        for field in COMPOUND_FIELDS:
            _check_field(images[field], field, where, key)
        return
    if images.size == 0:
        return
    if np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)):
            raise DataError(f"{where}: '{key}' holds NaN or infinite values, expected region ET 0..1023")
        if not np.all(images == np.round(images)):
            raise DataError(f"{where}: '{key}' holds fractional values, expected integer region ET in LSBs")
    low, high = images.min(), images.max()
    if low < 0 or high > REGION_ET_MAX:
        raise DataError(f"{where}: '{key}' values span {low}..{high}, expected 0..{REGION_ET_MAX}")
