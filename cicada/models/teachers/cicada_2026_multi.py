"""The CICADA 2026 three-output teacher: the CICADA autoencoder over ET and the region bits.

Read from the public production repository (aloeliger/cicada_2026_production at 615ee20:
``src/trainTeacher.py`` ``makeTeacherModel`` with three channels; its Dice variant and score
from ``src/cicadaStudent_vae_3channel.py`` ``hybrid_bce_dice_loss`` and ``makeTargets``),
not copied:

* input ``(18, 14, 3)``: raw ET, tau bit, e/gamma bit;
* the CICADA teacher's body with a transposed convolution for the upsampling and He-normal
  initial weights: Conv2D(20)-AvgPool-Conv2D(30)-Dense(80), Dense(1890)-Reshape(9, 7, 30)-Conv2D(30),
  Conv2DTranspose(30, stride 2)-Conv2D(20), all with ReLU; then three heads, ET (ReLU), tau and
  e/gamma (sigmoid), each its own output;
* training loss: ET MSE + ``tau_loss_weight`` x tau loss + ``egamma_loss_weight`` x e/gamma loss
  (alpha and beta of the production parameters, both 1); a bit's loss is its binary
  cross-entropy, plus a soft Dice term with ``dice: true``;
* anomaly score (production ``makeTargets``): 0.5 x ET MSE + tau loss + e/gamma loss, the bit
  losses as trained (with Dice when ``dice``), whatever the training weights. The model has no
  randomness at inference, so the score is deterministic.

Production concatenates the three heads into one output with one loss function (and the Dice
variant's teacher has named outputs); here each head is an output of its own with its own loss.
"""

from __future__ import annotations

import numpy as np

from ...core.geometry import N_ETA, N_PHI
from . import Teacher, TeacherLoss, teacher_architecture
from .reconstruction import (
    EGAMMA_OUTPUT,
    ET_OUTPUT,
    TAU_OUTPUT,
    bit_bce,
    bit_bce_dice,
    chunked_score,
    et_mse,
    head_targets,
    heads,
    per_image,
    predictions,
)

#: Weight of the ET loss in the score (the bit losses weigh 1).
SCORE_ET_WEIGHT = 0.5


@teacher_architecture
class Cicada2026Multi(Teacher):
    name = "cicada_2026_multi"
    description = "CICADA 2026: the CICADA autoencoder over ET, tau and e/gamma bits, three outputs"
    needs_bits = True
    options = frozenset({"tau_loss_weight", "egamma_loss_weight", "dice"})

    def build(self):
        from tensorflow.keras import layers
        from tensorflow.keras.models import Model

        def conv(filters, name):
            return layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal", name=name)

        inputs = layers.Input(shape=(N_PHI, N_ETA, 3), name="teacher_inputs")
        x = layers.Activation("relu", name="teacher_relu_1")(conv(20, "teacher_conv2d_1")(inputs))
        x = layers.AveragePooling2D(2, name="teacher_pool_1")(x)
        x = layers.Activation("relu", name="teacher_relu_2")(conv(30, "teacher_conv2d_2")(x))
        x = layers.Flatten(name="teacher_flatten")(x)
        x = layers.Dense(80, activation="relu", name="teacher_latent")(x)
        x = layers.Dense(9 * 7 * 30, name="teacher_dense")(x)
        x = layers.Reshape((9, 7, 30), name="teacher_reshape")(x)
        x = layers.Activation("relu", name="teacher_relu_3")(x)
        x = layers.Activation("relu", name="teacher_relu_4")(conv(30, "teacher_conv2d_3")(x))
        x = layers.Conv2DTranspose(
            30, 3, strides=2, padding="same", activation="relu", kernel_initializer="he_normal",
            name="teacher_conv_transpose",
        )(x)  # fmt: skip
        x = layers.Activation("relu", name="teacher_relu_5")(conv(20, "teacher_conv2d_4")(x))
        return Model(inputs, heads(x), name="teacher_cicada_2026_multi")

    def bit_loss(self):
        return bit_bce_dice if self.config.dice else bit_bce

    def targets(self, inputs: np.ndarray) -> dict[str, np.ndarray]:
        return head_targets(inputs)

    def loss(self) -> TeacherLoss:
        bits = self.bit_loss()
        return TeacherLoss(
            {ET_OUTPUT: et_mse, TAU_OUTPUT: bits, EGAMMA_OUTPUT: bits},
            {ET_OUTPUT: 1.0, TAU_OUTPUT: self.config.tau_loss_weight, EGAMMA_OUTPUT: self.config.egamma_loss_weight},
            "ET MSE + tau and e/gamma " + ("BCE + Dice" if self.config.dice else "BCE"),
        )

    def score(self, model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """0.5 x ET MSE + tau loss + e/gamma loss per image (float64)."""
        bits = self.bit_loss()

        def score_inputs(x):
            out, true = predictions(model, x, batch_size), head_targets(x)
            return (
                SCORE_ET_WEIGHT * per_image(et_mse, true[ET_OUTPUT], out[ET_OUTPUT])
                + per_image(bits, true[TAU_OUTPUT], out[TAU_OUTPUT])
                + per_image(bits, true[EGAMMA_OUTPUT], out[EGAMMA_OUTPUT])
            )

        return chunked_score(images, score_inputs, self.inputs)
