"""Work on many events a bounded number at a time, so memory does not grow with the sample.

Scoring makes float copies of its input several times the size of the uint16 region images
(float32 for Keras, float64 for the reconstruction error and the emulator library): on the
200,000 test events of cicada_v2 one float64 copy is 400 MB. Done in chunks, each copy holds
one chunk. A chunk is a multiple of every batch size Keras predicts with here (2048, 4096), so
the batches, and the scores, are those of the whole array.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Events per chunk: 2**15 = 8 x 4096 = 16 x 2048; 33 MB of float32 region images.
CHUNK_EVENTS = 2**15


def chunk_for(batch_size: int) -> int:
    """A chunk of about :data:`CHUNK_EVENTS` events that is a whole number of ``batch_size`` batches."""
    return batch_size * max(1, CHUNK_EVENTS // batch_size)


def in_chunks(function: Callable[[np.ndarray], np.ndarray], values: np.ndarray, size: int = CHUNK_EVENTS) -> np.ndarray:
    """``function(values)`` computed on ``size`` events (rows) at a time and concatenated along
    the first axis; ``function`` must treat events independently. Slices are views: no copy."""
    if len(values) <= size:
        return function(values)
    first = np.asarray(function(values[:size]))
    out = np.empty((len(values), *first.shape[1:]), dtype=first.dtype)
    out[:size] = first
    for start in range(size, len(values), size):
        out[start : start + size] = function(values[start : start + size])
    return out
