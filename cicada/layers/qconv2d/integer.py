"""The integer-model rule of hls4ml's ``Conv2D`` (what a QConv2D becomes): ``INTEGER_RULES["Conv2D"]``."""

from __future__ import annotations

import numpy as np

from ...firmware.integer_layers import LayerInput, integer_rule, unsupported
from ...firmware.integer_layers.weighted_sums import weighted_sum


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(output size, padding before) of Keras' (and hls4ml's) 'same' padding."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2


@integer_rule("Conv2D")
def conv2d(given: LayerInput):
    row, layer = given.row, given.keras_layer
    if layer is None or not hasattr(layer, "kernel_size"):
        raise unsupported(row, "no Keras convolution of the same name")
    if getattr(layer, "data_format", "channels_last") != "channels_last" or tuple(layer.dilation_rate) != (1, 1):
        raise unsupported(row, "only channels_last convolutions without dilation are modelled")
    if len(given.incoming.shape) != 3:
        raise unsupported(row, f"input of shape {given.incoming.shape}, expected (height, width, channels)")
    height, width, channels = given.incoming.shape
    kh, kw = (int(k) for k in layer.kernel_size)
    sh, sw = (int(s) for s in layer.strides)
    if layer.padding == "same":
        (out_h, top), (out_w, left) = same_padding(height, kh, sh), same_padding(width, kw, sw)
    elif layer.padding == "valid":
        out_h, out_w, top, left = (height - kh) // sh + 1, (width - kw) // sw + 1, 0, 0
    else:
        raise unsupported(row, f"padding '{layer.padding}' is not modelled")
    bottom = (out_h - 1) * sh + kh - top - height  # rows of padding below (negative: rows left unused)
    if sh == kh and top == 0 and bottom <= 0:
        band = band_matrix(kh, kw, sw, left, width, channels, out_w)
        return weighted_sum(given, (out_h, out_w), arrange=band, used=out_h * kh * width * channels)
    # patch (kh, kw, channels) of each output pixel, in the Keras kernel's order
    rows = (np.arange(out_h) * sh - top)[:, None, None, None, None] + np.arange(kh)[None, None, :, None, None]
    cols = (np.arange(out_w) * sw - left)[None, :, None, None, None] + np.arange(kw)[None, None, None, :, None]
    channel = np.arange(channels)[None, None, None, None, :]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    padding = height * width * channels  # the index of the zero appended for the padding
    index = np.where(inside, (rows * width + cols) * channels + channel, padding)
    index = np.broadcast_to(index, (out_h, out_w, kh, kw, channels)).reshape(-1).astype(np.intp)
    return weighted_sum(given, (out_h, out_w), patches=index, padded=bool(np.any(index == padding)))


def band_matrix(kh: int, kw: int, sw: int, left: int, width: int, channels: int, out_w: int):
    """``arrange`` for a convolution whose kernel rows tile the image: the kernel's (patch, filters)
    matrix spread over a band of ``kh`` image rows, (kh * width * channels, out_w * filters)."""

    def arrange(kernel: np.ndarray) -> np.ndarray:
        filters = kernel.shape[1]
        patch = kernel.reshape(kh, kw, channels, filters)
        band = np.zeros((kh, width, channels, out_w, filters), dtype=kernel.dtype)
        for b in range(out_w):
            for dj in range(kw):
                column = b * sw + dj - left
                if 0 <= column < width:  # a padded column adds zeros: nothing
                    band[:, column, :, b, :] = patch[:, dj]
        return band.reshape(kh * width * channels, out_w * filters)

    return arrange
