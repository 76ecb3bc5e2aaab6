"""The precision rule of hls4ml's ``Pooling2D`` (what an AveragePooling2D becomes, and a max pooling):
``PRECISION_RULES["Pooling2D"]``.

hls4ml sums each window in the accumulator type and divides there. QKeras divides in
float, so the firmware can only be exact when the window area is a power of two.
"""

from __future__ import annotations

import numpy as np

from ...core.intervals import (
    Bounds,
    NotAnalysed,
    PrecisionProof,
    RuleInput,
    cast,
    check,
    not_exact,
    precision_of,
    precision_rule,
)


def windows(layer, values: np.ndarray) -> np.ndarray:
    """Pooling windows of a (H, W, C) array: shape (out_h * out_w, pool_h * pool_w, C)."""
    height, width, channels = layer.get_attr("in_height"), layer.get_attr("in_width"), layer.get_attr("n_filt")
    values = values.reshape(height, width, channels)
    ph, pw = layer.get_attr("pool_height"), layer.get_attr("pool_width")
    rows = (np.arange(layer.get_attr("out_height")) * layer.get_attr("stride_height"))[:, None, None, None]
    cols = (np.arange(layer.get_attr("out_width")) * layer.get_attr("stride_width"))[None, :, None, None]
    rows = rows + np.arange(ph)[None, None, :, None]
    cols = cols + np.arange(pw)[None, None, None, :]
    return values[rows, cols].reshape(-1, ph * pw, channels)


@precision_rule("Pooling2D")
def pooling_bounds(proof: PrecisionProof, given: RuleInput) -> Bounds:
    """Average pooling sums in accum_t and divides there; max pooling only selects."""
    layer, incoming, out_shape, result_type = given.layer, given.incoming, given.out_shape, given.result_type
    if any(layer.get_attr(f"pad_{side}", 0) for side in ("top", "bottom", "left", "right")):
        raise NotAnalysed("padded")  # hls4ml rescales padded windows by a non-power-of-two factor
    low, high = windows(layer, incoming.low), windows(layer, incoming.high)
    if layer.get_attr("pool_op") == "Max":
        values = Bounds(low.max(axis=1).reshape(out_shape), high.max(axis=1).reshape(out_shape), incoming.fractional)
        check(proof, layer.name, "result", result_type, values)
        return cast(values, result_type, given.ideal)
    area = low.shape[1]
    shift = int(np.log2(area))
    if 2**shift != area:
        # QKeras divides in float; a fixed-point type cannot hold x / 3 exactly
        not_exact(
            proof,
            layer.name,
            "result",
            result_type,
            float(low.min()) / area,
            float(high.max()) / area,
            f"average over {area} values is not exact in binary",
        )
        means = Bounds(low.mean(axis=1).reshape(out_shape), high.mean(axis=1).reshape(out_shape), 30)
        return cast(means, result_type, given.ideal)
    fractional = incoming.fractional + shift
    sums = Bounds(low.sum(axis=1), high.sum(axis=1), fractional)  # the divided sum needs the extra bits too
    check(proof, layer.name, "accum", precision_of(layer.get_attr("accum_t")), sums)
    means = Bounds(
        (low.sum(axis=1) / area).reshape(out_shape), (high.sum(axis=1) / area).reshape(out_shape), fractional
    )
    check(proof, layer.name, "result", result_type, means)
    return cast(means, result_type, given.ideal)
