"""The one place TensorFlow is imported, quietly and deterministically configured."""

from __future__ import annotations

import os


def tensorflow():
    """Import TensorFlow with its start-up chatter silenced; returns the module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # oneDNN kernels (TensorFlow's default on x86) are about twice as fast on CPU here; with op
    # determinism on they give the same weights from run to run on one machine (measured)
    import logging

    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    return tf


def seed_everything(seed: int) -> None:
    """Fix Python, numpy and TensorFlow seeds and ask TensorFlow for deterministic kernels."""
    tf = tensorflow()
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def save_h5(model, path) -> None:
    """Save a Keras/QKeras model as HDF5 (the format qkeras 0.9 reloads reliably)."""
    import warnings

    with warnings.catch_warnings():
        # Keras calls HDF5 "legacy" and complains about serialising qkeras quantizers; both are fine here
        warnings.simplefilter("ignore", UserWarning)
        model.save(path, save_format="h5", include_optimizer=False)
