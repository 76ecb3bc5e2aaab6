"""Where values stored as numbers of any type are not what cicada reads: whole numbers in a range.

Files store region ET and bits as integers, booleans or floats (the 2026 teacher files hold
float64); a float is read only when it is a whole number, so nothing is silently rounded.
"""

from __future__ import annotations

import numpy as np


def is_numeric(dtype: np.dtype) -> bool:
    return bool(np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.bool_))


def first_bad(values: np.ndarray, low: int, high: int) -> int | None:
    """The flat index of the first value that is not a whole number in low..high, or None."""
    values = np.asarray(values).reshape(-1)
    if values.size == 0 or np.issubdtype(values.dtype, np.bool_):  # booleans are 0 or 1
        return None
    if np.issubdtype(values.dtype, np.floating):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < low) | (values > high)
    else:
        if values.min() >= low and values.max() <= high:  # the common case without a mask
            return None
        bad = (values < low) | (values > high)
    where = np.flatnonzero(bad)
    return int(where[0]) if where.size else None


def show_value(value) -> str:
    """A stored value as an error message shows it (floats without needless digits)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(int(value))
