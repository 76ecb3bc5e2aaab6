"""Every integer-model rule of an hls4ml layer class a layer type becomes (``INTEGER_RULES``), in the
order the integer model's errors list them: the loader's entry for the "integer-model layer rule"
registry, and the import of every stage that scores with the integer model.
"""

from __future__ import annotations

# isort: off
from .qdense import integer as qdense  # noqa: F401
from .qconv2d import integer as qconv2d  # noqa: F401
from .qactivation import integer as qactivation  # noqa: F401
from .reshape import integer as reshape  # noqa: F401
from .average_pooling import integer as average_pooling  # noqa: F401
# isort: on
