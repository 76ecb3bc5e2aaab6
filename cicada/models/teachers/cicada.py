"""The CICADA teacher autoencoder (Princeton-AD/cicada ``models.py``), about 324k parameters.

It reads region ET only, ``(N, 18, 14, 1)`` raw LSBs, reconstructs it with a mean-squared-error
loss, and scores an image by that error: the per-image reconstruction MSE in LSB^2.
"""

from __future__ import annotations

import numpy as np

from ...core.chunks import chunk_for, in_chunks
from ...core.geometry import N_ETA, N_PHI
from ..score import reconstruction_mse
from . import Teacher, TeacherLoss, teacher_architecture


def build_cicada_teacher(decoder: str):
    """Encoder Conv2D(20)-AvgPool-Conv2D(30)-Dense(80), decoder Dense(1890)-Reshape(9,7,30)-Conv2D(30),
    a 2x upsampling (``decoder``: "upsampling" or "transpose") and Conv2D(20)-Conv2D(1)."""
    from tensorflow.keras import layers
    from tensorflow.keras.models import Model

    inputs = layers.Input(shape=(N_PHI, N_ETA, 1), name="teacher_inputs")
    x = layers.Conv2D(20, (3, 3), padding="same", name="teacher_conv2d_1")(inputs)
    x = layers.Activation("relu", name="teacher_relu_1")(x)
    x = layers.AveragePooling2D((2, 2), name="teacher_pool_1")(x)
    x = layers.Conv2D(30, (3, 3), padding="same", name="teacher_conv2d_2")(x)
    x = layers.Activation("relu", name="teacher_relu_2")(x)
    x = layers.Flatten(name="teacher_flatten")(x)
    x = layers.Dense(80, activation="relu", name="teacher_latent")(x)
    x = layers.Dense(9 * 7 * 30, name="teacher_dense")(x)
    x = layers.Reshape((9, 7, 30), name="teacher_reshape2")(x)
    x = layers.Activation("relu", name="teacher_relu_3")(x)
    x = layers.Conv2D(30, (3, 3), padding="same", name="teacher_conv2d_3")(x)
    x = layers.Activation("relu", name="teacher_relu_4")(x)
    if decoder == "upsampling":
        x = layers.UpSampling2D((2, 2), name="teacher_upsampling")(x)
        name = "teacher_cicada"
    else:
        x = layers.Conv2DTranspose(30, (3, 3), strides=2, padding="same", name="teacher_conv_transpose")(x)
        name = "teacher_cicada_revised"
    x = layers.Conv2D(20, (3, 3), padding="same", name="teacher_conv2d_4")(x)
    x = layers.Activation("relu", name="teacher_relu_5")(x)
    outputs = layers.Conv2D(1, (3, 3), activation="relu", padding="same", name="teacher_outputs")(x)
    return Model(inputs, outputs, name=name)


class EtAutoencoder(Teacher):
    """An autoencoder of the region ET: trained on mean squared error, scored by the per-image MSE."""

    def targets(self, inputs: np.ndarray) -> np.ndarray:
        return inputs

    def loss(self) -> TeacherLoss:
        return TeacherLoss("mse", None, "mse")

    def score(self, model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Per-image reconstruction MSE in LSB^2 (float64), a chunk of images at a time (its float
        copies and reconstruction would otherwise be several times the size of the sample)."""

        def score_chunk(part: np.ndarray) -> np.ndarray:
            x = self.inputs(part)
            return reconstruction_mse(x, model.predict(x, batch_size=batch_size, verbose=0))

        return in_chunks(score_chunk, images, chunk_for(batch_size))


@teacher_architecture
class Cicada(EtAutoencoder):
    name = "cicada"
    description = "CICADA's teacher: the decoder upsamples"

    def build(self):
        return build_cicada_teacher("upsampling")


@teacher_architecture
class CicadaRevised(EtAutoencoder):
    name = "cicada_revised"
    description = "the CICADA teacher with a Conv2DTranspose in the decoder"

    def build(self):
        return build_cicada_teacher("transpose")
