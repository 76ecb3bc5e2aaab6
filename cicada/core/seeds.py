"""Every random stream of a build, derived from the config's one seed.

A stream is named (``"zero_bias"``, ``"signal/dijet_1tev"``, ``"outliers/train"``...), so adding
or resizing one sample leaves every other sample unchanged, and the same name always gives
the same numbers. This module is the only place where seeds are derived:

* :func:`numpy_stream`: a numpy Generator for (seed, name);
* :func:`side_stream`: a named stream beside an existing one (e.g. a chunk's), drawn from
  without touching that stream's draws;
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


def side_stream(rng: np.random.Generator, name: str) -> np.random.Generator:
    """An independent, reproducible stream beside ``rng``, for (``rng``'s seed, stream name).

    It comes from ``rng``'s seed, not from its draws: taking it draws nothing from ``rng`` and
    gives the same numbers however far ``rng`` has been drawn. So optional work (e.g. region bits)
    can draw its own numbers while every draw of ``rng``, and so every existing output, stays
    as it was. Take it once per ``rng`` and name: a second call gives the same numbers again.
    """
    seq = rng.bit_generator.seed_seq
    key = (*seq.spawn_key, stream_id(name))  # spawned children have small last keys; CRC-32 of a name is large
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=key, pool_size=seq.pool_size))


def pythia_seed(seed: int, name: str = "") -> int:
    """A Pythia seed (1..900,000,000) for (build seed, stream name), e.g. a dataset."""
    return 1 + zlib.crc32(f"{int(seed)}/{name}".encode()) % PYTHIA_SEED_MAX


def epoch_seed(seed: int, epoch: int) -> int:
    """The TensorFlow/Python/numpy global seed of training epoch ``epoch`` (0-based).

    Each epoch reseeds from (seed, epoch) so that a resumed run shuffles and drops out
    exactly as an uninterrupted one.
    """
    return int(seed) * 1009 + int(epoch)
