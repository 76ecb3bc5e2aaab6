"""The data stage: zero-bias (train/val/test) and signal datasets as HDF5 files.

Each dataset draws from its own random stream, derived from the build seed and the
dataset's name, so adding or resizing one signal sample leaves the others unchanged.
"""

from __future__ import annotations

import contextlib
import zlib
from pathlib import Path

import numpy as np

from . import synthetic
from .config import DataConfig, SignalConfig
from .datasets import read_acceptance, read_regions, write_regions
from .errors import DataError, ToolError
from .geometry import REGION_SHAPE
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


def source_files(config: DataConfig, base_dir: Path) -> list[Path]:
    """Every input file the datasets are read from (empty for generated data)."""
    files = list(config.zero_bias_files)
    for sample in config.signals:
        if sample.kind == "files":
            files.extend(sample.physics.files)
    return [resolve(base_dir, f) for f in files]


def resolve(base_dir: Path, path: str) -> Path:
    """A config's file path: absolute, or relative to the config file's folder."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else Path(base_dir) / candidate


def read_files(paths: list[Path], use_acceptance: bool = False) -> np.ndarray:
    """Region images from several CICADA-format files, concatenated (each checked)."""
    parts = []
    for path in paths:
        images = read_regions(path)
        if use_acceptance:
            flags = read_acceptance(path, len(images))
            if flags is not None:
                images = images[flags]
        parts.append(images)
    return np.concatenate(parts) if parts else np.empty((0, *REGION_SHAPE), dtype=np.uint16)


def response(config: DataConfig):
    """The Pythia generator's detector response from the config."""
    from .detector import DetectorResponse

    r = config.pythia.response
    return DetectorResponse(curl_pt_gev=r.curl_pt_gev, hadron_response=r.hadron_response, em_response=r.em_response)


@contextlib.contextmanager
def _pythia_errors():
    """Pythia problems as one clear line: a missing package or a generator failure."""
    try:
        yield
    except ImportError as err:
        raise ToolError(f"data.generator is 'pythia' but {err} (or: pip install '.[pythia]')") from None
    except RuntimeError as err:
        raise ToolError(f"Pythia 8: {err}") from None


def pileup_pool(config: DataConfig, seed: int):
    """The Pythia min-bias pool of this config (cached in pythia.cache_dir across builds)."""
    from . import pythia

    log.info(f"  Pythia min-bias pool of {config.pythia.pool_events:,} events (cache {config.pythia.cache_dir})")
    with _pythia_errors():
        return pythia.minbias_pool(
            config.pythia.pool_events,
            pythia.derive_seed(seed, "minbias_pool"),
            config.pythia.cache_dir,
            response=response(config),
        )


def _zero_bias(config: DataConfig, seed: int, base_dir: Path, pool) -> np.ndarray:
    if config.generator == "synthetic":
        log.info(f"  generating {config.zero_bias_events:,} zero-bias events (pileup {config.pileup:g})")
        return synthetic.zero_bias(config.zero_bias_events, config.pileup, rng_for(seed, "zero_bias"))
    if config.generator == "pythia":
        from . import pythia

        log.info(f"  overlaying {config.zero_bias_events:,} zero-bias events (pileup {config.pileup:g}) from the pool")
        return pythia.pileup_regions(pool, config.zero_bias_events, config.pileup, rng_for(seed, "zero_bias"))
    paths = [resolve(base_dir, f) for f in config.zero_bias_files]
    images = read_files(paths)
    log.info(f"  read {len(images):,} zero-bias events from {len(paths)} file(s)")
    # shuffle before splitting: files are often ordered by run and lumisection
    images = images[rng_for(seed, "zero_bias_split").permutation(len(images))][: config.zero_bias_events]
    if len(images) < 10:
        raise DataError(f"{', '.join(map(str, paths))}: {len(images)} zero-bias events, expected at least 10")
    return images


def _signal(sample: SignalConfig, config: DataConfig, seed: int, base_dir: Path, pool) -> np.ndarray:
    if sample.kind == "files":
        paths = [resolve(base_dir, f) for f in sample.physics.files]
        images = read_files(paths, sample.physics.use_acceptance)[: sample.events]
        if len(images) == 0:
            raise DataError(f"{', '.join(map(str, paths))}: no events for signal '{sample.name}'")
        log.info(f"  read {len(images):,} events of signal '{sample.name}' from {len(paths)} file(s)")
        return images
    log.info(f"  generating {sample.events:,} events of signal '{sample.name}' ({sample.kind})")
    stream = f"signal/{sample.name}"
    if sample.kind == "pythia":
        from . import pythia

        with _pythia_errors():
            deposits = pythia.generate_deposits(
                sample.physics.process,
                sample.events,
                pythia.derive_seed(seed, stream),
                response=response(config),
                **sample.physics.params,
            )
        return pythia.overlay_regions(deposits, pool, config.pileup, rng_for(seed, stream))
    if pool is not None:  # a synthetic signal on Pythia pileup
        from . import pythia

        def pool_pileup(n, mu, rng):
            return pythia.pileup_towers(pool, n, mu, rng)

        return synthetic.signal(sample, config.pileup, rng_for(seed, stream), pool_pileup)
    return synthetic.signal(sample, config.pileup, rng_for(seed, stream))


def make_datasets(config: DataConfig, seed: int, data_dir: Path, base_dir: Path = Path(".")) -> dict[str, Path]:
    """Make every dataset of ``config`` in ``data_dir``; returns name -> file.

    ``base_dir`` is the folder relative paths in the config refer to (the config file's).
    """
    data_dir = Path(data_dir)
    attrs = {"generator": config.generator, "seed": seed, "pileup": config.pileup}
    pool = None
    if config.generator == "pythia":
        from . import pythia

        pool = pileup_pool(config, seed)
        attrs.update(pythia_version=pythia.pythia_version(), pileup_pool=pool.key)
    written: dict[str, Path] = {}

    images = _zero_bias(config, seed, base_dir, pool)
    sizes = split_sizes(len(images), (config.split.train, config.split.val, config.split.test))
    start = 0
    for part, size in zip(ZERO_BIAS_SPLITS, sizes):
        name = f"zero_bias_{part}"
        written[name] = write_regions(
            dataset_path(data_dir, name), images[start : start + size], {**attrs, "sample": name}
        )
        start += size

    for sample in config.signals:
        images = _signal(sample, config, seed, base_dir, pool)
        written[sample.name] = write_regions(
            dataset_path(data_dir, sample.name), images, {**attrs, "sample": sample.name, "kind": sample.kind}
        )
    return written
