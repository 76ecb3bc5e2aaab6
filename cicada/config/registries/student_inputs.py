"""What a student reads of a region image: the registry behind ``student.input`` and what the config knows of a kind.

A student input kind (the built-in ones are :mod:`cicada.data.student_inputs`) turns region images
into the network's flat input vector of unsigned integers. The config reads each kind's value
range: the default of ``hls.input_precision`` (the narrowest ``ap_uint`` that holds every value)
and the check that a precision set by hand holds them; the firmware reads the same range per input
(the precision proof's input bounds, the RTL flow's input port widths, the test vectors' width).

Inputs are flattened region-major: phi (18), then eta (14), then the kind's channels (its values
per region, in :attr:`StudentInput.channels` order), so input ``(phi * 14 + eta) * C + c`` is
channel ``c`` of region ``(phi, eta)`` (numpy's C order of an ``(18, 14, C)`` image).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...core.fixedpoint import FixedType
from ...core.geometry import N_ETA, N_PHI, N_REGIONS
from ...core.registry import Registry


@dataclass(frozen=True)
class StudentInput:
    """One kind of student input: its encoding, the values it gives and how the firmware takes them."""

    name: str
    description: str
    #: the values each region gives, in their order inside a region (e.g. ``("et", "taubit", "egbit")``)
    channels: tuple[str, ...]
    #: the largest value of each channel (every value is an integer 0..max)
    channel_max: tuple[int, ...]
    #: whether it reads the region e/gamma and tau bits (``data.region_bits: true``)
    needs_bits: bool
    #: its values in words, for errors (``"region ET 0..1023"``)
    values: str
    #: region images ``(N, 18, 14)`` -> ``(N, size)`` float32 whole numbers, the network's input
    encode: Callable[[np.ndarray], np.ndarray]

    @property
    def size(self) -> int:
        """Inputs per event."""
        return N_REGIONS * len(self.channels)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The flat input seen as an image: ``(18, 14, channels)`` (what a convolution reshapes it to)."""
        return (N_PHI, N_ETA, len(self.channels))

    def maximum(self) -> np.ndarray:
        """The largest value of each input, ``(size,)`` float64, in input order."""
        return np.tile(np.asarray(self.channel_max, dtype=np.float64), N_REGIONS)

    def input_bits(self) -> np.ndarray:
        """Bits of each input (unsigned), ``(size,)`` int: the RTL flow's input port widths."""
        return np.tile([int(high).bit_length() for high in self.channel_max], N_REGIONS)

    @property
    def bits(self) -> int:
        """Bits of the widest input."""
        return max(int(high).bit_length() for high in self.channel_max)

    @property
    def precision(self) -> str:
        """The narrowest type holding every value: ``hls.input_precision`` unless the config sets it."""
        return f"ap_uint<{self.bits}>"

    def holds(self, precision: str) -> bool:
        """Whether the fixed-point type ``precision`` holds every value exactly."""
        return FixedType.parse(precision).holds(0.0, float(max(self.channel_max)), 0)


STUDENT_INPUTS: Registry[StudentInput] = Registry("student input")


def student_input(kind: StudentInput) -> StudentInput:
    """Register ``kind`` under its name."""
    return STUDENT_INPUTS.register(kind.name, kind)
