"""ap_fixed casts, exactly, on whole numbers and on arrays of them.

A tensor of fixed-point values is held as whole numbers ``n`` with a scale: value = n * 2^-F,
F the tensor's fractional bits. Arrays hold the whole numbers as floats, not int64: numpy's
matrix products on floats run on BLAS, many times faster than its integer ones, and a float
holds every whole number below 2^53 (float64) or 2^24 (float32) exactly. Products, sums,
scalings by powers of two and floor/ceil/rint of such numbers are then exact too, whatever
the order of the additions. Whoever builds on this module tracks the bounds of every value
(:class:`Span`) and keeps them below :data:`EXACT_FLOAT64` (or :data:`EXACT_FLOAT32`).

The casts follow ap_fixed_base.h (``quantization_adjust`` and ``overflow_adjust``): the value
is first rounded to the target's step by its quantization mode, then brought into its range
by its overflow mode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from ..core.fixedpoint import FixedType

#: Every whole number of magnitude below these is exact in the float type.
EXACT_FLOAT64 = 2**53
EXACT_FLOAT32 = 2**24


class NotExact(ValueError):
    """A value could leave the range where floats hold whole numbers exactly."""


def integer_range(fixed: FixedType) -> tuple[int, int]:
    """The smallest and largest whole number ``n`` a type holds (value = n * lsb)."""
    if fixed.signed:
        return -(2 ** (fixed.width - 1)), 2 ** (fixed.width - 1) - 1
    return 0, 2**fixed.width - 1


# ----------------------------------------------------------------------- whole numbers
def round_shifted(numerator: int, shift: int, rounding: str) -> int:
    """``numerator / 2^shift`` (shift >= 0) rounded to a whole number by an ap_fixed quantization mode."""
    if shift <= 0:
        return numerator << -shift
    floor, rest = numerator >> shift, numerator & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest == 0 or rounding == "TRN":
        return floor
    negative = numerator < 0
    if rounding == "TRN_ZERO":
        return floor + 1 if negative else floor
    if rest != half:  # not a tie: every RND mode goes to the nearest
        return floor + 1 if rest > half else floor
    tie_up = {
        "RND": True,
        "RND_ZERO": negative,
        "RND_MIN_INF": False,
        "RND_INF": not negative,
        "RND_CONV": bool(floor & 1),
    }
    if rounding not in tie_up:
        raise ValueError(f"unknown ap_fixed quantization mode {rounding!r}")
    return floor + 1 if tie_up[rounding] else floor


def result_range(fixed: FixedType) -> tuple[int, int]:
    """The whole numbers a cast to ``fixed`` can give: its range, less the most negative value
    under AP_SAT_SYM (which saturates it to minus the largest)."""
    low, high = integer_range(fixed)
    return (-high, high) if fixed.saturation == "SAT_SYM" and fixed.signed else (low, high)


def overflow(whole: int, fixed: FixedType) -> int:
    """A whole number on ``fixed``'s step brought into its range by its overflow mode."""
    low, high = result_range(fixed)
    if low <= whole <= high:
        return whole
    if fixed.saturation == "WRAP":
        return (whole - low) % 2**fixed.width + low
    if fixed.saturation == "SAT_ZERO":
        return 0
    return min(max(whole, low), high)


def cast_whole(whole: int, fractional: int, fixed: FixedType) -> int:
    """The whole number of ``fixed`` that ``whole * 2^-fractional`` becomes when assigned to it."""
    return overflow(round_shifted(whole, fractional - fixed.fractional, fixed.rounding), fixed)


def from_double(value: float, fixed: FixedType) -> int:
    """``fixed(value)`` as C++ computes it from a double (ap_fixed's double constructor), as a whole number."""
    ratio = Fraction(float(value))
    if ratio.denominator & (ratio.denominator - 1):
        raise ValueError(f"{value!r} is not a binary fraction")  # never for a double
    shift = ratio.denominator.bit_length() - 1  # value = numerator * 2^-shift
    return cast_whole(ratio.numerator, shift, fixed)


# ------------------------------------------------------------------------------- spans
@dataclass(frozen=True)
class Span:
    """Bounds of a tensor's whole numbers and their scale: values lie in [low, high] * 2^-fractional."""

    low: int
    high: int
    fractional: int

    @property
    def magnitude(self) -> int:
        return max(abs(self.low), abs(self.high))

    def relu(self) -> "Span":
        return Span(max(self.low, 0), max(self.high, 0), self.fractional)

    @classmethod
    def of_type(cls, fixed: FixedType) -> "Span":
        low, high = integer_range(fixed)
        return cls(low, high, fixed.fractional)


def require_exact(magnitude: int, what: str, limit: int = EXACT_FLOAT64) -> None:
    if magnitude >= limit:
        raise NotExact(f"{what} can reach 2^{magnitude.bit_length()}, beyond the 2^53 floats hold exactly")


# -------------------------------------------------------------------------- array casts
@dataclass(frozen=True)
class ArrayCast:
    """One ap_fixed cast on arrays of whole numbers, reduced to the operations it needs.

    Built by :func:`plan_cast` from the bounds of the incoming values. ``apply`` works in
    place and returns the result. ``needed`` bounds every whole number the cast handles on
    the way (a float type that holds it exactly computes the cast exactly).
    """

    to: FixedType
    scale: float  # multiply by this first (a power of two)
    rounding: str | None  # the quantization mode when the scaling leaves fractions, else None
    overflow: str | None  # the overflow mode when values can leave the range, else None
    low: int
    high: int
    needed: int
    clip_low: bool = True  # for SAT modes: whether values can fall below ``low`` / rise above ``high``
    clip_high: bool = True

    def apply(self, values: np.ndarray) -> np.ndarray:
        if self.scale != 1.0:
            values *= self.scale
        if self.rounding is not None:
            values = round_array(values, self.rounding)
        if self.overflow is not None:
            values = overflow_array(
                values, self.overflow, self.low, self.high, self.to.width, self.clip_low, self.clip_high
            )
        return values

    @property
    def identity(self) -> bool:
        return self.scale == 1.0 and self.rounding is None and self.overflow is None

    @property
    def linear(self) -> bool:
        """Only a scaling: it commutes with sums and can move into the weights."""
        return self.rounding is None and self.overflow is None

    def unscaled(self) -> "ArrayCast":
        """The same cast on values already multiplied by ``scale``."""
        return replace(self, scale=1.0)


def plan_cast(incoming: Span, to: FixedType) -> tuple[ArrayCast, Span]:
    """The cast of values within ``incoming`` to ``to``, and the bounds of the result."""
    shift = incoming.fractional - to.fractional
    needed = incoming.magnitude << max(0, -shift)
    if shift > 0:
        needed += 1 << (shift - 1)  # rounding adds up to half a step
    require_exact(needed, f"a value cast to {to}")
    rounding = to.rounding if shift > 0 else None
    low = round_shifted(incoming.low, shift, to.rounding)
    high = round_shifted(incoming.high, shift, to.rounding)
    type_low, type_high = result_range(to)
    saturation = None
    clip_low, clip_high = low < type_low, high > type_high
    if clip_low or clip_high:
        saturation = to.saturation
        if saturation == "WRAP":
            needed = max(needed, max(abs(low), abs(high)) + 2**to.width)
            require_exact(needed, f"a value wrapped into {to}")
        low, high = overflow_bounds(low, high, to)
    cast = ArrayCast(to, 2.0**-shift, rounding, saturation, type_low, type_high, needed, clip_low, clip_high)
    return cast, Span(low, high, to.fractional)


def overflow_bounds(low: int, high: int, fixed: FixedType) -> tuple[int, int]:
    """Bounds after the overflow mode of ``fixed`` acts on values within [low, high]."""
    type_low, type_high = result_range(fixed)
    if fixed.saturation == "WRAP":
        if high - low >= 2**fixed.width:
            return type_low, type_high
        wrapped_low, wrapped_high = overflow(low, fixed), overflow(high, fixed)
        return (wrapped_low, wrapped_high) if wrapped_low <= wrapped_high else (type_low, type_high)
    ends = [overflow(low, fixed), overflow(high, fixed)]
    if fixed.saturation == "SAT_ZERO":
        ends += [0, max(min(low, type_high), type_low), min(max(high, type_low), type_high)]
    return min(ends), max(ends)


def round_array(values: np.ndarray, rounding: str) -> np.ndarray:
    """Whole numbers from values with fractions (exact for magnitudes below 2^52), by quantization mode."""
    if rounding == "TRN":
        return np.floor(values, out=values)
    if rounding == "TRN_ZERO":
        return np.trunc(values, out=values)
    if rounding == "RND_CONV":
        return np.rint(values, out=values)  # IEEE rounding: ties to even
    if rounding == "RND":
        values += 0.5
        return np.floor(values, out=values)
    if rounding == "RND_MIN_INF":
        values -= 0.5
        return np.ceil(values, out=values)
    if rounding in ("RND_ZERO", "RND_INF"):
        magnitude = np.abs(values)
        if rounding == "RND_ZERO":  # |x| rounded, ties toward zero
            magnitude -= 0.5
            np.ceil(magnitude, out=magnitude)
        else:  # ties away from zero
            magnitude += 0.5
            np.floor(magnitude, out=magnitude)
        return np.copysign(magnitude, values, out=values)
    raise ValueError(f"unknown ap_fixed quantization mode {rounding!r}")


def overflow_array(
    values: np.ndarray, mode: str, low: int, high: int, width: int, clip_low: bool = True, clip_high: bool = True
) -> np.ndarray:
    """Whole numbers brought into [low, high] by an ap_fixed overflow mode (``width`` bits for WRAP)."""
    if mode == "WRAP":
        modulus = float(2**width)
        wraps = np.floor((values - low) * (1.0 / modulus))
        values -= wraps * modulus
        return values
    if mode == "SAT_ZERO":
        values[(values < low) | (values > high)] = 0.0
        return values
    if mode in ("SAT", "SAT_SYM"):
        if clip_low:
            np.maximum(values, low, out=values)
        if clip_high:
            np.minimum(values, high, out=values)
        return values
    raise ValueError(f"unknown ap_fixed overflow mode {mode!r}")
