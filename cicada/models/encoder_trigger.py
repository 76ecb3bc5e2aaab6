"""The CICADA 2026 VAE's encoder as a trigger: input through the latent mean, and a score of it.

:func:`encoder_trigger` builds, from a trained ``cicada_2026_vae`` teacher, the float Keras model an
encoder-only firmware computes (``cicada encoder`` writes it; ``cicada convert --model`` turns it
into firmware on the float path, whose types are derived and labelled, not proven bit-exact):

* **a prescaling of each channel by a power of two** (a BatchNormalization with scale 2^-k,
  exact in fixed point): hls4ml 1.3.0 normalises with a table of 1/sqrt(variance) over
  [10^-p, 1] (p from the layer's epsilon), so a channel whose variance over its 252 regions reaches
  1 (region ET does: up to ~10^5 LSB^2) must come in scaled. Layer normalisation ignores a
  channel's scale except through epsilon: the ET channel is normalised with an epsilon of
  eps / s^2 instead of eps (``et_shift`` k: s = 2^-k), the bits with eps. The agreement with the
  unscaled float encoder is what the build measures;
* the encoder itself (``cicada_2026_vae.encoder``: layer normalisation over the image axes,
  convolutions, leaky ReLU, max pooling, the latent mean);
* **the score**: ``sum_of_squares``, the sum of the squared latent means (the mean's part of the
  KL term, 0.5 sum mu^2, times two): a Multiply of the mean with itself and a Dense of ones. The
  full KL term (``kl``) needs ln sigma^2 of the sigma branch, and hls4ml 1.3.0 has no logarithm
  layer: refused, with the reason.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ModelError
from ..core.tf import tensorflow

#: the scores an encoder trigger can compute, and why one cannot be built
SCORES = {
    "sum_of_squares": None,
    "kl": "the KL term needs ln sigma^2 of the sigma branch, and hls4ml 1.3.0 has no logarithm layer "
    "(a lookup-table logarithm would be a layer of cicada's own): unavailable",
}
#: the prescaling layer's name (the firmware's first layer)
PRESCALE = "encoder_prescale"
SCORE = "encoder_score"


def et_shift_for(images_et: np.ndarray, quantile: float = 0.9999, margin: float = 0.25) -> int:
    """The shift k that brings region ET's variance over an image's regions below 1 for the ``quantile``
    of ``images_et`` (N, 18, 14), widened by ``margin``: a calibrated choice."""
    variance = np.asarray(images_et, np.float64).reshape(len(images_et), -1).var(axis=1)
    high = float(np.quantile(variance, quantile)) * (1 + margin)
    return max(0, math.ceil(0.5 * math.log2(high)) + 1) if high > 0 else 0


def encoder_trigger(vae, score: str = "sum_of_squares", et_shift: int = 9):
    """The encoder trigger of a trained VAE teacher (module doc): (N, 18, 14, 3) in, one score out."""
    from .teachers.cicada_2026_vae import LATENT_MEAN, LATENT_SIGMA

    if score not in SCORES:
        raise ModelError(f"encoder score {score!r}: expected one of {', '.join(SCORES)}")
    if SCORES[score] is not None:
        raise ModelError(f"encoder score {score!r}: {SCORES[score]}")
    tf = tensorflow()
    layers = tf.keras.layers
    names = [layer.name for layer in vae.layers]
    if LATENT_MEAN not in names:
        raise ModelError(f"the teacher has no layer '{LATENT_MEAN}': not a cicada_2026_vae teacher")
    encoder_layers = vae.layers[1 : names.index(LATENT_MEAN) + 1]
    encoder_layers = [
        layer for layer in encoder_layers if layer.name.startswith("encoder_") and layer.name != LATENT_SIGMA
    ]
    inputs = layers.Input(vae.input_shape[1:], name="encoder_inputs")
    channels = int(vae.input_shape[-1])
    epsilon = 2.0**-10  # with variance 1 - 2^-10, sqrt(variance + epsilon) is exactly 1
    prescale = layers.BatchNormalization(epsilon=epsilon, name=PRESCALE)
    x = prescale(inputs)
    scale = np.ones(channels, np.float32)
    scale[0] = 2.0**-et_shift  # the ET channel (cicada.data.region_bits.CHANNELS: ET first)
    prescale.set_weights(
        [
            scale,
            np.zeros(channels, np.float32),
            np.zeros(channels, np.float32),
            np.full(channels, 1 - epsilon, np.float32),
        ]
    )
    for layer in encoder_layers:
        clone = type(layer).from_config(layer.get_config())
        x = clone(x)
        clone.set_weights(layer.get_weights())
    squares = layers.Multiply(name="encoder_squares")([x, x])
    total = layers.Dense(1, use_bias=False, name=SCORE)
    out = total(squares)
    total.set_weights([np.ones((int(x.shape[-1]), 1), np.float32)])
    return tf.keras.Model(inputs, out, name="encoder_trigger")


def float_encoder_score(vae, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
    """The unscaled float encoder's score (sum of squared latent means), for agreement figures."""
    from .teachers.cicada_2026_vae import encoder

    means = encoder(vae).predict(np.asarray(images, np.float32), batch_size=batch_size, verbose=0)
    return np.square(np.asarray(means, np.float64)).sum(axis=1)
