"""Every precision rule of an hls4ml layer class a layer type becomes (``PRECISION_RULES``): the
loader's entry for the "precision rule" registry, and the import of every stage that proves
precisions (or may: its code reads the registry).
"""

from __future__ import annotations

# isort: off
from .qconv2d import precision as qconv2d  # noqa: F401
from .qdense import precision as qdense  # noqa: F401
from .qactivation import precision as qactivation  # noqa: F401
from .reshape import precision as reshape  # noqa: F401
from .average_pooling import precision as average_pooling  # noqa: F401
# isort: on
