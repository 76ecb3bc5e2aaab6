"""The fixed-point types of a float (non-QKeras) model: derived, each labelled with how.

No type makes a float model's firmware bit-exact with Keras, so each is derived and justified:

* **Integer bits, proven**: by interval analysis over the hls4ml graph from the input's range,
  where that is sound: dense and convolution with their weights (on their derived grids), ReLU,
  leaky ReLU, max pooling, reshapes and permutations (the rules of :mod:`cicada.core.intervals`'
  registry for the classes QKeras layers share, :func:`leaky_bounds` and :func:`transpose_bounds`
  here). Every cast on the way (rounding to a type's grid) is part of the bounds.
* **Integer bits, calibrated**: layer normalisation (its sums, variance and output) and the range
  of its 1/sqrt table: the ``1 - q`` and ``q`` quantiles of its values over the calibration events
  (zero-bias and signal), widened by ``margin`` x width on each side; these types saturate, so a
  rarer value clips instead of wrapping, and everything after them is proven again from the
  saturated range.
* **Fractional bits, searched**: layer after layer, the fewest bits (and the smallest 1/sqrt table)
  that keep every output within ``tolerance`` of the float model on ``fraction`` of the
  calibration events, tried on :mod:`.float_surrogate` and confirmed on hls4ml's compiled C++
  (:func:`confirm`); a dense or convolution accumulator is exact (the input's fraction plus the
  weight's).

A hand-set type (``hls.layers.<name>.accum_precision`` / ``result_precision``) is checked against
the derived one before anything is built (:func:`check_hand_set`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.fixedpoint import FixedType, fractional_bits_needed
from ..core.intervals import PRECISION_RULES, Bounds, PrecisionProof, RuleInput, cast, precision_of
from ..plugins import load as load_plugins
from .float_surrogate import Node

#: the type every rule is given while bounds are taken exactly (wide, neither rounds nor saturates)
_WIDE = FixedType(96, 64)
#: a leaky ReLU's slope: fractional bits of its type (the slope itself is a constant, not a range)
PARAM_FRACTIONAL = 16
#: the 1/sqrt table sizes the search tries
TABLE_SIZES = (1024, 2048, 4096, 8192, 16384, 32768, 65536)
PROVEN = "proven"


@dataclass(frozen=True)
class DerivedType:
    """One type of one layer, with where its range and its resolution come from."""

    layer: str
    role: str
    type: str
    label: str  # "proven", "calibrated on N events, margin m (quantiles ...)", "hand-set"
    low: float
    high: float
    fraction_source: str  # "exact", "error target", "hand-set", "input"

    def as_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Target:
    tolerance: float
    fraction: float

    def met(self, firmware: np.ndarray, reference: np.ndarray) -> tuple[bool, float]:
        """Whether the share of events with every output within tolerance reaches ``fraction``; that share."""
        within = np.all(np.abs(firmware - reference) <= self.tolerance * (1 + 1e-9), axis=1)
        share = float(within.mean()) if len(within) else 1.0
        return share >= self.fraction, share


def calibrated_label(events: int, margin: float, quantile: float) -> str:
    return f"calibrated on {events} events, margin {margin:g} (quantiles {1 - quantile:g}, {quantile:g})"


def integer_bits(low: float, high: float, signed: bool | None = None) -> int:
    """Integer bits (sign included) a type needs for [low, high] at any resolution finer than 1."""
    signed = low < 0 if signed is None else signed
    top = max(abs(low), abs(high), 2.0**-40)
    bits = max(math.floor(math.log2(top)) + 1, -30)
    if high >= 2.0**bits:  # a power of two itself
        bits += 1
    return bits + (1 if signed else 0)


def fixed(
    low: float,
    high: float,
    fractional: int,
    rounding: str = "TRN",
    saturation: str = "WRAP",
    signed: bool | None = None,
) -> FixedType:
    """The narrowest type of ``fractional`` bits whose range holds [low, high]."""
    signed = (low < 0) if signed is None else signed
    integer = integer_bits(low, high, signed)
    while True:
        candidate = FixedType(max(integer + fractional, 1), integer, signed, rounding, saturation)
        if candidate.min_value <= low and high <= candidate.max_value:
            return candidate
        integer += 1


def with_fractional(fixed_type: FixedType, fractional: int) -> FixedType:
    return FixedType(
        max(fixed_type.integer + fractional, 1),
        fixed_type.integer,
        fixed_type.signed,
        fixed_type.rounding,
        fixed_type.saturation,
    )


# ------------------------------------------------------------------------------ interval rules
def transpose_bounds(node: Node, incoming: Bounds) -> Bounds:
    perm = tuple(node.attrs["perm"])
    low = np.transpose(incoming.low.reshape(node.in_shape), perm)
    high = np.transpose(incoming.high.reshape(node.in_shape), perm)
    return Bounds(low, high, incoming.fractional)


def leaky_bounds(node: Node, incoming: Bounds, alpha: float, alpha_fractional: int) -> Bounds:
    """max(x, 0) + alpha min(x, 0): monotonic for 0 <= alpha, so the ends map to the ends."""
    low = np.where(incoming.low > 0, incoming.low, alpha * incoming.low)
    high = np.where(incoming.high > 0, incoming.high, alpha * incoming.high)
    return Bounds(low, high, incoming.fractional + alpha_fractional)


def scaling_bounds(node: Node, incoming: Bounds) -> Bounds:
    """x * scale + bias per channel (the last axis): each end maps to an end."""
    scale, bias = node.weights["scale"], node.weights["bias"]
    low, high = incoming.low.reshape(node.in_shape), incoming.high.reshape(node.in_shape)
    ends = (low * scale + bias, high * scale + bias)
    return Bounds(np.minimum(*ends), np.maximum(*ends), incoming.fractional + fractional_bits_needed(scale))


def square_bounds(incoming: Bounds) -> Bounds:
    """x * x: 0 inside an interval that holds 0, else the square of the end nearer 0."""
    low, high = incoming.low, incoming.high
    near = np.where(low > 0, low, np.where(high < 0, -high, 0.0))
    return Bounds(near * near, np.maximum(low * low, high * high), 2 * incoming.fractional)


@dataclass
class Walk:
    """The bounds of every layer's values, exact (before its result cast) and after it."""

    exact: dict[str, Bounds] = field(default_factory=dict)
    after: dict[str, Bounds] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def walk(
    nodes: list[Node], hls_layers: dict, types: dict, input_low, input_high, calibrated: dict, label_of: dict
) -> Walk:
    """Interval analysis over ``nodes`` with ``types``: a calibrated layer (``calibrated``: name ->
    (low, high)) starts from its calibrated range, every other from its rule."""
    load_plugins("precision rule")
    result = Walk()
    bounds = Bounds(np.zeros(0), np.zeros(0), 0)  # what enters the input layer: replaced there
    scratch = PrecisionProof()
    for node in nodes:
        result_type = types.get((node.name, "result"))
        fractional = result_type.fractional if result_type is not None else 0  # the input's and calibrated ones are set
        if node.kind == "Input":
            low = np.broadcast_to(np.asarray(input_low, np.float64).reshape(-1), (int(np.prod(node.out_shape)),))
            high = np.broadcast_to(np.asarray(input_high, np.float64).reshape(-1), low.shape)
            exact = Bounds(low.reshape(node.out_shape).copy(), high.reshape(node.out_shape).copy(), fractional)
        elif node.name in calibrated:
            low, high = calibrated[node.name]
            exact = Bounds(np.full(node.out_shape, low), np.full(node.out_shape, high), fractional)
        elif node.kind == "Transpose":
            exact = transpose_bounds(node, bounds)
        elif node.kind in ("ParametrizedActivation", "LeakyReLU"):
            param = types[(node.name, "param")]
            alpha = float(np.rint(float(node.attrs["activ_param"]) / param.lsb) * param.lsb)
            exact = leaky_bounds(node, bounds.reshaped(node.in_shape), alpha, param.fractional)
        elif node.kind == "BatchNormalization":
            exact = scaling_bounds(node, bounds)
        elif node.kind == "Merge":
            exact = square_bounds(bounds.reshaped(node.in_shape))
        else:
            rule = PRECISION_RULES.get(node.kind)
            given = RuleInput(hls_layers[node.name], bounds, node.out_shape, _WIDE, True, None)
            exact = rule(scratch, given)
        exact = exact.reshaped(node.out_shape)
        result.exact[node.name] = exact
        result.labels[node.name] = label_of.get(node.name, PROVEN)
        bounds = cast(exact, result_type) if result_type is not None else exact
        result.after[node.name] = bounds
    return result


def precision_attr(hls_layer, role: str) -> FixedType:
    return precision_of(hls_layer.get_attr(f"{role}_t"))
