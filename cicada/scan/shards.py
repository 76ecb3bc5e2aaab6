"""Millions of zero-bias events, generated and scored firmware-exactly in shards over Dask workers.

A sample of ``events`` events is cut into shards of ``shard_events`` (the last one shorter).
Shard ``k`` draws from its own stream, ``numpy_stream(seed, "rate_sample/shard/<k>")``, so its
events depend only on the seed, the data settings and ``k``: the same seeds give the same
events however many workers run, and in whatever order they finish. Each shard is written
by a worker to its own file; the shards are then copied, in order, into one chunked HDF5 file
(written under a temporary name and renamed, like every cicada file).

Scoring reads a file in shards of the same size, scores each on a worker with
:func:`firmware_scores` and writes the scores, in order, to one chunked HDF5 file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import h5py
import numpy as np

from ..core.files import atomic_path, sha256_json
from ..core.geometry import REGION_SHAPE
from ..core.seeds import numpy_stream
from ..data.hdf5 import IMAGES_KEY, count_events, file_has_bits, read_region_rows, write_regions
from ..data.region_bits import REGION_DTYPE
from ..data.student_inputs import DEFAULT, encode, input_kind

if TYPE_CHECKING:
    from ..config.sections import DataConfig

#: Events per HDF5 chunk: a reader of any slice touches at most one extra chunk at each end.
CHUNK_EVENTS = 8192
SCORES_KEY = "firmware"
#: The attribute recording what a file holds (its inputs' hash): a file that matches is reused.
CONTENT_KEY = "content_key"


def shard_stream(index: int) -> str:
    """The random stream of shard ``index`` (a name that never changes, see cicada.core.seeds)."""
    return f"rate_sample/shard/{index}"


@dataclass(frozen=True)
class ShardPlan:
    events: int
    shard_events: int

    def shards(self) -> list[tuple[int, int, int]]:
        """(index, first event, number of events) of every shard."""
        return [
            (k, start, min(self.shard_events, self.events - start))
            for k, start in enumerate(range(0, self.events, self.shard_events))
        ]


def sample_key(data: dict, seed: int, plan: ShardPlan) -> str:
    """What a generated sample depends on: the data settings, the seed and the sharding."""
    return sha256_json({"data": data, "seed": seed, "events": plan.events, "shard_events": plan.shard_events})


def generate_shard(data: dict, seed: int, base_dir: str, index: int, size: int, path: str) -> str:
    """Shard ``index`` of a zero-bias sample: ``size`` events of the generator in ``data`` (the
    build config's data section, plain), drawn from the shard's own stream, written to ``path``."""
    from ..config.sections import DataConfig
    from ..data.generators import ZERO_BIAS_GENERATORS

    config: DataConfig = DataConfig.model_validate(data).model_copy(update={"zero_bias_events": size})
    generator = ZERO_BIAS_GENERATORS.get(config.generator)(config, seed, Path(base_dir))
    crossings = generator.zero_bias(numpy_stream(seed, shard_stream(index)))
    attrs = {"generator": config.generator, "seed": seed, "pileup": config.pileup, "shard": index}
    write_regions(path, crossings.images, attrs, pileup=crossings.n_pileup, pt_hat=crossings.pt_hat_gev)
    return path


def is_current(path: Path, key: str) -> bool:
    """Whether ``path`` exists and records ``key`` as its content (an earlier run made it)."""
    try:
        with h5py.File(path, "r") as handle:
            return handle.attrs.get(CONTENT_KEY) == key
    except (OSError, KeyError):
        return False


def _create(handle: h5py.File, name: str, total: int, shape: tuple, dtype) -> h5py.Dataset:
    return handle.create_dataset(
        name, shape=(total, *shape), dtype=dtype, chunks=(min(CHUNK_EVENTS, max(total, 1)), *shape), compression="lzf"
    )


def assemble_regions(parts: list[str], path: Path, attrs: dict) -> Path:
    """Copy the region files ``parts``, in order, into one chunked HDF5 file at ``path`` (atomic)."""
    sizes = [count_events(p) for p in parts]
    dtype = REGION_DTYPE if parts and file_has_bits(parts[0]) else np.uint16  # the shards' layout
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as handle:
            images = _create(handle, IMAGES_KEY, sum(sizes), REGION_SHAPE, dtype)
            start = 0
            for part, size in zip(parts, sizes):
                images[start : start + size] = read_region_rows(part, np.arange(size))
                start += size
            for key, value in attrs.items():
                handle.attrs[key] = value
    return Path(path)


def generate_sharded(client, data: "DataConfig", seed: int, base_dir: Path, plan: ShardPlan, path: Path) -> Path:
    """The whole sample in ``path``: its shards generated on the client's workers, then assembled.
    Reused when ``path`` already holds this sample."""
    key = sample_key(data.plain(), seed, plan)
    if is_current(path, key):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    parts_dir = path.parent / f".{path.name}.shards"
    parts_dir.mkdir(exist_ok=True)
    futures = [
        client.submit(
            generate_shard,
            data.plain(),
            seed,
            str(base_dir),
            index,
            size,
            str(parts_dir / f"shard_{index:06d}.h5"),
            key=f"cicada-rate-sample-shard-{key[:8]}-{index}",
        )
        for index, _, size in plan.shards()
    ]
    parts = client.gather(futures)
    attrs = {"generator": data.generator, "seed": seed, "pileup": data.pileup, CONTENT_KEY: key}
    assemble_regions(parts, path, {**attrs, "events": plan.events, "shard_events": plan.shard_events})
    for part in parts:
        os.unlink(part)
    parts_dir.rmdir()
    return path


# ------------------------------------------------------------------------- scoring
def firmware_scores(project_dir: Path, images: np.ndarray) -> np.ndarray:
    """Firmware-exact scores of the student's inputs ``images`` (N events): the one place sharded
    scoring runs the firmware (today the project's emulator library, one thread per Dask worker thread)."""
    from ..firmware.emulator import FirmwareEmulator

    return FirmwareEmulator(project_dir, threads=1).predict(images)[:, 0]


def score_shard(project_dir: str, images_file: str, start: int, size: int, input_name: str = DEFAULT) -> np.ndarray:
    """Scores of events [start, start + size) of ``images_file``, given to the firmware as the student's
    input ``input_name`` (``student.input``)."""
    images = read_region_rows(images_file, np.arange(start, start + size))
    return firmware_scores(Path(project_dir), encode(input_kind(input_name), images, images_file))


def write_scores_file(path: Path, scores: list[np.ndarray], attrs: dict) -> Path:
    """Shards' scores, in order, as one chunked dataset ``firmware`` (atomic)."""
    total = sum(len(s) for s in scores)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as handle:
            dataset = _create(handle, SCORES_KEY, total, (), np.float64)
            start = 0
            for part in scores:
                dataset[start : start + len(part)] = part
                start += len(part)
            for key, value in attrs.items():
                handle.attrs[key] = value
    return Path(path)


def read_scores_file(path: Path) -> np.ndarray:
    with h5py.File(path, "r") as handle:
        return handle[SCORES_KEY][()]


def score_sharded(
    client,
    project_dir: Path,
    images_file: Path,
    shard_events: int,
    path: Path,
    key: str,
    priority: int = 0,
    input_name: str = DEFAULT,
) -> np.ndarray:
    """Firmware scores of every event of ``images_file`` (as the student's input ``input_name``), in shards
    on the client's workers, kept in ``path`` (reused when it records ``key``, which should hash the
    firmware, the sample and the input); ``priority`` is the shard tasks' Dask priority."""
    if is_current(path, key):
        return read_scores_file(path)
    plan = ShardPlan(count_events(images_file), shard_events)
    futures = [
        client.submit(
            score_shard,
            str(project_dir),
            str(images_file),
            start,
            size,
            input_name,
            key=f"cicada-score-shard-{key[:8]}-{index}",
            priority=priority,
        )
        for index, start, size in plan.shards()
    ]
    scores = client.gather(futures)
    write_scores_file(path, scores, {CONTENT_KEY: key, "images_file": str(images_file)})
    return np.concatenate(scores) if scores else np.zeros(0)
