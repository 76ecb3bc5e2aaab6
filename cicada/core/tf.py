"""The one place TensorFlow is imported, quietly and deterministically configured.

Keras 2: QKeras 0.9 builds Keras 2 layers, and TensorFlow >= 2.16 gives Keras 3 as ``tf.keras``
unless ``TF_USE_LEGACY_KERAS=1`` is set before TensorFlow is first imported (``cicada/__init__.py``
sets it); ``tf.keras`` is then the tf_keras package. :func:`tensorflow` checks that it is.
"""

from __future__ import annotations

import contextlib
import os

from .errors import CicadaError


def tensorflow():
    """Import TensorFlow with its start-up chatter silenced and Keras 2 as ``tf.keras``; returns the module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # oneDNN kernels (TensorFlow's default on x86) are about twice as fast on CPU here; with op
    # determinism on they give the same weights from run to run on one machine (measured)
    import logging

    with _quiet_native_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()  # the device scan logs a CUDA note on machines without a GPU
    import tf_keras  # Keras 2 for QKeras (imported here also so that its version enters the fingerprints)

    if tf.keras.layers.Layer is not tf_keras.layers.Layer:
        raise CicadaError(
            "TensorFlow was imported before cicada and gives Keras 3 as tf.keras; QKeras needs Keras 2: "
            "set TF_USE_LEGACY_KERAS=1 before importing tensorflow (or import cicada first)"
        )
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    return tf


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence what native code writes to stderr inside the block. TensorFlow >= 2.17 logs through
    absl before its logging is configured (oneDNN and CUDA notes at import), which
    TF_CPP_MIN_LOG_LEVEL does not reach; Python's own errors are raised after the block."""
    import sys

    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (a notebook, a captured stream)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


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
