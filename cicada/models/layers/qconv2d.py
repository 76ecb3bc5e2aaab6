"""QKeras ``QConv2D``: a 2D convolution with quantized kernel (and bias)."""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
from pydantic import model_validator

from ...config.model import Flag, option
from ...core.intervals import (
    PrecisionProof,
    RuleInput,
    layer_weights,
    linear_bounds,
    precision_rule,
    weighted_sum,
)
from . import LayerSpec, Positive, Quantizer, check_bias, check_pair, layer_type


class QConv2DSpec(LayerSpec):
    """QKeras 2D convolution."""

    type: Literal["QConv2D"] = option("layer type")
    filters: Positive = option("output channels")
    kernel_quantizer: Quantizer = option("QKeras kernel quantizer, e.g. quantized_bits(12,3,1,alpha=1)")
    kernel_size: tuple[Positive, ...] = option("kernel height and width", (2, 2))
    strides: tuple[Positive, ...] = option("strides (height, width)", (1, 1))
    padding: Literal["valid", "same"] = option("padding", "valid")
    use_bias: Flag = option("learn a bias", True)
    bias_quantizer: Optional[Quantizer] = option("QKeras bias quantizer (required when use_bias is true)", None)

    @model_validator(mode="after")
    def _shape_and_bias(self):
        check_pair(self, "kernel_size", "strides")
        check_bias(self)
        return self


@layer_type("QConv2D", QConv2DSpec, weights="conv")
def build_qconv2d(spec: QConv2DSpec, name: str):
    from qkeras import QConv2D

    return QConv2D(
        spec.filters,
        tuple(spec.kernel_size),
        strides=tuple(spec.strides),
        padding=spec.padding,
        use_bias=spec.use_bias,
        kernel_quantizer=spec.kernel_quantizer,
        bias_quantizer=spec.bias_quantizer,
        name=name,
    )


@precision_rule("Conv2D")
def conv2d_bounds(proof: PrecisionProof, given: RuleInput):
    """Each output pixel is a weighted sum over its (zero-padded) input patch."""
    layer = given.layer
    weight, bias = layer_weights(given)
    kh, kw, c_in, n_filt = weight.shape
    height, width = layer.get_attr("in_height"), layer.get_attr("in_width")
    out_h, out_w = layer.get_attr("out_height"), layer.get_attr("out_width")
    stride_h, stride_w = layer.get_attr("stride_height"), layer.get_attr("stride_width")
    low = given.incoming.low.reshape(height, width, c_in)
    high = given.incoming.high.reshape(height, width, c_in)
    # zero padding: padded inputs are exactly 0
    pad = (
        (layer.get_attr("pad_top", 0), layer.get_attr("pad_bottom", 0)),
        (layer.get_attr("pad_left", 0), layer.get_attr("pad_right", 0)),
        (0, 0),
    )
    low, high = np.pad(low, pad), np.pad(high, pad)
    rows = (np.arange(out_h) * stride_h)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(out_w) * stride_w)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    patch_low = low[rows, cols].reshape(out_h * out_w, kh * kw * c_in)
    patch_high = high[rows, cols].reshape(out_h * out_w, kh * kw * c_in)
    flat = weight.reshape(kh * kw * c_in, n_filt)
    return weighted_sum(proof, given, linear_bounds(patch_low, patch_high, flat, bias), weight, bias)
