"""Every layer type's spec and Keras build (``LAYER_TYPES``), in the order ``cicada schema`` and the
errors list them: the loader's entry for the "layer type" registry, and the import of every stage
that builds a student from ``student.layers`` (or reads its types).
"""

from __future__ import annotations

# isort: off
from .qconv2d import keras as qconv2d  # noqa: F401
from .qdense import keras as qdense  # noqa: F401
from .qdensebatchnorm import keras as qdensebatchnorm  # noqa: F401
from .qactivation import keras as qactivation  # noqa: F401
from .flatten import keras as flatten  # noqa: F401
from .reshape import keras as reshape  # noqa: F401
from .average_pooling import keras as average_pooling  # noqa: F401
from .dropout import keras as dropout  # noqa: F401
# isort: on
