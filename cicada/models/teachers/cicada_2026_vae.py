"""The CICADA 2026 variational autoencoder teacher over ET and the region bits.

As the issue describes it, and as the public production repository built it while its input was
layer-normalised (aloeliger/cicada_2026_production, ``src/teacher_vae.py`` at c128b67, read, not
copied):

* encoder: input ``(18, 14, 3)`` (raw ET, tau bit, e/gamma bit), LayerNormalization over the
  image axes (1, 2), i.e. each channel over its 252 regions; Conv2D(2L, 3x3)-LeakyReLU,
  MaxPooling2D(2), Conv2D(L, 3x3)-LeakyReLU, Flatten; the latent mean Dense(L) and sigma
  Dense(L, softplus) (L = ``latent_size``, 32 in the production parameters);
* sampling: z = mean + sigma x epsilon with epsilon ~ N(0, 1) while training (the
  reparameterisation trick), z = mean otherwise;
* decoder: Dense(9 x 7 x L)-LeakyReLU, Reshape(9, 7, L), SpatialDropout2D(0.2),
  Conv2DTranspose(2L, 2x2, stride 2)-LeakyReLU, and the three heads: ET (ReLU), tau and
  e/gamma (sigmoid);
* loss: ET MSE + ``tau_loss_weight`` x tau BCE + ``egamma_loss_weight`` x e/gamma BCE + KL,
  KL = 0.5 sum(mean^2 + sigma^2 - ln sigma^2 - 1) over the latent dimensions.

**The score is deterministic**: the training loss of each image evaluated with z = the latent
mean (no sampling noise, no dropout), KL term included: reconstructions from the mean path and
the KL divergence of the encoder's distribution from N(0, 1), which grows as an image's mean
moves away from where zero-bias puts it. The same image always gets the same score, so
thresholds are reproducible.

Where the production code differs: its newest version (615ee20) normalises with
BatchNormalization, uses QKeras convolutions with plain ReLU and a smaller encoder; this follows
the issue's description (the c128b67 model). Its KL takes ln sigma where ln sigma^2 is the
Gaussian's KL, and reads its "sigma" from a copy of the mean; here the KL is the textbook one,
on the sigma head (floored at 1e-4 before the logarithm, as production clips it). Its encoder
also had a SpatialDropout2D after the pooling, left out here: hls4ml 1.3.0 skips Dropout
layers but has no handler for SpatialDropout2D. The sampling noise comes from a GaussianNoise
layer (active in training only) on a Subtract(mean, mean) of zeros, where production subclasses
GaussianNoise to sample at inference too: every layer here is a plain Keras layer.

**For the encoder-only firmware**: the encoder is the layers named ``encoder_*``, from the input
through :data:`LATENT_MEAN` (``encoder_latent_mean``); :func:`encoder` cuts it out of a trained
model. It holds LayerNormalization (over axes (1, 2), which hls4ml 1.3.0 accepts only after a
permutation to (3, 252)), Conv2D, LeakyReLU, MaxPooling2D, Flatten and Dense: no custom layer.
"""

from __future__ import annotations

import numpy as np

from ...core.geometry import N_ETA, N_PHI
from ...core.tf import tensorflow
from . import Teacher, TeacherLoss, teacher_architecture
from .reconstruction import (
    EGAMMA_OUTPUT,
    ET_OUTPUT,
    TAU_OUTPUT,
    bit_bce,
    chunked_score,
    et_mse,
    head_targets,
    heads,
    per_image,
    predictions,
)

#: The latent mean's layer: the encoder-only firmware's output.
LATENT_MEAN = "encoder_latent_mean"
LATENT_SIGMA = "encoder_latent_sigma"
#: The output carrying [mean, sigma] of each image's latent distribution, for the KL term.
LATENT_OUTPUT = "latent_distribution"
#: LeakyReLU's slope below zero (``activation="leaky_relu"``'s, as production's layers use it).
LEAKY_SLOPE = 0.2
#: sigma is floored here before its logarithm (production clips it at the same value).
SIGMA_FLOOR = 1e-4


def kl_divergence(y_true, distribution):
    """Per-image KL divergence of N(mean, sigma^2) from N(0, 1), summed over the latent
    dimensions; ``distribution`` is [mean, sigma] concatenated, ``y_true`` is not read."""
    tf = tensorflow()
    mean, sigma = tf.split(distribution, 2, axis=-1)
    sigma = tf.maximum(sigma, SIGMA_FLOOR)
    return 0.5 * tf.reduce_sum(tf.square(mean) + tf.square(sigma) - 2.0 * tf.math.log(sigma) - 1.0, axis=-1)


def encoder(model):
    """The encoder of a trained VAE teacher: its input through the latent mean (plain Keras layers)."""
    tf = tensorflow()
    return tf.keras.Model(model.input, model.get_layer(LATENT_MEAN).output, name="encoder")


@teacher_architecture
class Cicada2026Vae(Teacher):
    name = "cicada_2026_vae"
    description = "CICADA 2026: a variational autoencoder over ET, tau and e/gamma bits (latent 32)"
    needs_bits = True
    options = frozenset({"tau_loss_weight", "egamma_loss_weight", "latent_size"})

    def build(self):
        from tensorflow.keras import layers
        from tensorflow.keras.models import Model

        size = self.config.latent_size

        def leaky(name):
            return layers.LeakyReLU(alpha=LEAKY_SLOPE, name=name)

        inputs = layers.Input(shape=(N_PHI, N_ETA, 3), name="teacher_inputs")
        x = layers.LayerNormalization(axis=(1, 2), name="encoder_norm")(inputs)
        x = layers.Conv2D(2 * size, 3, padding="same", kernel_initializer="he_normal", name="encoder_conv_1")(x)
        x = layers.MaxPooling2D(2, name="encoder_pool")(leaky("encoder_leaky_relu_1")(x))
        x = layers.Conv2D(size, 3, padding="same", kernel_initializer="he_normal", name="encoder_conv_2")(x)
        x = layers.Flatten(name="encoder_flatten")(leaky("encoder_leaky_relu_2")(x))
        mean = layers.Dense(size, name=LATENT_MEAN)(x)
        sigma = layers.Dense(size, activation="softplus", name=LATENT_SIGMA)(x)

        zeros = layers.Subtract(name="sampling_zeros")([mean, mean])
        epsilon = layers.GaussianNoise(1.0, name="sampling_epsilon")(zeros)  # N(0, 1) in training, else 0
        z = layers.Add(name="sampling_z")([mean, layers.Multiply(name="sampling_noise")([sigma, epsilon])])

        x = leaky("decoder_leaky_relu_1")(
            layers.Dense(9 * 7 * size, kernel_initializer="he_normal", name="decoder_dense")(z)
        )
        x = layers.SpatialDropout2D(0.2, name="decoder_dropout")(
            layers.Reshape((9, 7, size), name="decoder_reshape")(x)
        )
        x = layers.Conv2DTranspose(
            2 * size, 2, strides=2, kernel_initializer="he_normal", name="decoder_conv_transpose"
        )(x)
        x = leaky("decoder_leaky_relu_2")(x)
        distribution = layers.Concatenate(name=LATENT_OUTPUT)([mean, sigma])
        return Model(inputs, [*heads(x), distribution], name="teacher_cicada_2026_vae")

    def targets(self, inputs: np.ndarray) -> dict[str, np.ndarray]:
        # the KL term reads no target: Keras still wants one array per output with a loss
        return {**head_targets(inputs), LATENT_OUTPUT: np.zeros((len(inputs), 1), dtype=np.float32)}

    def loss(self) -> TeacherLoss:
        return TeacherLoss(
            {ET_OUTPUT: et_mse, TAU_OUTPUT: bit_bce, EGAMMA_OUTPUT: bit_bce, LATENT_OUTPUT: kl_divergence},
            {
                ET_OUTPUT: 1.0,
                TAU_OUTPUT: self.config.tau_loss_weight,
                EGAMMA_OUTPUT: self.config.egamma_loss_weight,
                LATENT_OUTPUT: 1.0,
            },
            "ET MSE + tau and e/gamma BCE + KL",
        )

    def score(self, model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The training loss per image with z = the latent mean (float64): ET MSE + weighted bit
        BCEs + KL."""
        config = self.config

        def score_inputs(x):
            out, true = predictions(model, x, batch_size), head_targets(x)
            return (
                per_image(et_mse, true[ET_OUTPUT], out[ET_OUTPUT])
                + config.tau_loss_weight * per_image(bit_bce, true[TAU_OUTPUT], out[TAU_OUTPUT])
                + config.egamma_loss_weight * per_image(bit_bce, true[EGAMMA_OUTPUT], out[EGAMMA_OUTPUT])
                + per_image(kl_divergence, None, out[LATENT_OUTPUT])
            )

        return chunked_score(images, score_inputs, self.inputs)
