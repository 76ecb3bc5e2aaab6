"""Signal events read from HDF5 files in CICADA's format (``CaloRegions``, optional ``AcceptanceFlag``):
plain or compound; a build with region bits needs the compound layout (fields et, egbit, taubit)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ...config.model import Flag, Text, invalid, option
from ...core.errors import DataError
from ...core.progress import log
from ..files import read_files, resolve
from . import SignalContext, SignalSample, signal_kind


class SignalFiles(SignalSample):
    """Signal events read from HDF5 files in CICADA's format (``CaloRegions``, optional ``AcceptanceFlag``):
    plain or compound; a build with region bits needs the compound layout (fields et, egbit, taubit)."""

    kind: Literal["files"] = option("signal kind")
    files: tuple[Text, ...] = option("HDF5 files, relative to the config file's folder")
    use_acceptance: Flag = option("keep only events whose AcceptanceFlag is set (files without one keep all)", False)

    @model_validator(mode="after")
    def _some_files(self):
        if not self.files:
            raise invalid("expected at least one file, got an empty list", "files")
        return self


@signal_kind("files", SignalFiles, source_files=lambda sample: sample.files)
def read_signal_files(sample: SignalFiles, context: SignalContext, rng: np.random.Generator) -> np.ndarray:
    paths = [resolve(context.base_dir, f) for f in sample.files]
    images = read_files(paths, sample.use_acceptance, limit=sample.events, bits=context.region_bits)
    if len(images) == 0:
        raise DataError(f"{', '.join(map(str, paths))}: no events for signal '{sample.name}'")
    log.info(f"  read {len(images):,} events of signal '{sample.name}' from {len(paths)} file(s)")
    return images
