"""hls4ml 1.3.0 converts QKeras (Keras 2) models only while its ``import keras`` gives Keras 2.

hls4ml 1.3.0 chooses its Keras converter inside ``config_from_keras_model`` and
``convert_from_keras_model`` with ``import keras; keras.__version__ >= '3.0'``. TensorFlow >= 2.16
installs Keras 3 as ``keras`` (QKeras itself runs on tf_keras, see :mod:`cicada.core.tf`), so
hls4ml would take its Keras 3 parser, which cannot read a tf_keras model
(``'Node' object has no attribute 'arguments'``). While cicada calls hls4ml, ``keras`` is tf_keras.

Made for :data:`HLS4ML_VERSION`; ``tests/test_stack.py`` fails when the installed hls4ml is another
one, and shows whether the switch is still needed (a conversion without it must still fail).
"""

from __future__ import annotations

import contextlib
import sys
import threading

#: the hls4ml release whose converter selection this module works around
HLS4ML_VERSION = "1.3.0"

_lock = threading.Lock()  # sys.modules is process-wide: one conversion at a time swaps it


@contextlib.contextmanager
def keras_2_for_hls4ml():
    """Inside the block ``import keras`` gives tf_keras (Keras 2); the previous module comes back after."""
    import tf_keras

    with _lock:
        missing = object()
        previous = sys.modules.get("keras", missing)
        sys.modules["keras"] = tf_keras
        try:
            yield
        finally:
            if previous is missing:
                del sys.modules["keras"]
            else:
                sys.modules["keras"] = previous
