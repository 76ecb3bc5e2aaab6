"""QKeras ``QDense`` as ``student.layers`` builds it: its spec and its Keras build (``LAYER_TYPES["QDense"]``)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import model_validator

from ...config.model import Flag, option
from ...config.registries.layers import LayerSpec, Positive, Quantizer, check_bias, layer_type


class QDenseSpec(LayerSpec):
    """QKeras fully connected layer."""

    type: Literal["QDense"] = option("layer type")
    units: Positive = option("output units")
    kernel_quantizer: Quantizer = option("QKeras kernel quantizer, e.g. quantized_bits(8,1,1,alpha=1)")
    use_bias: Flag = option("learn a bias", True)
    bias_quantizer: Optional[Quantizer] = option("QKeras bias quantizer (required when use_bias is true)", None)

    @model_validator(mode="after")
    def _bias(self):
        check_bias(self)
        return self


@layer_type("QDense", QDenseSpec, weights="dense")
def build_qdense(spec: QDenseSpec, name: str):
    from qkeras import QDense

    return QDense(
        spec.units,
        use_bias=spec.use_bias,
        kernel_quantizer=spec.kernel_quantizer,
        bias_quantizer=spec.bias_quantizer,
        name=name,
    )
