"""The CICADA students (Princeton-AD/cicada ``models.py``) in QKeras.

Batch-norm: CICADA trains its dense layer as ``QDenseBatchnorm`` and folds the batch-norm
into the quantized kernel and bias for the firmware. qkeras 0.9.0 has no
``QDenseBatchnorm``, so these students train a ``QDense`` with the *deployed* quantizers
directly (kernel ``quantized_bits(8,1,1)``, bias ``quantized_bits(8,3,1)``). The weights
the firmware uses are then exactly the weights QKeras evaluates.
"""

from __future__ import annotations

from ...core.geometry import N_ETA, N_PHI
from . import STUDENT_INPUT_SIZE, student_architecture


def build_cicada_student(version: int):
    """CICADA v2 (conv front end + dense head, about 4.1k parameters) or v1 (dense head only)."""
    from qkeras import QActivation, QConv2D, QDense, quantized_bits
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    inputs = layers.Input(shape=(STUDENT_INPUT_SIZE,), name="inputs_")
    x = inputs
    if version == 2:
        x = layers.Reshape((N_PHI, N_ETA, 1), name="reshape")(x)
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
    x = QDense(
        16,
        kernel_quantizer=quantized_bits(8, 1, 1, alpha=1.0),
        bias_quantizer=quantized_bits(8, 3, 1, alpha=1.0),
        name="dense1",
    )(x)
    x = QActivation("quantized_relu(10, 6)", name="relu1")(x)
    x = layers.Dropout(1 / 8, name="dropout1")(x)
    x = QDense(1, kernel_quantizer=quantized_bits(12, 3, 1, alpha=1.0), use_bias=False, name="dense2")(x)
    outputs = QActivation("quantized_relu(16, 8)", name="outputs")(x)
    return Model(inputs, outputs, name=f"cicada-v{version}")


@student_architecture(
    "cicada_v2",
    "CICADA v2: QConv2D(4, 2x2, stride 2) + QDense(16) + QDense(1), about 4.1k parameters",
    lambda config: {"conv": "conv", "dense1": "dense", "dense2": "dense"},
)
def cicada_v2(config):
    return build_cicada_student(2)


@student_architecture(
    "cicada_v1",
    "CICADA v1: QDense(16) + QDense(1) on the 252 inputs",
    lambda config: {"dense1": "dense", "dense2": "dense"},
)
def cicada_v1(config):
    return build_cicada_student(1)
