"""A layer's weights and bias as the firmware holds them: the whole numbers hls4ml writes, and the
multipliers that products by them become.
"""

from __future__ import annotations

import numpy as np

from ...core.fixedpoint import FixedType
from ..fixed_arrays import from_double, integer_range
from . import Tensor, fixed_type, unsupported


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
