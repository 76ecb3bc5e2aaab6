"""The embedded numpy pileup model (:mod:`cicada.data.synthetic`), calibrated against Pythia."""

from __future__ import annotations

import numpy as np

from ...core.progress import log
from . import ZeroBiasGenerator, zero_bias_generator


@zero_bias_generator
class SyntheticZeroBias(ZeroBiasGenerator):
    name = "synthetic"
    description = "synthetic (embedded, numpy)"

    def zero_bias(self, rng: np.random.Generator) -> np.ndarray:
        from ..synthetic.pileup import zero_bias

        log.info(f"  generating {self.config.zero_bias_events:,} zero-bias events (pileup {self.config.pileup:g})")
        return zero_bias(self.config.zero_bias_events, self.config.pileup, rng)
