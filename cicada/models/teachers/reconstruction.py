"""What the CICADA 2026 teachers share: three reconstruction heads and their per-image losses.

Both 2026 teachers read the channels ET, tau bit, e/gamma bit (``CHANNELS`` of
:mod:`cicada.data.region_bits`) and reconstruct each with its own head: ET with a ReLU (raw LSBs,
mean squared error), each bit with a sigmoid (a probability, binary cross-entropy, optionally
plus a soft Dice term). Every loss here is per image, shape ``(N,)``, written once in TensorFlow:
Keras trains on it (averaging over the batch) and the scores evaluate the same function on the
trained model's predictions, so a score is exactly the loss it names.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ...core.tf import tensorflow
from ...data.region_bits import CHANNELS, EG_FIELD, ET_FIELD, TAU_FIELD

#: Output (and head layer) names of the three reconstructions.
ET_OUTPUT = "teacher_et"
TAU_OUTPUT = "teacher_tau"
EGAMMA_OUTPUT = "teacher_egamma"
#: Each head's input channel (:data:`CHANNELS` order).
HEAD_CHANNELS = {
    ET_OUTPUT: CHANNELS.index(ET_FIELD),
    TAU_OUTPUT: CHANNELS.index(TAU_FIELD),
    EGAMMA_OUTPUT: CHANNELS.index(EG_FIELD),
}
#: Probabilities are clipped to [EPSILON, 1 - EPSILON] before the logarithm, as Keras'
#: binary cross-entropy clips them: a confident wrong bit costs at most -ln(1e-7) = 16.1.
EPSILON = 1e-7
#: Added to the Dice ratio's numerator and denominator (the production ``soft_dice_loss``'s):
#: an image without any set bit, reconstructed as none, scores 0.
DICE_SMOOTH = 1e-6
#: Images per prediction when scoring (its batches are ``batch_size``): with three channels
#: these are 50 MB of input, so scoring a dataset never holds all of it as floats.
SCORE_CHUNK = 2**14


def heads(x) -> list:
    """The three reconstruction heads on the decoder's last feature map ``x`` (18, 14, filters):
    3x3 convolutions to one channel, ET with a ReLU, the bits with a sigmoid."""
    from tensorflow.keras import layers

    return [
        layers.Conv2D(1, 3, padding="same", activation="relu", kernel_initializer="he_normal", name=ET_OUTPUT)(x),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid", name=TAU_OUTPUT)(x),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid", name=EGAMMA_OUTPUT)(x),
    ]


def head_targets(inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Each head's target from the ``(N, 18, 14, 3)`` channels: its own channel, ``(N, 18, 14, 1)``."""
    return {name: inputs[..., channel : channel + 1] for name, channel in HEAD_CHANNELS.items()}


def et_mse(y_true, y_pred):
    """Per-image mean squared error of the ET reconstruction, LSB^2."""
    tf = tensorflow()
    return tf.reduce_mean(tf.square(tf.cast(y_true, tf.float32) - y_pred), axis=(1, 2, 3))


def bit_bce(y_true, y_pred):
    """Per-image mean binary cross-entropy of a bit's reconstruction (probabilities clipped to
    [:data:`EPSILON`, 1 - :data:`EPSILON`])."""
    tf = tensorflow()
    y_true = tf.cast(y_true, tf.float32)
    p = tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
    return -tf.reduce_mean(y_true * tf.math.log(p) + (1.0 - y_true) * tf.math.log(1.0 - p), axis=(1, 2, 3))


def soft_dice(y_true, y_pred):
    """Per-image soft Dice loss of a bit's reconstruction: 1 - (2 sum(t p) + s) / (sum t + sum p + s)."""
    tf = tensorflow()
    y_true = tf.cast(y_true, tf.float32)
    overlap = tf.reduce_sum(y_true * y_pred, axis=(1, 2, 3))
    total = tf.reduce_sum(y_true, axis=(1, 2, 3)) + tf.reduce_sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * overlap + DICE_SMOOTH) / (total + DICE_SMOOTH)


def bit_bce_dice(y_true, y_pred):
    """Binary cross-entropy plus soft Dice, per image (the production ``hybrid_bce_dice_loss``)."""
    return bit_bce(y_true, y_pred) + soft_dice(y_true, y_pred)


def predictions(model, x: np.ndarray, batch_size: int) -> dict[str, np.ndarray]:
    """The model's outputs on ``x`` by output name, in inference mode (no dropout, no noise)."""
    outputs = model.predict(x, batch_size=batch_size, verbose=0)
    if not isinstance(outputs, list):
        outputs = [outputs]
    return dict(zip(model.output_names, outputs))


def per_image(loss: Callable, y_true, y_pred) -> np.ndarray:
    """A per-image loss evaluated on arrays, as float64 ``(N,)``."""
    return np.asarray(loss(y_true, y_pred), dtype=np.float64)


def chunked_score(images: np.ndarray, score_inputs: Callable[[np.ndarray], np.ndarray], inputs: Callable) -> np.ndarray:
    """``score_inputs(inputs(part))`` over :data:`SCORE_CHUNK` images at a time, concatenated."""
    parts = [score_inputs(inputs(images[i : i + SCORE_CHUNK])) for i in range(0, len(images), SCORE_CHUNK)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)
