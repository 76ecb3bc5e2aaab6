"""The integer-model rule of hls4ml's ``Pooling2D`` (what an AveragePooling2D becomes, and a max pooling),
average or max, without padding (``pooling2d_cl``): ``INTEGER_RULES["Pooling2D"]``."""

from __future__ import annotations

import numpy as np

from ...firmware.fixed_arrays import Span, plan_cast, require_exact
from ...firmware.integer_layers import LayerInput, Tensor, fixed_type, integer_rule, unsupported
from ...firmware.integer_layers.steps import Pooling


@integer_rule("Pooling2D")
def pooling2d(given: LayerInput):
    row, layer, data = given.row, given.keras_layer, given.incoming
    kind = type(layer).__name__ if layer is not None else ""
    if kind not in ("AveragePooling2D", "MaxPooling2D"):
        raise unsupported(row, "no Keras AveragePooling2D or MaxPooling2D of the same name")
    if layer.padding != "valid" or getattr(layer, "data_format", "channels_last") != "channels_last":
        raise unsupported(row, "only channels_last pooling without padding is modelled")
    height, width, channels = data.shape
    ph, pw = (int(p) for p in layer.pool_size)
    sh, sw = (int(s) for s in layer.strides)
    out_h, out_w = (height - ph) // sh + 1, (width - pw) // sw + 1
    rows = (np.arange(out_h) * sh)[:, None, None, None, None] + np.arange(ph)[None, None, None, :, None]
    cols = (np.arange(out_w) * sw)[None, :, None, None, None] + np.arange(pw)[None, None, None, None, :]
    channel = np.arange(channels)[None, None, :, None, None]
    windows = ((rows * width + cols) * channels + channel).reshape(out_h * out_w * channels, ph * pw)
    accum_type, result_type = fixed_type(row, "accum"), fixed_type(row, "result")
    additions, to_accum, needed = [], None, 0
    if kind == "AveragePooling2D":
        span = Span(0, 0, accum_type.fractional)
        for _ in range(ph * pw):  # y += x[i]: the exact sum, cast to accum_t
            bits = max(span.fractional, data.span.fractional)
            up_sum, up_value = bits - span.fractional, bits - data.span.fractional
            total = Span(
                (span.low << up_sum) + (data.span.low << up_value),
                (span.high << up_sum) + (data.span.high << up_value),
                bits,
            )
            cast, span = plan_cast(total, accum_type)
            needed = max(needed, cast.needed, total.magnitude)
            additions.append((2.0**up_sum, 2.0**up_value, cast))
        # y /= length truncates toward zero, on accum_t's step: the bounds shrink toward zero
        span = Span(int(span.low / (ph * pw)), int(span.high / (ph * pw)), span.fractional)
    else:
        to_accum, span = plan_cast(data.span, accum_type)
        needed = to_accum.needed
    result, result_span = plan_cast(span, result_type)
    step = Pooling(
        row["name"],
        np.float64,  # the division's truncation is exact in float64 for these magnitudes
        [result],
        max(needed, result.needed),
        windows=windows,
        additions=additions,
        divisor=float(ph * pw),
        to_accum=to_accum,
    )
    require_exact(step.needed << 12, f"layer '{row['name']}': a window sum")  # margin for the division
    return step, Tensor(result_span, (out_h, out_w, channels), result_type)
