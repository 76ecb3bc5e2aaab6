"""What the rules of the weighted-sum layers, Dense and Conv2D, share (their rules are in their layer
types' homes, :mod:`cicada.layers.qdense.integer` and :mod:`cicada.layers.qconv2d.integer`):
``x @ W + b`` in the accumulator's type, cast to the result's (``dense_latency``, ``dense_resource``,
``conv_2d_*_cl``; distributed arithmetic sums exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fixed_arrays import Span, cast_whole, integer_range, plan_cast, require_exact
from . import LayerInput, Tensor, fixed_type, float_type, unsupported
from .steps import WeightedSum
from .weights import firmware_bias, firmware_multipliers, quantized_weights


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
