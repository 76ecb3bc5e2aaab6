"""Signal kinds: the registry of what a ``data.signals`` entry can be.

Each kind is one module in this package: a config model (``name``, ``kind``, ``events``
and the kind's own parameters, documented field by field) and a function that makes the
sample's region images. The registry and the types a kind declares live below the config
(:mod:`cicada.config.registries.signals`, re-exported here), so that the config reads them
without importing this package. Synthetic kinds only add their particles to tower maps
(:func:`synthetic_signal` does the rest: pileup, digitisation, chunks, progress). A synthetic
kind that also takes an ``ecal`` keyword (an :class:`~cicada.data.synthetic.ecal.EcalShare`, or
None in an ET-only build) puts the electromagnetic part of its particles there, which the
region bits (``data.region_bits``) need; without that keyword its particles count as hadronic.
A kind with its own ``make`` returns images in the build's layout (``context.region_bits``).

Adding a kind: write ``my_kind.py`` here with a config model and a decorated function,
import it at the bottom of this file, and test it; ``cicada schema``, config validation and
the data stage pick it up from the registry.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

import numpy as np

from ...config.registries.signals import (
    SIGNAL_KINDS,
    PileupTowers,
    SignalContext,
    SignalKind,
    SignalSample,
    signal_kind,
)
from ...core.progress import log

__all__ = [
    "SIGNAL_KINDS",
    "PileupTowers",
    "SignalContext",
    "SignalKind",
    "SignalSample",
    "sample_config",
    "signal_images",
    "signal_kind",
    "synthetic_signal",
]


def synthetic_signal(name: str, config: type[SignalSample], prepare: Callable | None = None):
    """Register a synthetic kind from ``add(towers, sample, rng, **prepared)``, which adds the
    signal's measured ET (GeV) into pileup tower maps (N, 72, 56) in place; with an ``ecal``
    keyword it also gets the ECAL share of the towers (None without region bits).

    ``prepare(sample, rng) -> dict`` (optional) draws what is shared by the whole sample
    (e.g. a broken tower's place) before the events; its result is passed to ``add``.
    """

    def decorator(add):
        takes_ecal = "ecal" in inspect.signature(add).parameters

        def add_signal(towers, rng, ecal, sample, prepared):
            if takes_ecal:
                add(towers, sample, rng, ecal=ecal, **prepared)
            else:
                add(towers, sample, rng, **prepared)

        def make(sample: SignalSample, context: SignalContext, rng: np.random.Generator) -> np.ndarray:
            from ..synthetic.pileup import tower_images

            log.info(f"  generating {sample.events:,} events of signal '{sample.name}' ({sample.kind})")
            prepared = prepare(sample, rng) if prepare is not None else {}
            return tower_images(
                sample.events,
                context.pileup,
                rng,
                lambda towers, r, ecal: add_signal(towers, r, ecal, sample, prepared),
                f"signal {sample.name}",
                context.pileup_towers,
                context.pileup_layers if context.region_bits else None,
            )

        SIGNAL_KINDS.register(name, SignalKind(name, config, make))
        return add

    return decorator


def sample_config(raw: dict) -> SignalSample:
    """One ``data.signals`` entry, validated by its kind's model (for tools and tests)."""
    return SIGNAL_KINDS.get(raw["kind"]).config.model_validate(raw)


def signal_images(
    sample: SignalSample, pileup: float, rng: np.random.Generator, seed: int = 0, region_bits: bool = False
) -> np.ndarray:
    """Images of a sample on the synthetic generator's pileup (for tools and tests); with
    ``region_bits`` images with e/gamma and tau bits."""
    from ..synthetic.pileup import zero_bias_tower_layers, zero_bias_towers

    context = SignalContext(pileup, seed, Path("."), zero_bias_towers, None, region_bits, zero_bias_tower_layers)
    return SIGNAL_KINDS.get(sample.kind).make(sample, context, rng)


# The built-in kinds register themselves, in the order choices are listed.
# isort: off
from . import files  # noqa: E402,F401
from . import pythia_process  # noqa: E402,F401
from . import dijet_resonance  # noqa: E402,F401
from . import top_pair_multijet  # noqa: E402,F401
from . import isolated_egamma  # noqa: E402,F401
from . import monojet  # noqa: E402,F401
from . import soft_spray  # noqa: E402,F401
from . import long_lived_decay  # noqa: E402,F401
from . import detector_fault  # noqa: E402,F401
from . import vbf_higgs_tautau  # noqa: E402,F401
# isort: on
