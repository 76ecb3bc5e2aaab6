"""Every RTL rule of a Keras layer class (``TRACE_RULES``), in the order the RTL flow's errors list
them: the loader's entry for the "RTL layer rule" registry, and the import of every stage that
traces a student into RTL (or reads the registry).
"""

from __future__ import annotations

# isort: off
from .dropout import trace as dropout  # noqa: F401
from .flatten import trace as flatten  # noqa: F401
from .reshape import trace as reshape  # noqa: F401
from .qactivation import trace as qactivation  # noqa: F401
from .qdense import trace as qdense  # noqa: F401
from .qconv2d import trace as qconv2d  # noqa: F401
from .average_pooling import trace as average_pooling  # noqa: F401
# isort: on
