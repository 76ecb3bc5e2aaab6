"""The data stage: zero-bias (train/val/test) and signal datasets as HDF5 files.

Each dataset draws from its own random stream, derived from the build seed and the
dataset's name, so adding or resizing one signal sample leaves the others unchanged.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from . import synthetic
from .config import DataConfig
from .datasets import write_regions
from .progress import log

ZERO_BIAS_SPLITS = ("train", "val", "test")


def dataset_names(config: DataConfig) -> list[str]:
    """All dataset names of a build: zero_bias_{train,val,test} then the signals."""
    return [f"zero_bias_{part}" for part in ZERO_BIAS_SPLITS] + [s.name for s in config.signals]


def test_dataset_names(config: DataConfig) -> list[str]:
    """The datasets scored for rates and efficiencies: zero-bias test, then signals."""
    return ["zero_bias_test"] + [s.name for s in config.signals]


def dataset_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / f"{name}.h5"


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible random stream for (seed, stream name)."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def split_sizes(n_events: int, fractions: tuple[float, float, float]) -> list[int]:
    """Event counts for train/val/test that add up to ``n_events``."""
    train = round(n_events * fractions[0])
    val = round(n_events * fractions[1])
    return [train, val, n_events - train - val]


def make_datasets(config: DataConfig, seed: int, data_dir: Path) -> dict[str, Path]:
    """Generate every dataset of ``config`` into ``data_dir``; returns name -> file."""
    data_dir = Path(data_dir)
    attrs = {"generator": config.generator, "seed": seed, "pileup": config.pileup}
    written: dict[str, Path] = {}

    log.info(f"  generating {config.zero_bias_events:,} zero-bias events (pileup {config.pileup:g})")
    images = synthetic.zero_bias(config.zero_bias_events, config.pileup, rng_for(seed, "zero_bias"))
    sizes = split_sizes(len(images), (config.split.train, config.split.val, config.split.test))
    start = 0
    for part, size in zip(ZERO_BIAS_SPLITS, sizes):
        name = f"zero_bias_{part}"
        written[name] = write_regions(
            dataset_path(data_dir, name), images[start : start + size], {**attrs, "sample": name}
        )
        start += size

    for sample in config.signals:
        log.info(f"  generating {sample.events:,} events of signal '{sample.name}' ({sample.kind})")
        images = synthetic.signal(sample, config.pileup, rng_for(seed, f"signal/{sample.name}"))
        written[sample.name] = write_regions(
            dataset_path(data_dir, sample.name), images, {**attrs, "sample": sample.name, "kind": sample.kind}
        )
    return written
