"""Pythia 8 min-bias: a cached pool of min-bias events overlaid Poisson(mu) times per crossing."""

from __future__ import annotations

import contextlib

import numpy as np

from ...core.errors import ToolError
from ...core.progress import log
from ...core.seeds import pythia_seed
from . import ZeroBiasGenerator, zero_bias_generator


@contextlib.contextmanager
def pythia_errors():
    """Pythia problems as one clear line: a missing package or a generator failure."""
    try:
        yield
    except ImportError as err:
        raise ToolError(f"data.generator is 'pythia' but {err} (or: pip install '.[pythia]')") from None
    except RuntimeError as err:
        raise ToolError(f"Pythia 8: {err}") from None


@zero_bias_generator
class PythiaZeroBias(ZeroBiasGenerator):
    name = "pythia"
    description = "pythia (Pythia 8 min-bias pool, pip install .[pythia])"

    def __init__(self, config, seed, base_dir):
        from ..pythia.pool import minbias_pool

        super().__init__(config, seed, base_dir)
        pythia = config.pythia
        log.info(f"  Pythia min-bias pool of {pythia.pool_events:,} events (cache {pythia.cache_dir})")
        with pythia_errors():
            self.pool = minbias_pool(
                pythia.pool_events, pythia_seed(seed, "minbias_pool"), pythia.cache_dir, response=self.response()
            )

    def response(self):
        """The detector response from the config."""
        from ..detector import DetectorResponse

        r = self.config.pythia.response
        return DetectorResponse(curl_pt_gev=r.curl_pt_gev, hadron_response=r.hadron_response, em_response=r.em_response)

    def attrs(self) -> dict:
        from ..pythia.generation import pythia_version

        return {"pythia_version": pythia_version(), "pileup_pool": self.pool.key}

    def zero_bias(self, rng: np.random.Generator) -> np.ndarray:
        from ..pythia.overlay import pileup_regions

        log.info(
            f"  overlaying {self.config.zero_bias_events:,} zero-bias events (pileup {self.config.pileup:g}) from the pool"
        )
        return pileup_regions(self.pool, self.config.zero_bias_events, self.config.pileup, rng)

    def pileup_towers(self, n: int, mu: float, rng: np.random.Generator) -> np.ndarray:
        from ..pythia.overlay import pileup_towers

        return pileup_towers(self.pool, n, mu, rng)

    def signal_images(self, process: str, events: int, seed: int, rng: np.random.Generator, params: dict) -> np.ndarray:
        """A Pythia process's events overlaid on this pool's pileup."""
        from ..pythia.generation import generate_deposits
        from ..pythia.overlay import overlay_regions

        with pythia_errors():
            deposits = generate_deposits(process, events, seed, response=self.response(), **params)
        return overlay_regions(deposits, self.pool, self.config.pileup, rng)
