"""The RTL rule of Keras' ``AveragePooling2D``: ``TRACE_RULES["AveragePooling2D"]``. Exact only when
the window's area is a power of two."""

from __future__ import annotations

from typing import Any

from ...synthesis.rtl.trace import trace_rule, unsupported


@trace_rule("AveragePooling2D")
def average_pooling(layer, values):
    ph, pw = (int(p) for p in layer.pool_size)
    sh, sw = (int(s) for s in layer.strides)
    area = ph * pw
    if area & (area - 1):
        raise unsupported(layer, f"average over {area} values is not exact in binary (use a power-of-two area)")
    if layer.padding != "valid":
        raise unsupported(layer, "only valid padding is supported for pooling")
    out_h = (values.shape[0] - ph) // sh + 1
    out_w = (values.shape[1] - pw) // sw + 1
    total: Any = None  # an FVArray after the first window
    for di in range(ph):
        for dj in range(pw):
            window = values[di : di + sh * (out_h - 1) + 1 : sh, dj : dj + sw * (out_w - 1) + 1 : sw]
            total = window if total is None else total + window
    return total * (1.0 / area)
