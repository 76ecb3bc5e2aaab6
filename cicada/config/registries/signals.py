"""Signal kinds: the registry behind ``data.signals`` and what a kind declares to it.

A kind (one module of :mod:`cicada.data.signals`) registers its config model, a
:class:`SignalSample` subclass with ``kind: Literal["<name>"]`` and its own parameters, and a
function that makes the sample's region images (:func:`signal_kind`, or
:func:`cicada.data.signals.synthetic_signal` for kinds that only add particles to tower maps).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ...core.registry import Registry
from ..model import ConfigModel, Identifier, Integer, option

#: ``pileup_towers(n, mu, rng)``: pileup-only tower ET maps (n, 72, 56) in GeV.
PileupTowers = Callable[[int, float, np.random.Generator], np.ndarray]


class SignalSample(ConfigModel):
    """One named signal sample: ``name``, ``kind``, ``events`` and the kind's parameters."""

    name: Identifier = option("dataset name, used in file names and reports")
    kind: str = option("signal kind")
    events: Integer = option("events to generate (kind files: the most to read)", 2000, ge=1)


@dataclass(frozen=True)
class SignalContext:
    """What a kind needs to make its images besides its own config."""

    pileup: float
    seed: int
    base_dir: Path
    #: the zero-bias generator's pileup model, for overlaying the signal
    pileup_towers: PileupTowers
    #: the zero-bias generator itself (e.g. the Pythia pool lives there)
    generator: Any
    #: whether the images carry e/gamma and tau bits (``data.region_bits``)
    region_bits: bool = False
    #: with region bits: the pileup towers of ``pileup_towers`` and their ECAL part,
    #: ``pileup_layers(n, mu, rng, side)`` (:meth:`ZeroBiasGenerator.pileup_layers`)
    pileup_layers: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None


@dataclass(frozen=True)
class SignalKind:
    """A registered signal kind."""

    name: str
    config: type[SignalSample]
    make: Callable[[SignalSample, SignalContext, np.random.Generator], np.ndarray]
    #: the zero-bias generator this kind needs (e.g. Pythia signals use Pythia's pileup)
    requires_generator: str | None = None
    #: input files of a sample (their content is part of the data stage's fingerprint)
    source_files: Callable[[SignalSample], tuple[str, ...]] = lambda sample: ()


SIGNAL_KINDS: Registry[SignalKind] = Registry("signal kind")


def signal_kind(name: str, config: type[SignalSample], **options: Any):
    """Register ``make(sample, context, rng) -> images (N, 18, 14)`` as signal kind ``name``."""

    def decorator(make):
        SIGNAL_KINDS.register(name, SignalKind(name, config, make, **options))
        return make

    return decorator
