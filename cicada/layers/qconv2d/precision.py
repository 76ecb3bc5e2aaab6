"""The precision rule of hls4ml's ``Conv2D`` (what a QConv2D becomes): ``PRECISION_RULES["Conv2D"]``."""

from __future__ import annotations

import numpy as np

from ...core.intervals import (
    PrecisionProof,
    RuleInput,
    layer_weights,
    linear_bounds,
    precision_rule,
    weighted_sum,
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
