"""The steps of the integer model: one layer's work on a block of events, whole numbers in and out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.fixedpoint import FixedType
from ..fixed_arrays import ArrayCast, integer_range, round_array

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
