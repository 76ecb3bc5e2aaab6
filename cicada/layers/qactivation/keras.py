"""QKeras ``QActivation`` as ``student.layers`` builds it: its spec and its Keras build
(``LAYER_TYPES["QActivation"]``)."""

from __future__ import annotations

from typing import Literal

from ...config.model import option
from ...config.registries.layers import LayerSpec, Quantizer, layer_type


class QActivationSpec(LayerSpec):
    """QKeras quantized activation, e.g. quantized_relu(10, 6)."""

    type: Literal["QActivation"] = option("layer type")
    activation: Quantizer = option("quantized activation")


@layer_type("QActivation", QActivationSpec)
def build_qactivation(spec: QActivationSpec, name: str):
    from qkeras import QActivation

    return QActivation(spec.activation, name=name)
