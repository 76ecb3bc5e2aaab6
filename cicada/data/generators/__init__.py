"""Zero-bias generators: the registry of where a build's zero-bias events come from.

A generator (``data.generator`` in the config) makes the zero-bias images and the pileup
that synthetic signals are overlaid on. Each is one module in this package defining a
subclass of :class:`ZeroBiasGenerator` registered with :func:`zero_bias_generator`. The
registry and what the config knows of a generator live below the config
(:mod:`cicada.config.registries.generators`, re-exported here).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...config.registries.generators import ZERO_BIAS_GENERATORS, GeneratorInfo, zero_bias_generator

if TYPE_CHECKING:
    from ...config.sections import DataConfig
    from ..slices import Crossings, WeightedCrossings


__all__ = ["ZERO_BIAS_GENERATORS", "ZeroBiasGenerator", "zero_bias_generator"]


class ZeroBiasGenerator(GeneratorInfo):
    """One build's zero-bias source; ``open`` happens once per data stage. Its ``name``,
    ``description`` and ``simulates`` are declared by :class:`GeneratorInfo`."""

    def __init__(self, config: "DataConfig", seed: int, base_dir: Path):
        self.config = config
        self.seed = seed
        self.base_dir = Path(base_dir)

    @classmethod
    def source_files(cls, config: "DataConfig", base_dir: Path) -> list[Path]:
        """Input files this generator reads (hashed into the data stage's fingerprint)."""
        return []

    def attrs(self) -> dict:
        """Metadata written into every dataset file of the build."""
        return {}

    def zero_bias(self, rng: np.random.Generator) -> "Crossings":
        """All zero-bias crossings (images (N, 18, 14): ET-only uint16, or with region bits when
        ``data.region_bits``; with the pileup and pT-hat of each where known), before the
        train/val/test split."""
        return self.crossings(self.config.zero_bias_events, self.config.pileup, rng)

    def crossings(self, n: int, mu: float, rng: np.random.Generator) -> "Crossings":
        """``n`` simulated zero-bias crossings at mean pileup ``mu`` (generators that simulate)."""
        raise NotImplementedError(f"the {self.name} generator does not simulate crossings")

    def slices(self, rng: np.random.Generator) -> "WeightedCrossings":
        """The weighted hard-scatter slices of ``config.slices`` at ``config.pileup``
        (:mod:`cicada.data.slices`; generators that simulate)."""
        raise NotImplementedError(f"the {self.name} generator does not simulate hard-scatter slices")

    @property
    def region_bits(self) -> bool:
        """Whether the build's images carry e/gamma and tau bits (``data.region_bits``)."""
        return bool(self.config.region_bits)

    def pileup_towers(self, n: int, mu: float, rng: np.random.Generator) -> np.ndarray:
        """Pileup-only tower ET maps (n, 72, 56) in GeV, for overlaying synthetic signals."""
        from ..synthetic.pileup import zero_bias_towers

        return zero_bias_towers(n, mu, rng)

    def pileup_layers(
        self, n: int, mu: float, rng: np.random.Generator, side: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The towers of :meth:`pileup_towers` (same draws from ``rng``) and their ECAL part, for
        synthetic signals with region bits; ``side`` is the stream for choices only bits need."""
        from ..synthetic.pileup import zero_bias_tower_layers

        return zero_bias_tower_layers(n, mu, rng, side)


# The built-in generators register themselves, in the order choices are listed.
# isort: off
from . import synthetic  # noqa: E402,F401
from . import pythia  # noqa: E402,F401
from . import files  # noqa: E402,F401
# isort: on
