"""What a student's quantized kernels cost a multiplier-free adder graph, counted from the weights.

A constant multiplication built from shifts and adds needs one adder input per non-zero digit of
the constant's canonical-signed-digit (CSD) form, the signed-binary form with no two adjacent
non-zero digits and the fewest of them (7 = 8 - 1: two terms, not three). A kernel pays its
terms once per time it is applied: a dense kernel once, a convolution kernel at every output
position. The sum over a model, *adder terms*, is what the adder graph costs before it shares
common subexpressions (the RTL flow's compiler, alkaid, shares some, so it is an upper bound
of its adders, and Yosys' LUTs grow with it and with the widths of the sums).

This module is numpy and Keras-layer attributes only: the training's per-epoch log, the
regularisers' tables and the RTL flow's report count with the same functions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: How the counts are labelled wherever they are shown.
METHOD = (
    "canonical-signed-digit terms of the quantized kernels, each counted once per application of its kernel "
    "(a convolution at every output position): the adders of a multiplier-free graph before it shares terms"
)


def csd_terms(integers: np.ndarray) -> np.ndarray:
    """The number of non-zero digits of each integer's canonical-signed-digit form (int64 array)."""
    n = np.abs(np.asarray(integers, dtype=np.int64))
    terms = np.zeros(n.shape, dtype=np.int64)
    while np.any(n):
        odd = (n & 1).astype(bool)
        digit = np.where(odd, 2 - (n & 3), 0)  # +1 when n = 1 mod 4, -1 when n = 3 mod 4
        terms += odd
        n = (n - digit) >> 1
    return terms


def cheaper_neighbour_slope(low: int, high: int) -> np.ndarray:
    """For every integer n in [low, high]: (terms(n) - terms(m)) / (n - m), with m the nearest integer
    with fewer terms (the one nearer zero on a tie); 0 for n = 0. It is the gradient a straight-through
    estimator gives the term count: it points from n toward its nearest cheaper neighbour."""
    values = np.arange(low, high + 1, dtype=np.int64)
    reach = int(max(abs(low), abs(high)))  # zero (no terms) is never farther than this
    table = csd_terms(np.arange(-2 * reach - 1, 2 * reach + 2, dtype=np.int64))

    def terms_of(n: np.ndarray) -> np.ndarray:
        return table[n + 2 * reach + 1]

    own = terms_of(values)
    slope = np.zeros(len(values), dtype=np.float64)
    open_ = values != 0
    toward_zero = -np.sign(values)
    for distance in range(1, reach + 1):
        if not np.any(open_):
            break
        for step in (toward_zero, -toward_zero):  # nearer zero first: on a tie the move shrinks the weight
            neighbour = values + step * distance
            found = open_ & (terms_of(neighbour) < own)
            slope[found] = (own[found] - terms_of(neighbour[found])) / (values[found] - neighbour[found])
            open_ &= ~found
    return slope


@dataclass(frozen=True)
class KernelCost:
    """One layer's quantized kernel: its size, zeros, terms and how often the graph applies it."""

    weights: int
    zeros: int
    terms: int
    mean_abs_lsb: float
    lsb: float
    applications: int

    @property
    def adder_terms(self) -> int:
        return self.terms * self.applications

    def as_json(self) -> dict:
        return {**asdict(self), "adder_terms": self.adder_terms}


def kernel_lsb(layer) -> float | None:
    """The LSB of a QKeras ``quantized_bits`` kernel quantizer (alpha 1), else None."""
    quantizer = getattr(layer, "kernel_quantizer_internal", None)
    if quantizer is None or type(quantizer).__name__ != "quantized_bits":
        return None
    alpha = getattr(quantizer, "alpha", None)
    if alpha not in (None, 1, 1.0):
        return None
    fractional = int(quantizer.bits) - int(quantizer.integer) - int(quantizer.keep_negative)
    return 2.0**-fractional


def applications(layer) -> int:
    """How many times the layer applies its kernel: its output positions (1 for a dense layer)."""
    shape = layer.output_shape
    return int(np.prod([int(d) for d in shape[1:-1]])) if len(shape) > 2 else 1


def quantized_kernel(layer) -> np.ndarray:
    """The kernel the firmware uses: the float kernel through the layer's kernel quantizer."""
    quantizer = layer.kernel_quantizer_internal
    kernel = layer.kernel
    return np.asarray(quantizer(kernel) if quantizer is not None else kernel, dtype=np.float64)


def kernel_cost(layer) -> KernelCost | None:
    """The cost of ``layer``'s quantized kernel; None for a layer without a quantized_bits kernel."""
    lsb = kernel_lsb(layer)
    if lsb is None:
        return None
    integers = quantized_kernel(layer) / lsb
    if not np.all(integers == np.round(integers)):
        return None
    integers = integers.astype(np.int64)
    return KernelCost(
        weights=int(integers.size),
        zeros=int(np.count_nonzero(integers == 0)),
        terms=int(csd_terms(integers).sum()),
        mean_abs_lsb=float(np.abs(integers).mean()),
        lsb=lsb,
        applications=applications(layer),
    )


def model_cost(model, names: list[str] | None = None) -> dict[str, KernelCost]:
    """Layer name -> the cost of its kernel, for every layer (or those named) with a quantized_bits kernel."""
    out = {}
    for layer in model.layers:
        if names is not None and layer.name not in names:
            continue
        cost = kernel_cost(layer)
        if cost is not None:
            out[layer.name] = cost
    return out


def summary(costs: dict[str, KernelCost]) -> dict:
    """The counts as report.json holds them: per layer, and the model's total adder terms."""
    return {
        "layers": {name: cost.as_json() for name, cost in costs.items()},
        "adder_terms": sum(cost.adder_terms for cost in costs.values()),
        "method": METHOD,
    }


def describe(costs: dict[str, KernelCost]) -> str:
    """One line: total adder terms, then each layer's terms and zeros."""
    total = sum(cost.adder_terms for cost in costs.values())
    parts = [
        f"{name} {cost.terms:,} terms{f' x {cost.applications}' if cost.applications > 1 else ''}, "
        f"{cost.zeros / cost.weights:.0%} zeros, mean |w| {cost.mean_abs_lsb:.1f} LSB"
        for name, cost in costs.items()
    ]
    return f"{total:,} adder terms ({'; '.join(parts)})"
