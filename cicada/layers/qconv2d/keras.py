"""QKeras ``QConv2D`` as ``student.layers`` builds it: its spec and its Keras build (``LAYER_TYPES["QConv2D"]``)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import model_validator

from ...config.model import Flag, option
from ...config.registries.layers import LayerSpec, Positive, Quantizer, check_bias, check_pair, layer_type


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
