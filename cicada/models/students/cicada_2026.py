"""The CICADA 2026 student (aloeliger/cicada_2026_production, ``cicadaStudent_classic.getModel``).

CICADA v2's layers with the first dense layer trained as ``QDenseBatchnorm``: a QDense whose
batch-norm is folded into its kernel and bias before they are quantized (kernel
``quantized_bits(8,1,1)``, bias ``quantized_bits(8,3,1)``, batch-norm momentum 0.99, epsilon 0.001,
EMA-statistics folding, QKeras' defaults), folded into a plain QDense for the firmware
(:mod:`cicada.layers.qdensebatchnorm`). Production trains it on the packed 12-bit regions
(``student.input: packed``, one input channel) and on three channels (``student.input: channels``).
The layer type is built through the layer registry: its home sits above the models.
"""

from __future__ import annotations

from ...config.registries.layers import LAYER_TYPES
from ...plugins import load
from . import student_architecture
from .cicada import DENSE1_BIAS, DENSE1_KERNEL, build_cicada_student


def batchnorm_dense(units: int, name: str, ema_freeze_delay: int | None = None):
    """The 2026 student's first dense layer: ``QDenseBatchnorm`` with CICADA's deployed quantizers (its statistics
    freezing after ``ema_freeze_delay`` training steps, never without)."""
    load("layer type")  # the layer types' homes (cicada/layers/) sit above the models
    layer_type = LAYER_TYPES.get("QDenseBatchnorm")
    spec = layer_type.spec.model_validate(
        {
            "type": "QDenseBatchnorm",
            "units": units,
            "kernel_quantizer": DENSE1_KERNEL,
            "bias_quantizer": DENSE1_BIAS,
            "ema_freeze_delay": ema_freeze_delay,
        }
    )
    return layer_type.build(spec, name)


@student_architecture(
    "cicada_2026",
    "CICADA 2026: CICADA v2 with its first dense layer trained as QDenseBatchnorm (batch-norm folded into the "
    "quantized kernel and bias), about 4.1k parameters",
    lambda config: {"conv": "conv", "dense1": "dense", "dense2": "dense"},
)
def cicada_2026(config):
    freeze = config.batchnorm.ema_freeze_delay if config is not None else None
    return build_cicada_student(
        2, config, dense1=lambda units, name: batchnorm_dense(units, name, freeze), name="cicada-2026"
    )
