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
                pythia.pool_events,
                pythia_seed(seed, "minbias_pool"),
                pythia.cache_dir,
                response=self.response(),
                ecal=self.region_bits,
            )

    def response(self):
        """The detector response from the config."""
        from ...core.detector import DetectorResponse

        r = self.config.pythia.response
        return DetectorResponse(curl_pt_gev=r.curl_pt_gev, hadron_response=r.hadron_response, em_response=r.em_response)

    def attrs(self) -> dict:
        from ..pythia.generation import pythia_version

        return {"pythia_version": pythia_version(), "pileup_pool": self.pool.key}

    def crossings(self, n: int, mu: float, rng: np.random.Generator):
        from ..pythia.overlay import pileup_crossings

        log.info(f"  overlaying {n:,} zero-bias events (pileup {mu:g}) from the pool")
        return pileup_crossings(self.pool, n, mu, rng, bits=self.region_bits)

    def slices(self, rng: np.random.Generator):
        """Hard QCD (``HardQCD:all``) in ``PhaseSpace:pTHatMin/Max`` slices, each slice a cached pool
        of its own seed, overlaid on pileup from the min-bias pool below each event's pT-hat."""
        from ..pythia.overlay import hard_scatter_crossings
        from ..pythia.pool import event_pool
        from ..slices import WeightedCrossings, empirical_tail, slice_bounds, slice_label, slice_weights

        mu, events = self.config.pileup, self.config.events_per_slice()
        bounds = slice_bounds(self.config.slices.pt_hat_edges)
        hard = []
        for low, high in bounds:
            label = slice_label(low, high)
            log.info(f"  Pythia hard QCD, pT-hat {label} GeV: {events:,} events (cache {self.config.pythia.cache_dir})")
            with pythia_errors():
                hard.append(
                    event_pool(
                        "qcd",
                        events,
                        pythia_seed(self.seed, f"zero_bias_slices/{label}"),
                        self.config.pythia.cache_dir,
                        response=self.response(),
                        pthat_min_gev=low,
                        pthat_max_gev=0.0 if np.isinf(high) else high,
                        ecal=self.region_bits,
                    )
                )
        if not np.isfinite(self.pool.cross_section_mb) or self.pool.cross_section_mb <= 0:
            raise ToolError("the min-bias pool has no inelastic cross section; delete its cache file to regenerate it")
        # each slice's share of the inelastic cross section (the min-bias pool's)
        probability = np.array([pool.cross_section_mb for pool in hard]) / self.pool.cross_section_mb
        above = np.concatenate([np.cumsum(probability[::-1])[::-1][1:], [0.0]])
        parts, weights = [], []
        for pool, p, p_above in zip(hard, probability, above):
            tail = empirical_tail(pool.pt_hats(), p, p_above)
            parts.append(hard_scatter_crossings(pool, self.pool, mu, tail, rng, self.region_bits))
            weights.append(slice_weights(tail, p, mu))
        return WeightedCrossings(
            images=np.concatenate([c.images for c in parts]),
            n_pileup=np.concatenate([c.n_pileup for c in parts]),
            pt_hat_gev=np.concatenate([c.pt_hat_gev for c in parts]),
            weights=np.concatenate(weights),
            slice_index=np.repeat(np.arange(len(parts)), [len(c) for c in parts]),
            slice_probability=probability,
        )

    def pileup_towers(self, n: int, mu: float, rng: np.random.Generator) -> np.ndarray:
        from ..pythia.overlay import pileup_towers

        return pileup_towers(self.pool, n, mu, rng)

    def pileup_layers(self, n: int, mu: float, rng: np.random.Generator, side: np.random.Generator):
        """Pileup towers and their ECAL part from the pool (which knows it: ``side`` stays unused)."""
        from ..pythia.overlay import pileup_tower_layers

        return pileup_tower_layers(self.pool, n, mu, rng)

    def signal_images(self, process: str, events: int, seed: int, rng: np.random.Generator, params: dict) -> np.ndarray:
        """A Pythia process's events overlaid on this pool's pileup."""
        from ..pythia.generation import generate_deposits
        from ..pythia.overlay import overlay_regions

        with pythia_errors():
            deposits = generate_deposits(process, events, seed, response=self.response(), **params)
        return overlay_regions(deposits, self.pool, self.config.pileup, rng, bits=self.region_bits)
