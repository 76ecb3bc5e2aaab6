"""Signal events read from files: CICADA's HDF5 layouts (``CaloRegions`` plain or compound, optional
``AcceptanceFlag``; the 2026 teacher layout) or ROOT ntuples (``ntuples``); a build with region bits
needs files that carry them."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ...config.model import Flag, Text, invalid, option
from ...config.ntuples import NtupleOptions
from ...core.errors import DataError
from ...core.progress import log
from ..files import read_files, resolve
from ..inputs.table import open_sources
from . import SignalContext, SignalSample, signal_kind


class SignalFiles(SignalSample):
    """Signal events read from files: HDF5 in CICADA's layouts (``CaloRegions``, optional ``AcceptanceFlag``;
    the 2026 teacher layout) or ROOT ntuples; a build with region bits needs files that carry them."""

    kind: Literal["files"] = option("signal kind")
    files: tuple[Text, ...] = option("HDF5 files or ROOT ntuples, relative to the config file's folder")
    use_acceptance: Flag = option(
        "keep only events whose AcceptanceFlag is set (HDF5 files; files without one keep all)", False
    )
    ntuples: NtupleOptions = option("how ROOT ntuples among the files are read", NtupleOptions())

    @model_validator(mode="after")
    def _some_files(self):
        if not self.files:
            raise invalid("expected at least one file, got an empty list", "files")
        return self


def _source_files(sample: SignalFiles) -> tuple[str, ...]:
    runs = sample.ntuples.runs
    return (*sample.files, runs) if isinstance(runs, str) else tuple(sample.files)


@signal_kind("files", SignalFiles, source_files=_source_files)
def read_signal_files(sample: SignalFiles, context: SignalContext, rng: np.random.Generator) -> np.ndarray:
    paths = [resolve(context.base_dir, f) for f in sample.files]
    sources = open_sources(paths, sample.ntuples, context.base_dir)
    images = read_files(sources, sample.use_acceptance, limit=sample.events, bits=context.region_bits)
    if len(images) == 0:
        raise DataError(f"{', '.join(map(str, paths))}: no events for signal '{sample.name}'")
    log.info(f"  read {len(images):,} events of signal '{sample.name}' from {len(paths)} file(s)")
    return images
