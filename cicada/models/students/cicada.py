"""The CICADA students (Princeton-AD/cicada ``models.py``) in QKeras.

Batch-norm: CICADA trains its dense layer as ``QDenseBatchnorm`` and folds the batch-norm
into the quantized kernel and bias for the firmware. These students train a ``QDense`` with the
*deployed* quantizers directly (kernel ``quantized_bits(8,1,1)``, bias ``quantized_bits(8,3,1)``),
so the weights the firmware uses are exactly the weights QKeras evaluates; the 2026 student
(:mod:`.cicada_2026`) trains the batch-norm (cicada's ``QDenseBatchnorm``, folded for the firmware).

Both take the flat input of ``student.input``: v2 reshapes it to the image ``(18, 14, channels)``
for its convolution (one channel for region ET or the packed 12-bit regions, three for channels).
"""

from __future__ import annotations

from typing import Callable

from . import input_of, student_architecture

DENSE1_KERNEL = "quantized_bits(8,1,1,alpha=1)"
DENSE1_BIAS = "quantized_bits(8,3,1,alpha=1)"


def build_cicada_student(version: int, config=None, dense1: Callable | None = None, name: str | None = None):
    """CICADA v2 (conv front end + dense head, about 4.1k parameters) or v1 (dense head only), on the
    input ``config`` names (region ET without one). ``dense1`` (units, name) -> layer replaces the first
    dense layer (a QDense with the deployed quantizers)."""
    from qkeras import QActivation, QConv2D, QDense, quantized_bits
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    kind = input_of(config)
    inputs = layers.Input(shape=(kind.size,), name="inputs_")
    x = inputs
    if version == 2:
        x = layers.Reshape(kind.image_shape, name="reshape")(x)
        x = QConv2D(
            4,
            (2, 2),
            strides=2,
            padding="valid",
            use_bias=False,
            kernel_quantizer=quantized_bits(12, 3, 1, alpha=1.0),
            name="conv",
        )(x)
        x = QActivation("quantized_relu(10, 6)", name="relu0")(x)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dropout(1 / 9, name="dropout0")(x)
    if dense1 is None:
        x = QDense(
            16,
            kernel_quantizer=quantized_bits(8, 1, 1, alpha=1.0),
            bias_quantizer=quantized_bits(8, 3, 1, alpha=1.0),
            name="dense1",
        )(x)
    else:
        x = dense1(16, "dense1")(x)
    x = QActivation("quantized_relu(10, 6)", name="relu1")(x)
    x = layers.Dropout(1 / 8, name="dropout1")(x)
    x = QDense(1, kernel_quantizer=quantized_bits(12, 3, 1, alpha=1.0), use_bias=False, name="dense2")(x)
    outputs = QActivation("quantized_relu(16, 8)", name="outputs")(x)
    return Model(inputs, outputs, name=name or f"cicada-v{version}")


@student_architecture(
    "cicada_v2",
    "CICADA v2: QConv2D(4, 2x2, stride 2) + QDense(16) + QDense(1), about 4.1k parameters",
    lambda config: {"conv": "conv", "dense1": "dense", "dense2": "dense"},
)
def cicada_v2(config):
    return build_cicada_student(2, config)


@student_architecture(
    "cicada_v1",
    "CICADA v1: QDense(16) + QDense(1) on the flat input",
    lambda config: {"dense1": "dense", "dense2": "dense"},
)
def cicada_v1(config):
    return build_cicada_student(1, config)
