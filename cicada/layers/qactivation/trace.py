"""The RTL rules of the activation layers: QKeras' ``QActivation`` and Keras' ``Activation`` and
``ReLU``, which hls4ml makes an ``Activation`` too (``TRACE_RULES["QActivation"]``, ``["Activation"]``,
``["ReLU"]``): each quantizer rounds and saturates exactly as QKeras does."""

from __future__ import annotations

from ...synthesis.rtl.trace import quantized_activation, trace_rule, unsupported


@trace_rule("QActivation")
def qactivation(layer, values):
    return quantized_activation(layer, layer.quantizer, values)


@trace_rule("Activation", "ReLU")
def keras_activation(layer, values):
    if type(layer).__name__ == "ReLU":
        if layer.max_value is not None or float(layer.negative_slope) != 0.0 or float(layer.threshold) != 0.0:
            raise unsupported(layer, "only a plain ReLU is supported")
        return values.relu()
    return quantized_activation(layer, layer.activation, values)
