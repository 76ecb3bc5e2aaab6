"""Zero-bias events from the user's files: CICADA's HDF5 layouts or ROOT ntuples (``data.ntuples``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.errors import DataError
from ...core.progress import log
from ...core.seeds import numpy_stream
from ..files import read_pileup_columns, read_rows, resolve, shuffled_rows
from ..hdf5 import PILEUP_KEY, PV_NPVS_GOOD_KEY, PV_NPVS_KEY
from ..inputs.run_list import run_file
from ..inputs.table import open_sources
from ..slices import Crossings
from . import ZeroBiasGenerator, zero_bias_generator


@zero_bias_generator
class FileZeroBias(ZeroBiasGenerator):
    name = "files"
    description = "files (zero_bias_files)"
    simulates = False

    @classmethod
    def source_files(cls, config, base_dir: Path) -> list[Path]:
        runs = run_file(config.ntuples.runs, base_dir)  # a run-list file decides which events are kept
        return [resolve(base_dir, f) for f in config.zero_bias_files] + ([runs] if runs else [])

    def zero_bias(self, rng: np.random.Generator) -> Crossings:
        paths = [resolve(self.base_dir, f) for f in self.config.zero_bias_files]
        sources = open_sources(paths, self.config.ntuples, self.base_dir)
        # shuffled before splitting (files are often ordered by run and lumisection), and only the
        # events used are read: a file may hold many millions
        rows = shuffled_rows(sources, self.config.zero_bias_events, numpy_stream(self.seed, "zero_bias_split"))
        images = read_rows(sources, rows, self.region_bits)
        for source in sources:
            if source.selection().dropped:
                log.info(f"  {source.path}: {source.selection().describe()}")
        log.info(f"  read {len(images):,} zero-bias events from {len(paths)} file(s)")
        if len(images) < 10:
            raise DataError(f"{', '.join(map(str, paths))}: {len(images)} zero-bias events, expected at least 10")
        # per-event pileup information travels with the events (the rates stage's rate against pileup)
        columns = read_pileup_columns(sources, rows)
        return Crossings(
            images,
            n_pileup=columns.get(PILEUP_KEY),
            pv_npvs=columns.get(PV_NPVS_KEY),
            pv_npvs_good=columns.get(PV_NPVS_GOOD_KEY),
        )
