"""The RTL rule of QKeras' ``QConv2D``: ``TRACE_RULES["QConv2D"]``. Each output pixel's patch times the
kernel becomes shift-and-add networks; its activation (if any) is applied as QKeras does."""

from __future__ import annotations

import numpy as np

from ...synthesis.rtl.trace import quantized_activation, quantized_weights, trace_rule, unsupported


@trace_rule("QConv2D")
def qconv2d(layer, values):
    kernel, bias = quantized_weights(layer)
    if layer.data_format != "channels_last" or tuple(layer.dilation_rate) != (1, 1):
        raise unsupported(layer, "only channels_last convolutions without dilation are supported")
    kh, kw, c_in, n_filters = kernel.shape
    height, width, channels = values.shape
    sh, sw = (int(s) for s in layer.strides)
    if layer.padding == "same":
        out_h, out_w = -(-height // sh), -(-width // sw)
        pad_h = max((out_h - 1) * sh + kh - height, 0)
        pad_w = max((out_w - 1) * sw + kw - width, 0)
        pads = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
        values = np.pad(values, pads, constant_values=0)
    out_h = (values.shape[0] - kh) // sh + 1
    out_w = (values.shape[1] - kw) // sw + 1
    rows = (np.arange(out_h) * sh)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(out_w) * sw)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    patches = values[rows, cols].reshape(out_h * out_w, kh * kw * c_in)
    out = patches @ kernel.reshape(kh * kw * c_in, n_filters)
    if bias is not None:
        out = out + bias
    return quantized_activation(layer, layer.activation, out.reshape(out_h, out_w, n_filters))
