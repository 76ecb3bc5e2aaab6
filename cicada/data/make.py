"""Making a build's datasets: zero-bias (train/val/test) and signal samples as HDF5 files.

Each dataset draws from its own random stream (:mod:`cicada.core.seeds`), named after the
dataset, so adding or resizing one signal sample leaves the others unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.seeds import numpy_stream
from .datasets import ZERO_BIAS_SPLITS, dataset_path, split_sizes
from .generators import ZERO_BIAS_GENERATORS
from .hdf5 import write_regions
from .signals import SIGNAL_KINDS, SignalContext

if TYPE_CHECKING:
    from ..config.sections import DataConfig


def source_files(config: "DataConfig", base_dir: Path) -> list[Path]:
    """Every input file the datasets are read from (empty for generated data)."""
    from .files import resolve

    files = list(ZERO_BIAS_GENERATORS.get(config.generator).source_files(config, base_dir))
    for sample in config.signals:
        files.extend(resolve(base_dir, f) for f in SIGNAL_KINDS.get(sample.kind).source_files(sample))
    return files


def make_datasets(config: "DataConfig", seed: int, data_dir: Path, base_dir: Path = Path(".")) -> dict[str, Path]:
    """Make every dataset of ``config`` in ``data_dir``; returns name -> file.

    ``base_dir`` is the folder relative paths in the config refer to (the config file's).
    """
    data_dir = Path(data_dir)
    generator = ZERO_BIAS_GENERATORS.get(config.generator)(config, seed, base_dir)
    attrs = {"generator": config.generator, "seed": seed, "pileup": config.pileup, **generator.attrs()}
    written: dict[str, Path] = {}

    images = generator.zero_bias(numpy_stream(seed, "zero_bias"))
    sizes = split_sizes(len(images), (config.split.train, config.split.val, config.split.test))
    start = 0
    for part, size in zip(ZERO_BIAS_SPLITS, sizes):
        name = f"zero_bias_{part}"
        written[name] = write_regions(
            dataset_path(data_dir, name), images[start : start + size], {**attrs, "sample": name}
        )
        start += size

    context = SignalContext(config.pileup, seed, Path(base_dir), generator.pileup_towers, generator)
    for sample in config.signals:
        kind = SIGNAL_KINDS.get(sample.kind)
        images = kind.make(sample, context, numpy_stream(seed, f"signal/{sample.name}"))
        written[sample.name] = write_regions(
            dataset_path(data_dir, sample.name), images, {**attrs, "sample": sample.name, "kind": sample.kind}
        )
    return written
