"""The embedded numpy pileup model (:mod:`cicada.data.synthetic`), calibrated against Pythia."""

from __future__ import annotations

import numpy as np

from ...core.progress import log
from . import ZeroBiasGenerator, zero_bias_generator


@zero_bias_generator
class SyntheticZeroBias(ZeroBiasGenerator):
    name = "synthetic"
    description = "synthetic (embedded, numpy)"

    @property
    def model(self):
        """The pileup model ``data.synthetic_model`` names (:data:`cicada.data.synthetic.pileup.MODELS`)."""
        from ..synthetic.pileup import MODELS

        return MODELS[self.config.synthetic_model]

    def crossings(self, n: int, mu: float, rng: np.random.Generator):
        from ..synthetic.pileup import zero_bias_crossings

        log.info(f"  generating {n:,} zero-bias events (pileup {mu:g})")
        return zero_bias_crossings(n, mu, rng, self.model, bits=self.region_bits)

    def slices(self, rng: np.random.Generator):
        from ..synthetic.pileup import slice_crossings

        edges, events = self.config.slices.pt_hat_edges, self.config.events_per_slice()
        log.info(f"  generating {events:,} hard-scatter events in each of {len(edges)} pT-hat slices")
        return slice_crossings(edges, events, self.config.pileup, rng, self.model, bits=self.region_bits)

    def pileup_towers(self, n: int, mu: float, rng: np.random.Generator) -> np.ndarray:
        from ..synthetic.pileup import zero_bias_towers

        return zero_bias_towers(n, mu, rng, self.model)

    def pileup_layers(
        self, n: int, mu: float, rng: np.random.Generator, side: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        from ..synthetic.pileup import zero_bias_tower_layers

        return zero_bias_tower_layers(n, mu, rng, side, self.model)
