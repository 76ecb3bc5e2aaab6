"""Every random stream of a build, derived from the config's one seed.

A stream is named (``"zero_bias"``, ``"signal/dijet_1tev"``, ``"outliers/train"``...), so adding
or resizing one sample leaves every other sample unchanged, and the same name always gives
the same numbers. This module is the only place where seeds are derived:

* :func:`numpy_stream`: a numpy Generator for (seed, name);
* :func:`pythia_seed`: a seed in Pythia's range 1..900,000,000 for (seed, name);
* :func:`epoch_seed`: the TensorFlow seed of one training epoch (shuffling and dropout).
"""

from __future__ import annotations

import zlib

import numpy as np

#: Pythia accepts ``Random:seed`` values 1..900,000,000 as distinct reproducible streams.
PYTHIA_SEED_MAX = 900_000_000


def stream_id(name: str) -> int:
    """The 32-bit number standing for a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode())


def numpy_stream(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible numpy random stream for (build seed, stream name)."""
    return np.random.default_rng([int(seed), stream_id(name)])


def pythia_seed(seed: int, name: str = "") -> int:
    """A Pythia seed (1..900,000,000) for (build seed, stream name), e.g. a dataset."""
    return 1 + zlib.crc32(f"{int(seed)}/{name}".encode()) % PYTHIA_SEED_MAX


def epoch_seed(seed: int, epoch: int) -> int:
    """The TensorFlow/Python/numpy global seed of training epoch ``epoch`` (0-based).

    Each epoch reseeds from (seed, epoch) so that a resumed run shuffles and drops out
    exactly as an uninterrupted one.
    """
    return int(seed) * 1009 + int(epoch)
