"""The RTL rule of QKeras' ``QDense``: ``TRACE_RULES["QDense"]``. Its weights become shift-and-add
networks; its activation (if any) is applied as QKeras does."""

from __future__ import annotations

from ...synthesis.rtl.trace import quantized_activation, quantized_weights, trace_rule, unsupported


@trace_rule("QDense")
def qdense(layer, values):
    kernel, bias = quantized_weights(layer)
    if values.ndim != 1:
        raise unsupported(layer, f"input of shape {values.shape}: the RTL flow takes dense layers on flat inputs")
    out = values @ kernel
    if bias is not None:
        out = out + bias
    return quantized_activation(layer, layer.activation, out)
