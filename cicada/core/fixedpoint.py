"""Arbitrary-precision fixed-point types (ap_fixed / ap_ufixed / ap_int / ap_uint) as values.

One home for reading precision strings and answering "does this type hold these
values exactly?". Used to validate precisions in configs and to prove accumulator
and result types safe in :mod:`cicada.firmware.precision`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_FIXED = re.compile(
    r"(?:ap_)?(?P<u>u?)fixed<(?P<w>\d+),(?P<i>-?\d+)(?:,(?P<q>[A-Z_]+))?(?:,(?P<o>[A-Z_]+))?(?:,(?P<n>\d+))?>"
)
_INT = re.compile(r"(?:ap_)?(?P<u>u?)int<(?P<w>\d+)>")

ROUNDING_MODES = ("TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV")
SATURATION_MODES = ("WRAP", "SAT", "SAT_ZERO", "SAT_SYM")


@dataclass(frozen=True)
class FixedType:
    """A fixed-point type: ``width`` bits of which ``integer`` are integer bits (sign included)."""

    width: int
    integer: int
    signed: bool = True
    rounding: str = "TRN"
    saturation: str = "WRAP"

    @property
    def fractional(self) -> int:
        return self.width - self.integer

    @property
    def lsb(self) -> float:
        return 2.0**-self.fractional

    @property
    def min_value(self) -> float:
        return -(2.0 ** (self.integer - 1)) if self.signed else 0.0

    @property
    def max_value(self) -> float:
        top = 2.0 ** (self.integer - 1) if self.signed else 2.0**self.integer
        return top - self.lsb

    @property
    def saturates(self) -> bool:
        return self.saturation != "WRAP"

    @property
    def rounds(self) -> bool:
        return self.rounding != "TRN"

    def holds(self, low: float, high: float, fractional_bits: int) -> bool:
        """True when every value in [low, high] on a grid of 2**-fractional_bits is exact here."""
        return fractional_bits <= self.fractional and self.min_value <= low and high <= self.max_value

    def hls(self) -> str:
        """The C++ spelling, e.g. ``ap_fixed<18,8>`` or ``ap_ufixed<10,6,AP_RND_CONV,AP_SAT>``."""
        base = "ap_fixed" if self.signed else "ap_ufixed"
        if self.rounding == "TRN" and self.saturation == "WRAP":
            if self.fractional == 0:
                return f"ap_{'' if self.signed else 'u'}int<{self.width}>"
            return f"{base}<{self.width},{self.integer}>"
        return f"{base}<{self.width},{self.integer},AP_{self.rounding},AP_{self.saturation}>"

    def __str__(self) -> str:
        return self.hls()

    @classmethod
    def parse(cls, text: str) -> "FixedType":
        """Read ``ap_fixed<16,6>``, ``ufixed<10,6,RND_CONV,SAT>``, ``ap_uint<10>`` and the like."""
        compact = re.sub(r"\s+", "", str(text)).replace("AP_", "")
        match = _FIXED.fullmatch(compact)
        if match:
            width, integer = int(match["w"]), int(match["i"])
            rounding = match["q"] or "TRN"
            saturation = match["o"] or "WRAP"
            if width < 1 or rounding not in ROUNDING_MODES or saturation not in SATURATION_MODES:
                raise ValueError(f"not a valid fixed-point type: {text!r}")
            return cls(width, integer, not match["u"], rounding, saturation)
        match = _INT.fullmatch(compact)
        if match and int(match["w"]) >= 1:
            width = int(match["w"])
            return cls(width, width, not match["u"])
        raise ValueError(
            f"not a fixed-point type: {text!r} (expected e.g. ap_fixed<18,8>, ap_ufixed<10,6>, ap_uint<10>)"
        )

    @classmethod
    def smallest_exact(cls, low: float, high: float, fractional_bits: int) -> "FixedType":
        """The narrowest WRAP/TRN type holding every value in [low, high] at that resolution."""
        fractional_bits = max(0, fractional_bits)
        signed = low < 0
        lsb = 2.0**-fractional_bits
        # magnitude bits m: the positive side needs 2**m - lsb >= high, the negative 2**m >= -low
        magnitude_bits = 0
        if high > 0:
            magnitude_bits = math.ceil(math.log2(high + lsb))
        if low < 0:
            magnitude_bits = max(magnitude_bits, math.ceil(math.log2(-low)))
        integer = magnitude_bits + (1 if signed else 0)
        if integer + fractional_bits < 1:
            integer = 1 - fractional_bits
        result = cls(integer + fractional_bits, integer, signed)
        assert result.holds(low, high, fractional_bits), (low, high, fractional_bits, result)
        return result


def fractional_bits_needed(values, limit: int = 32) -> int:
    """How many fractional bits represent every value exactly (weights are dyadic after quantization)."""
    import numpy as np

    data = np.asarray(values, dtype=np.float64).ravel()
    for bits in range(0, limit + 1):
        scaled = data * 2.0**bits
        if np.all(scaled == np.round(scaled)):
            return bits
    return limit


def validate_precision(text: str) -> str | None:
    """For the config schema: an error message, or None when ``text`` is a valid type."""
    try:
        FixedType.parse(text)
    except ValueError:
        return "a fixed-point type such as ap_fixed<18,8>, ap_ufixed<10,6> or ap_uint<10>"
    return None
