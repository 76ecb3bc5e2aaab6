"""The precision rule of hls4ml's ``Activation`` (what a QActivation becomes, and the ``linear``
activation hls4ml inserts after a Dense or Conv2D layer): ``PRECISION_RULES["Activation"]``.

Its result type rounds and saturates as the quantizer does (``quantized_relu`` ->
``AP_RND_CONV, AP_SAT``).
"""

from __future__ import annotations

import numpy as np

from ...core.intervals import Bounds, NotAnalysed, PrecisionProof, RuleInput, cast, check, precision_rule


@precision_rule("Activation")
def activation_bounds(proof: PrecisionProof, given: RuleInput) -> Bounds:
    """linear passes values on; relu clips at 0; both then go through the result type."""
    activation = given.layer.get_attr("activation")
    if activation not in ("linear", "relu"):
        raise NotAnalysed(activation)
    low, high = given.incoming.low, given.incoming.high
    if activation == "relu":
        low, high = np.maximum(low, 0.0), np.maximum(high, 0.0)
    values = Bounds(low, high, given.incoming.fractional).reshaped(given.out_shape)
    check(proof, given.layer.name, "result", given.result_type, values)
    return cast(values, given.result_type, given.ideal)
