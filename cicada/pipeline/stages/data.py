"""Stage ``data``: the zero-bias and signal datasets of the config, as HDF5 files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.files import sha256_file
from ...data.datasets import dataset_names, dataset_path
from ...data.hdf5 import count_events
from ...data.make import make_datasets, source_files
from ..context import BuildContext
from ..engine import Stage


@dataclass
class DatasetEntry:
    file: str
    events: int


@dataclass
class DataResult:
    generator: str
    source_files: list[str]
    pileup: float
    datasets: dict[str, DatasetEntry]


def run(context: BuildContext) -> DataResult:
    data = context.config.data
    paths = make_datasets(data, context.config.seed, context.data_dir, context.config_path.parent)
    return DataResult(
        generator=data.generator,
        source_files=[str(p) for p in source_files(data, context.config_path.parent)],
        pileup=data.pileup,
        datasets={name: DatasetEntry(context.relative(path), count_events(path)) for name, path in paths.items()},
    )


def inputs(context: BuildContext) -> dict:
    config = context.config
    # input files count by content: a replaced file regenerates the datasets. Only regular files
    # are hashed here (a FIFO would block); the reader says what is wrong with the others.
    files = {str(p): sha256_file(p) for p in source_files(config.data, context.config_path.parent) if p.is_file()}
    return {"seed": config.seed, "data": config.data, "files": files}


def outputs(context: BuildContext) -> list[Path]:
    return [dataset_path(context.data_dir, name) for name in dataset_names(context.config.data)]


STAGE = Stage(
    name="data",
    description="generating datasets",
    run=run,
    result=DataResult,
    inputs=inputs,
    outputs=outputs,
)
