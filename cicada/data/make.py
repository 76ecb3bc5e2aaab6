"""Making a build's datasets: zero-bias (train/val/test, slices, pileup variations) and signal
samples as HDF5 files.

Each dataset draws from its own random stream (:mod:`cicada.core.seeds`), named after the
dataset, so adding or resizing one sample leaves the others unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.seeds import numpy_stream
from .datasets import (
    ZERO_BIAS_SLICES,
    ZERO_BIAS_SPLITS,
    ZERO_BIAS_TEST,
    dataset_names,
    dataset_path,
    pileup_dataset_name,
    slices_enabled,
    split_sizes,
)
from .generators import ZERO_BIAS_GENERATORS
from .hdf5 import write_regions
from .signals import SIGNAL_KINDS, SignalContext
from .slices import Crossings, bulk_weights

if TYPE_CHECKING:
    from ..config.sections import DataConfig


def source_files(config: "DataConfig", base_dir: Path) -> list[Path]:
    """Every input file the datasets are read from (empty for generated data)."""
    from .files import resolve

    files = list(ZERO_BIAS_GENERATORS.get(config.generator).source_files(config, base_dir))
    for sample in config.signals:
        files.extend(resolve(base_dir, f) for f in SIGNAL_KINDS.get(sample.kind).source_files(sample))
    return files


def _part(crossings: Crossings, start: int, stop: int) -> dict:
    """The per-event columns of crossings start..stop-1, as ``write_regions`` keywords."""
    pick = slice(start, stop)
    columns = {
        "pileup": crossings.n_pileup,
        "pt_hat": crossings.pt_hat_gev,
        "pv_npvs": crossings.pv_npvs,
        "pv_npvs_good": crossings.pv_npvs_good,
    }
    return {key: None if values is None else values[pick] for key, values in columns.items()}


def make_datasets(config: "DataConfig", seed: int, data_dir: Path, base_dir: Path = Path(".")) -> dict[str, Path]:
    """Make every dataset of ``config`` in ``data_dir``; returns name -> file.

    ``base_dir`` is the folder relative paths in the config refer to (the config file's).
    """
    data_dir = Path(data_dir)
    generator = ZERO_BIAS_GENERATORS.get(config.generator)(config, seed, base_dir)
    attrs = {"generator": config.generator, "seed": seed, "pileup": config.pileup, **generator.attrs()}
    written: dict[str, Path] = {}

    zero_bias = generator.zero_bias(numpy_stream(seed, "zero_bias"))
    sizes = split_sizes(len(zero_bias), (config.split.train, config.split.val, config.split.test))
    starts = [0, sizes[0], sizes[0] + sizes[1], len(zero_bias)]
    test = _part(zero_bias, starts[2], starts[3])

    if slices_enabled(config):
        slices = generator.slices(numpy_stream(seed, ZERO_BIAS_SLICES))
        slice_attrs = {**attrs, "sample": ZERO_BIAS_SLICES, "pt_hat_edges": list(config.slices.pt_hat_edges)}
        written[ZERO_BIAS_SLICES] = write_regions(
            dataset_path(data_dir, ZERO_BIAS_SLICES),
            slices.images,
            slice_attrs,
            weights=slices.weights,
            pileup=slices.n_pileup,
            pt_hat=slices.pt_hat_gev,
        )
        # the test events with a scatter in the sliced range are counted by the slices
        test["weights"] = bulk_weights(test["pt_hat"], config.slices.pt_hat_edges[0], float(slices.weights.sum()))

    for part, start, stop in zip(ZERO_BIAS_SPLITS, starts, starts[1:]):
        name = f"zero_bias_{part}"
        columns = test if name == ZERO_BIAS_TEST else _part(zero_bias, start, stop)
        written[name] = write_regions(
            dataset_path(data_dir, name), zero_bias.images[start:stop], {**attrs, "sample": name}, **columns
        )

    for mu in config.pileup_variations:
        name = pileup_dataset_name(mu)
        crossings = generator.crossings(sizes[2], mu, numpy_stream(seed, name))
        written[name] = write_regions(
            dataset_path(data_dir, name),
            crossings.images,
            {**attrs, "sample": name, "pileup": mu},
            **_part(crossings, 0, len(crossings)),
        )

    context = SignalContext(
        config.pileup,
        seed,
        Path(base_dir),
        generator.pileup_towers,
        generator,
        config.region_bits,
        generator.pileup_layers,
    )
    for sample in config.signals:
        kind = SIGNAL_KINDS.get(sample.kind)
        images = kind.make(sample, context, numpy_stream(seed, f"signal/{sample.name}"))
        written[sample.name] = write_regions(
            dataset_path(data_dir, sample.name), images, {**attrs, "sample": sample.name, "kind": sample.kind}
        )
    return {name: written[name] for name in dataset_names(config)}
