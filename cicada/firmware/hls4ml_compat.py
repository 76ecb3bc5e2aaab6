"""hls4ml 1.3.0 on the current stack: two things it expects that TensorFlow 2.21 and numpy 2 changed.

* **Keras 2.** hls4ml 1.3.0 chooses its Keras converter inside ``config_from_keras_model`` and
  ``convert_from_keras_model`` with ``import keras; keras.__version__ >= '3.0'``. TensorFlow >= 2.16
  installs Keras 3 as ``keras`` (QKeras itself runs on tf_keras, see :mod:`cicada.core.tf`), so hls4ml
  would take its Keras 3 parser, which cannot read a tf_keras model (``'Node' object has no
  attribute 'arguments'``). While cicada calls hls4ml, ``keras`` is tf_keras.
* **numpy.product.** hls4ml 1.3.0 writes power-of-two weights with ``np.product``, which numpy 2.0
  removed (``np.prod`` is the same function). While cicada calls hls4ml, the old name exists.

Both hold only inside :func:`hls4ml_on_current_stack`. Made for :data:`HLS4ML_VERSION`;
``tests/test_stack.py`` fails when the installed hls4ml is another one, and shows whether the Keras
switch is still needed (a conversion without it must still fail).
"""

from __future__ import annotations

import contextlib
import sys
import threading

import numpy as np

#: the hls4ml release these measures were made for
HLS4ML_VERSION = "1.3.0"

_lock = threading.Lock()  # sys.modules and numpy are process-wide: one conversion at a time changes them


@contextlib.contextmanager
def hls4ml_on_current_stack():
    """Inside the block ``import keras`` gives tf_keras (Keras 2) and ``np.product`` exists; both
    are put back as they were after."""
    import tf_keras

    with _lock:
        missing = object()
        previous_keras = sys.modules.get("keras", missing)
        had_product = hasattr(np, "product")
        sys.modules["keras"] = tf_keras
        if not had_product:
            np.product = np.prod
        try:
            yield
        finally:
            if previous_keras is missing:
                del sys.modules["keras"]
            else:
                sys.modules["keras"] = previous_keras
            if not had_product:
                del np.product
