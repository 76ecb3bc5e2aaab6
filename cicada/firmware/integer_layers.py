"""The layers of the integer model: one rule per hls4ml layer class, as its C++ computes.

A rule (registered with :func:`integer_rule` for hls4ml classes) receives the layer's row of
the conversion record, its Keras layer and what is known of the values entering it, and
returns the :class:`Step` that computes the layer on a block of events (or None when the
values pass unchanged) and what is known of the values leaving it. The semantics follow
hls4ml 1.3.0's ``nnet_utils``:

* Dense and Conv2D (``dense_latency``, ``dense_resource``, ``conv_2d_*_cl``): each weight is
  the value hls4ml writes into ``weights/*.h`` (printed with the type's fractional digits,
  then converted to the weight type by C++); each product goes through
  ``nnet::product::<kind>`` and is cast to ``accum_t``; the bias, cast to ``accum_t``,
  starts the sum; the sum is cast to ``result_t``. With a wrapping accumulator the order of
  the additions does not matter (two's complement addition is modular); a saturating one is
  taken only where no partial sum can saturate. Distributed arithmetic (da4ml) sums exactly,
  with the quantized weights as they are, and casts the sum to ``result_t``.
* Activation ``relu`` and ``linear``: relu of the incoming value, then the cast to
  ``result_t``, where QKeras' ``quantized_relu`` rounds (AP_RND_CONV) and saturates.
* Pooling2D, average or max, without padding (``pooling2d_cl``): the window summed into
  ``accum_t`` one value at a time and divided by its size (truncating toward zero), or its
  largest value, cast to ``accum_t`` and then to ``result_t``.
* Reshape (also Flatten): io_parallel passes the same array on.

Anything else raises :class:`UnsupportedLayer`, which names the layer and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..core.errors import ConversionError
from ..core.fixedpoint import FixedType
from ..core.registry import Registry
from .fixed_arrays import (
    EXACT_FLOAT32,
    ArrayCast,
    Span,
    cast_whole,
    from_double,
    integer_range,
    plan_cast,
    require_exact,
    round_array,
)


class UnsupportedLayer(ConversionError):
    """A layer the integer model cannot compute exactly (the emulator library scores instead)."""


def unsupported(row: dict, why: str) -> UnsupportedLayer:
    return UnsupportedLayer(f"layer '{row.get('name')}' ({row.get('class')}): {why}")


@dataclass(frozen=True)
class Tensor:
    """What is known, before any event, of the values leaving a layer."""

    span: Span
    shape: tuple[int, ...]
    fixed: FixedType  # their C++ type (a product's type depends on it)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def float_type(needed: int) -> type:
    """float32 when every whole number a step handles stays below 2^24, else float64."""
    return np.float32 if needed < EXACT_FLOAT32 else np.float64


# ------------------------------------------------------------------------------- steps
RELU = "relu"


def apply_after(values: np.ndarray, after: list) -> np.ndarray:
    """Apply a list of element-wise operations (:data:`RELU` or an ArrayCast) in place."""
    for operation in after:
        if operation is RELU:
            np.maximum(values, 0, out=values)
        else:
            values = operation.apply(values)
    return values


@dataclass
class Step:
    """One layer's work on a block of events, (events, values) whole numbers in, the same out.

    ``after``: element-wise operations that follow (an activation fused into the layer
    before it saves a pass over the values). A step may change its input array in place
    unless it is of an integer type (the caller's own input).
    """

    name: str
    dtype: type
    after: list = field(default_factory=list)
    needed: int = 0  # the largest whole number the step handles

    def __call__(self, values: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@dataclass
class ElementWise(Step):
    """An activation on its own (relu where values can be negative, then the cast)."""

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return apply_after(values.astype(self.dtype, copy=not np.issubdtype(values.dtype, np.floating)), self.after)


@dataclass
class WeightedSum(Step):
    """Dense, or Conv2D on each output pixel's patch: ``x @ W + b``, then ``after``.

    A convolution takes one of two forms. ``patches``: indices into the input of every output
    pixel's patch, pixel by pixel (an index past the input reads the zero of the padding), and
    ``weights`` the kernel (patch, filters). Or, when the kernel's rows tile the image (vertical
    stride = kernel height, no vertical padding): the first ``used`` inputs, read as rows of
    ``len(weights)`` values (one band of image rows per output row), and ``weights`` the band
    matrix that maps a band to its row of output pixels (zero outside each kernel); no gather.
    ``product_shift`` > 0: each product is rounded to the accumulator's step on its own (the
    accumulator has fewer fractional bits than the products), which a matrix product cannot do.
    """

    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    bias: np.ndarray = field(default_factory=lambda: np.zeros(0))
    patches: np.ndarray | None = None
    padded: bool = False
    used: int | None = None
    product_shift: int = 0
    product_rounding: str = "TRN"

    def __post_init__(self):
        self.weights = np.ascontiguousarray(self.weights, dtype=self.dtype)
        self.bias = np.asarray(self.bias, dtype=self.dtype)

    def fold_scale(self) -> None:
        """Move the power-of-two scalings that come first in ``after`` into the weights and bias
        (exact: a power of two changes no significant bit), through any relu."""
        for index, operation in enumerate(self.after):
            if operation is RELU:
                continue
            if operation.scale != 1.0:
                self.weights = self.weights * self.dtype(operation.scale)
                self.bias = self.bias * self.dtype(operation.scale)
                self.after[index] = operation = operation.unscaled()
            if not operation.linear:
                break
        self.after = [op for op in self.after if op is RELU or not op.identity]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        n = len(values)
        if self.patches is not None:
            if self.padded:
                values = np.concatenate([values, np.zeros((n, 1), dtype=values.dtype)], axis=1)
            values = values[:, self.patches]  # the gather first: on the narrowest type there is
        elif self.used is not None:
            values = values[:, : self.used]
        values = values.astype(self.dtype, copy=False).reshape(-1, len(self.weights))
        sums = self._rounded_products(values) if self.product_shift else values @ self.weights
        if self.bias.any():
            sums += self.bias
        return apply_after(sums, self.after).reshape(n, -1)

    def _rounded_products(self, values: np.ndarray) -> np.ndarray:
        scale = 2.0**-self.product_shift
        sums: np.ndarray = np.zeros((len(values), self.weights.shape[1]), dtype=self.dtype)
        for row in range(len(self.weights)):
            products = values[:, row, None] * self.weights[row]
            products *= scale
            sums += round_array(products, self.product_rounding)
        return sums


@dataclass
class Pooling(Step):
    """Windows (outputs, area) of the input: summed one value at a time in accum_t and divided,
    or maxed and cast to accum_t; then ``after``."""

    windows: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.intp))
    #: per value of the window: (scale of the running sum, scale of the value, cast to accum_t); empty for max
    additions: list = field(default_factory=list)
    divisor: float = 1.0
    to_accum: ArrayCast | None = None

    def __call__(self, values: np.ndarray) -> np.ndarray:
        n = len(values)
        taken: np.ndarray = values[:, self.windows].astype(self.dtype, copy=False)  # (n, outputs, area)
        if self.additions:
            total: np.ndarray = np.zeros(taken.shape[:2], dtype=self.dtype)
            for k, (sum_scale, value_scale, cast) in enumerate(self.additions):
                total = cast.apply(total * sum_scale + taken[:, :, k] * value_scale)
            total = np.trunc(total / self.divisor)
        else:
            assert self.to_accum is not None
            total = self.to_accum.apply(taken.max(axis=2))
        return apply_after(total, self.after).reshape(n, -1)


@dataclass
class InputCast(Step):
    """Inputs as the emulator library presents them to the firmware: floored to the input type's
    step and saturated. Whole numbers already in range pass as they are (no copy)."""

    fixed: FixedType = field(default_factory=lambda: FixedType(10, 10, False))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        low, high = integer_range(self.fixed)
        whole_input = np.issubdtype(values.dtype, np.integer) and self.fixed.fractional >= 0
        if whole_input and self.fixed.fractional == 0 and values.size:
            if values.min() >= low and values.max() <= high:
                return values
        scaled = np.asarray(values, dtype=np.float64) * 2.0**self.fixed.fractional
        if not whole_input:
            if np.isnan(scaled).any():
                bad = int(np.flatnonzero(np.isnan(scaled).any(axis=1))[0])
                raise ValueError(f"event {bad} has a NaN input: the integer model refuses it")
            np.floor(scaled, out=scaled)
        np.clip(scaled, low, high, out=scaled)
        return scaled.astype(self.dtype, copy=False)


# ------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class LayerInput:
    """What a rule gets: the layer's row of the conversion record, its Keras layer (None for a
    layer hls4ml added) and what is known of the values entering it."""

    row: dict
    keras_layer: Any
    incoming: Tensor


#: (given) -> (step, or None when the values pass unchanged; the values leaving the layer)
IntegerRule = Callable[[LayerInput], tuple[Step | None, Tensor]]
INTEGER_RULES: Registry[IntegerRule] = Registry("integer-model layer rule")


#: ``@integer_rule("Dense", ...)`` registers a rule for those hls4ml layer classes
integer_rule = INTEGER_RULES.register_under


def fixed_type(row: dict, key: str) -> FixedType:
    try:
        return FixedType.parse(row[key])
    except KeyError:
        raise unsupported(row, f"the conversion record has no '{key}' type") from None
    except ValueError:
        raise unsupported(row, f"its {key} type {row[key]} is not an ap_fixed/ap_int type") from None


# ----------------------------------------------------------------------------- weights
def written_value(value: float, fixed: FixedType) -> int:
    """The whole number of ``fixed`` a weight becomes in the firmware: hls4ml prints it with the
    type's fractional digits (``WeightVariable.precision_fmt``), C++ converts the literal."""
    text = f"{float(value):.{max(0, fixed.fractional)}f}"
    return from_double(float(text), fixed)


def written_values(values: np.ndarray, fixed: FixedType) -> np.ndarray:
    return np.array([written_value(v, fixed) for v in np.asarray(values, dtype=np.float64).ravel()], dtype=np.int64)


def dyadic_whole(values: np.ndarray, row: dict, what: str) -> tuple[np.ndarray, int]:
    """Exact binary fractions as whole numbers and their fractional bits (values = whole * 2^-bits)."""
    values = np.asarray(values, dtype=np.float64)
    for bits in range(0, 64):
        scaled = values * 2.0**bits
        if np.all(scaled == np.round(scaled)):
            return scaled, bits
    raise unsupported(row, f"its {what} are not binary fractions of at most 63 bits")


def quantized_weights(row: dict, layer) -> tuple[np.ndarray, np.ndarray | None]:
    """Kernel and bias as hls4ml takes them: float32 values through the layer's QKeras quantizers."""
    if layer is None or not hasattr(layer, "kernel"):
        raise unsupported(row, "no Keras layer with a kernel of the same name")

    def through(quantizer, variable) -> np.ndarray:
        data = np.asarray(variable.numpy(), dtype=np.float32)
        if quantizer is None:
            return data
        result = quantizer(data)
        return np.asarray(result.numpy() if hasattr(result, "numpy") else result, dtype=np.float32)

    kernel = through(getattr(layer, "kernel_quantizer_internal", None), layer.kernel)
    bias = None
    if getattr(layer, "use_bias", False) and getattr(layer, "bias", None) is not None:
        bias = through(getattr(layer, "bias_quantizer_internal", None), layer.bias)
    return kernel, bias


def firmware_multipliers(row: dict, kernel: np.ndarray, data: Tensor) -> tuple[np.ndarray, int]:
    """What each product multiplies its input by, by hls4ml's product kind (``nnet::product``):
    whole numbers (n_in, n_out) and their fractional bits."""
    flat = kernel.reshape(-1, kernel.shape[-1]).astype(np.float64)
    if row.get("strategy") == "distributed_arithmetic":  # da4ml takes the quantized values as they are
        return dyadic_whole(flat, row, "weights")
    product = row.get("product")
    weight_type = fixed_type(row, "weight")
    if product == "mult":
        return written_values(flat, weight_type).reshape(flat.shape).astype(np.float64), weight_type.fractional
    if product == "weight_ternary":
        # `w == 0 ? 0 : w == -1 ? -a : a` on the stored weight, whatever QKeras' value was
        stored = written_values(flat, weight_type).reshape(flat.shape)
        return np.where(stored == 0, 0.0, np.where(stored == -1, -1.0, 1.0)), 0
    if product == "weight_exponential":
        return power_of_two_multipliers(row, flat, weight_type, data)
    if product is None:
        raise unsupported(
            row, "the conversion record has no product kind (converted by an older cicada: rerun convert)"
        )
    raise unsupported(row, f"hls4ml's product '{product}' is not modelled (mult, weight_ternary, weight_exponential)")


def power_of_two_multipliers(
    row: dict, flat: np.ndarray, exponent_type: FixedType, data: Tensor
) -> tuple[np.ndarray, int]:
    """QKeras po2 weights: hls4ml stores a sign and an exponent and shifts the input in
    ``ap_fixed<2(We+Wx), We+Wx>``; modelled where that shift is exact for every input."""
    if np.any(flat == 0) or not np.all(np.isfinite(flat)):
        raise unsupported(row, "a power-of-two weight is 0 or not finite, which hls4ml cannot store")
    exponents = (np.log2(np.abs(flat)) / np.log2(2.0)).astype(int)  # as ExponentWeightVariable writes them
    stored = written_values(exponents, exponent_type).reshape(flat.shape)
    width = exponent_type.width + data.fixed.width
    shifter = FixedType(2 * width, width, True)
    low, high = integer_range(shifter)
    for exponent in (int(e) for e in np.unique(stored)):
        if data.span.fractional - exponent > shifter.fractional:
            raise unsupported(row, f"shifting its inputs by 2^{exponent} truncates them in {shifter}")
        for end in (data.span.low, data.span.high):
            shifted = end * 2 ** (shifter.fractional - data.span.fractional + exponent)
            if not (low <= shifted <= high and low <= -shifted <= high):
                raise unsupported(row, f"an input times 2^{exponent} overflows {shifter}")
    bits = max(0, -int(stored.min()))
    return np.sign(flat) * np.power(2.0, stored + bits), bits


def firmware_bias(row: dict, bias: np.ndarray | None, n_out: int) -> tuple[list[int], int]:
    """The bias as whole numbers of its type (exact for distributed arithmetic), and their fractional bits."""
    if bias is None:
        return [0] * n_out, 0
    flat = bias.reshape(-1).astype(np.float64)
    if row.get("strategy") == "distributed_arithmetic":
        whole, bits = dyadic_whole(flat, row, "biases")
        return [int(v) for v in whole], bits
    bias_type = fixed_type(row, "bias")
    return [int(v) for v in written_values(flat, bias_type)], bias_type.fractional


# ----------------------------------------------------------------------- weighted sums
@dataclass(frozen=True)
class SumBounds:
    """Bounds of ``bias + sum_i x_i w_i``: of the sums, and of any partial sum (in any order)."""

    low: int
    high: int
    partial_low: int
    partial_high: int

    @property
    def partial(self) -> int:
        return max(-self.partial_low, self.partial_high)

    def widened(self, margin: int) -> "SumBounds":
        return SumBounds(self.low - margin, self.high + margin, self.partial_low - margin, self.partial_high + margin)


def sum_bounds(span: Span, weights: np.ndarray, bias: list[int]) -> SumBounds:
    """Exact integer bounds of ``bias + sum_i x_i w_i`` over whole numbers x_i in ``span``."""
    weights = np.asarray(weights, dtype=np.float64).astype(np.int64).astype(object)
    bias_array = np.array(bias, dtype=object)
    at_low, at_high = weights * span.low, weights * span.high
    term_high, term_low = np.maximum(at_low, at_high), np.minimum(at_low, at_high)
    zero = np.zeros_like(bias_array)
    return SumBounds(
        low=int(min(term_low.sum(axis=0) + bias_array)),
        high=int(max(term_high.sum(axis=0) + bias_array)),
        partial_low=int(min(np.minimum(term_low, 0).sum(axis=0) + np.minimum(bias_array, zero))),
        partial_high=int(max(np.maximum(term_high, 0).sum(axis=0) + np.maximum(bias_array, zero))),
    )


def weighted_sum(given: LayerInput, pixels: tuple[int, ...] = (), arrange=None, **form):
    """The step of a Dense or Conv2D layer and its values, shaped ``pixels + (outputs,)``.

    ``arrange(matrix)``: the matrix the step multiplies by, from the kernel's (patch, filters)
    matrix (a convolution's band matrix, see :class:`WeightedSum`, with ``form`` its fields).
    """
    row, data = given.row, given.incoming
    kernel, bias = quantized_weights(row, given.keras_layer)
    multipliers, weight_bits = firmware_multipliers(row, kernel, data)
    n_in, n_out = multipliers.shape
    bias_whole, bias_bits = firmware_bias(row, bias, n_out)
    product_bits = data.span.fractional + weight_bits
    result_type = fixed_type(row, "result")
    after: list = []
    product_shift, rounding, accum_type = 0, "TRN", None
    if row.get("strategy") == "distributed_arithmetic":
        bits = max(product_bits, bias_bits)  # da4ml sums exactly, every adder as wide as it needs
        weights = multipliers * 2.0 ** (bits - product_bits)
        bias_at = [b << (bits - bias_bits) for b in bias_whole]
    else:
        accum_type = fixed_type(row, "accum")
        bits = accum_type.fractional
        bias_at = [cast_whole(b, bias_bits, accum_type) for b in bias_whole]
        if bits >= product_bits:
            weights = multipliers * 2.0 ** (bits - product_bits)
        else:  # products lose bits on their way into the accumulator, each on its own
            product_shift, rounding = product_bits - bits, accum_type.rounding
            weights = multipliers
    exact = sum_bounds(data.span, weights, [b << product_shift for b in bias_at])
    require_exact(max(exact.partial, int(np.abs(weights).max(initial=0))), f"layer '{row['name']}': a partial sum")
    needed = max(exact.partial, int(np.abs(weights).max(initial=0)))
    # in whole numbers of the accumulator: rounding each product moves a sum by less than one per product
    sums = SumBounds(
        exact.low >> product_shift,
        -(-exact.high >> product_shift),
        exact.partial_low >> product_shift,
        -(-exact.partial_high >> product_shift),
    ).widened(n_in if product_shift else 0)
    span = Span(sums.low, sums.high, bits)
    if accum_type is not None:
        type_low, type_high = integer_range(accum_type)
        if accum_type.saturation != "WRAP" and (sums.partial_low < type_low or sums.partial_high > type_high):
            raise unsupported(
                row,
                f"its saturating accumulator {accum_type} can saturate, and then the sum depends on the order of "
                "the additions (not modelled)",
            )
        wrap, span = plan_cast(span, accum_type)
        if not wrap.identity:
            after.append(wrap)
            needed = max(needed, wrap.needed)
    result, span = plan_cast(span, result_type)
    after.append(result)
    needed = max(needed, result.needed)
    matrix = arrange(weights) if arrange else weights
    step = WeightedSum(
        row["name"],
        float_type(needed),
        after,
        needed,
        weights=matrix,
        bias=np.tile(np.array(bias_at, dtype=np.float64), matrix.shape[1] // n_out),  # every pixel's filters
        product_shift=product_shift,
        product_rounding=rounding,
        **form,
    )
    return step, Tensor(span, (*pixels, n_out), result_type)


@integer_rule("Dense")
def dense(given: LayerInput):
    if len(given.incoming.shape) != 1:
        raise unsupported(given.row, f"input of shape {given.incoming.shape}: only flat inputs are modelled")
    return weighted_sum(given)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(output size, padding before) of Keras' (and hls4ml's) 'same' padding."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2


@integer_rule("Conv2D")
def conv2d(given: LayerInput):
    row, layer = given.row, given.keras_layer
    if layer is None or not hasattr(layer, "kernel_size"):
        raise unsupported(row, "no Keras convolution of the same name")
    if getattr(layer, "data_format", "channels_last") != "channels_last" or tuple(layer.dilation_rate) != (1, 1):
        raise unsupported(row, "only channels_last convolutions without dilation are modelled")
    if len(given.incoming.shape) != 3:
        raise unsupported(row, f"input of shape {given.incoming.shape}, expected (height, width, channels)")
    height, width, channels = given.incoming.shape
    kh, kw = (int(k) for k in layer.kernel_size)
    sh, sw = (int(s) for s in layer.strides)
    if layer.padding == "same":
        (out_h, top), (out_w, left) = same_padding(height, kh, sh), same_padding(width, kw, sw)
    elif layer.padding == "valid":
        out_h, out_w, top, left = (height - kh) // sh + 1, (width - kw) // sw + 1, 0, 0
    else:
        raise unsupported(row, f"padding '{layer.padding}' is not modelled")
    bottom = (out_h - 1) * sh + kh - top - height  # rows of padding below (negative: rows left unused)
    if sh == kh and top == 0 and bottom <= 0:
        band = band_matrix(kh, kw, sw, left, width, channels, out_w)
        return weighted_sum(given, (out_h, out_w), arrange=band, used=out_h * kh * width * channels)
    # patch (kh, kw, channels) of each output pixel, in the Keras kernel's order
    rows = (np.arange(out_h) * sh - top)[:, None, None, None, None] + np.arange(kh)[None, None, :, None, None]
    cols = (np.arange(out_w) * sw - left)[None, :, None, None, None] + np.arange(kw)[None, None, None, :, None]
    channel = np.arange(channels)[None, None, None, None, :]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    padding = height * width * channels  # the index of the zero appended for the padding
    index = np.where(inside, (rows * width + cols) * channels + channel, padding)
    index = np.broadcast_to(index, (out_h, out_w, kh, kw, channels)).reshape(-1).astype(np.intp)
    return weighted_sum(given, (out_h, out_w), patches=index, padded=bool(np.any(index == padding)))


def band_matrix(kh: int, kw: int, sw: int, left: int, width: int, channels: int, out_w: int):
    """``arrange`` for a convolution whose kernel rows tile the image: the kernel's (patch, filters)
    matrix spread over a band of ``kh`` image rows, (kh * width * channels, out_w * filters)."""

    def arrange(kernel: np.ndarray) -> np.ndarray:
        filters = kernel.shape[1]
        patch = kernel.reshape(kh, kw, channels, filters)
        band = np.zeros((kh, width, channels, out_w, filters), dtype=kernel.dtype)
        for b in range(out_w):
            for dj in range(kw):
                column = b * sw + dj - left
                if 0 <= column < width:  # a padded column adds zeros: nothing
                    band[:, column, :, b, :] = patch[:, dj]
        return band.reshape(kh * width * channels, out_w * filters)

    return arrange


# ---------------------------------------------------------------------- element-wise
@integer_rule("Activation")
def activation(given: LayerInput):
    row, span = given.row, given.incoming.span
    kind = row.get("activation")
    if kind is None:
        raise unsupported(row, "the conversion record has no activation (converted by an older cicada: rerun convert)")
    if kind not in ("relu", "linear"):
        raise unsupported(row, f"activation '{kind}' is not modelled (relu, linear)")
    result_type = fixed_type(row, "result")
    after: list = []
    if kind == "relu" and span.low < 0:
        cast, result_span = plan_cast(span, result_type)
        # a cast that saturates negative values to 0 (relu'd or not, after rounding) does the relu itself
        if not (cast.overflow in ("SAT", "SAT_SYM", "SAT_ZERO") and cast.low >= 0):
            after.append(RELU)
            cast, result_span = plan_cast(span.relu(), result_type)
    else:
        cast, result_span = plan_cast(span.relu() if kind == "relu" else span, result_type)
    if not cast.identity:
        after.append(cast)
    tensor = Tensor(result_span, given.incoming.shape, result_type)
    if not after:
        return None, tensor
    return ElementWise(row["name"], float_type(cast.needed), after, cast.needed), tensor


@integer_rule("Reshape")
def reshape(given: LayerInput):
    """io_parallel passes the same array on: the values keep their type whatever the row says."""
    layer = given.keras_layer
    if layer is None:
        raise unsupported(given.row, "no Keras layer of the same name to take the shape from")
    shape = tuple(int(d) for d in layer.output_shape[1:])
    if int(np.prod(shape)) != given.incoming.size:
        raise unsupported(given.row, f"reshapes {given.incoming.shape} to {shape}")
    return None, Tensor(given.incoming.span, shape, given.incoming.fixed)


# ----------------------------------------------------------------------------- pooling
@integer_rule("Pooling2D")
def pooling2d(given: LayerInput):
    row, layer, data = given.row, given.keras_layer, given.incoming
    kind = type(layer).__name__ if layer is not None else ""
    if kind not in ("AveragePooling2D", "MaxPooling2D"):
        raise unsupported(row, "no Keras AveragePooling2D or MaxPooling2D of the same name")
    if layer.padding != "valid" or getattr(layer, "data_format", "channels_last") != "channels_last":
        raise unsupported(row, "only channels_last pooling without padding is modelled")
    height, width, channels = data.shape
    ph, pw = (int(p) for p in layer.pool_size)
    sh, sw = (int(s) for s in layer.strides)
    out_h, out_w = (height - ph) // sh + 1, (width - pw) // sw + 1
    rows = (np.arange(out_h) * sh)[:, None, None, None, None] + np.arange(ph)[None, None, None, :, None]
    cols = (np.arange(out_w) * sw)[None, :, None, None, None] + np.arange(pw)[None, None, None, None, :]
    channel = np.arange(channels)[None, None, :, None, None]
    windows = ((rows * width + cols) * channels + channel).reshape(out_h * out_w * channels, ph * pw)
    accum_type, result_type = fixed_type(row, "accum"), fixed_type(row, "result")
    additions, to_accum, needed = [], None, 0
    if kind == "AveragePooling2D":
        span = Span(0, 0, accum_type.fractional)
        for _ in range(ph * pw):  # y += x[i]: the exact sum, cast to accum_t
            bits = max(span.fractional, data.span.fractional)
            up_sum, up_value = bits - span.fractional, bits - data.span.fractional
            total = Span(
                (span.low << up_sum) + (data.span.low << up_value),
                (span.high << up_sum) + (data.span.high << up_value),
                bits,
            )
            cast, span = plan_cast(total, accum_type)
            needed = max(needed, cast.needed, total.magnitude)
            additions.append((2.0**up_sum, 2.0**up_value, cast))
        # y /= length truncates toward zero, on accum_t's step: the bounds shrink toward zero
        span = Span(int(span.low / (ph * pw)), int(span.high / (ph * pw)), span.fractional)
    else:
        to_accum, span = plan_cast(data.span, accum_type)
        needed = to_accum.needed
    result, result_span = plan_cast(span, result_type)
    step = Pooling(
        row["name"],
        np.float64,  # the division's truncation is exact in float64 for these magnitudes
        [result],
        max(needed, result.needed),
        windows=windows,
        additions=additions,
        divisor=float(ph * pw),
        to_accum=to_accum,
    )
    require_exact(step.needed << 12, f"layer '{row['name']}': a window sum")  # margin for the division
    return step, Tensor(result_span, (out_h, out_w, channels), result_type)
