"""Zero-bias generators: the registry behind ``data.generator`` and what the config knows of one.

A generator (one module of :mod:`cicada.data.generators`) is a subclass of
:class:`cicada.data.generators.ZeroBiasGenerator`, itself a :class:`GeneratorInfo`: the config
reads its name and whether it simulates (recorded crossings carry no pT-hat to stitch slices
to and cannot choose their pileup).
"""

from __future__ import annotations

from typing import ClassVar

from ...core.registry import Registry


class GeneratorInfo:
    """What the config knows of a zero-bias generator."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: whether it simulates crossings (any pileup, hard-scatter slices, pT-hat and pileup per
    #: event) rather than reading recorded ones
    simulates: ClassVar[bool] = True


ZERO_BIAS_GENERATORS: Registry[type[GeneratorInfo]] = Registry("zero-bias generator")


def zero_bias_generator(cls):
    """Class decorator registering a generator under its ``name``."""
    ZERO_BIAS_GENERATORS.register(cls.name, cls)
    return cls
