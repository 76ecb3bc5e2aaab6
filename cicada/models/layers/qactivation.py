"""QKeras ``QActivation``: a quantized activation such as ``quantized_relu(10, 6)``.

hls4ml turns it into an ``Activation`` layer whose result type rounds and saturates as the
quantizer does (``quantized_relu`` -> ``AP_RND_CONV, AP_SAT``). The same hls4ml class holds
the ``linear`` activation hls4ml inserts after a Dense or Conv2D layer.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ...config.model import option
from ...core.intervals import Bounds, NotAnalysed, PrecisionProof, RuleInput, cast, check, precision_rule
from . import LayerSpec, Quantizer, layer_type


class QActivationSpec(LayerSpec):
    """QKeras quantized activation, e.g. quantized_relu(10, 6)."""

    type: Literal["QActivation"] = option("layer type")
    activation: Quantizer = option("quantized activation")


@layer_type("QActivation", QActivationSpec)
def build_qactivation(spec: QActivationSpec, name: str):
    from qkeras import QActivation

    return QActivation(spec.activation, name=name)


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
