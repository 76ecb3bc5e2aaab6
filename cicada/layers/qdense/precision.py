"""The precision rule of hls4ml's ``Dense`` (what a QDense becomes): ``PRECISION_RULES["Dense"]``."""

from __future__ import annotations

from ...core.intervals import (
    PrecisionProof,
    RuleInput,
    layer_weights,
    linear_bounds,
    precision_rule,
    weighted_sum,
)


@precision_rule("Dense")
def dense_bounds(proof: PrecisionProof, given: RuleInput):
    """y = x W + b over the flattened input."""
    weight, bias = layer_weights(given)
    low, high = given.incoming.low.reshape(-1), given.incoming.high.reshape(-1)
    return weighted_sum(proof, given, linear_bounds(low, high, weight, bias), weight, bias)
