"""Layer types of a student: the registry behind ``student.layers`` and the precision proof.

Each layer type is one module in this package with, in one place:

* its config model (the keys of a ``student.layers`` entry of that ``type``);
* how it is built in Keras/QKeras (:func:`layer_type` decorates the builder);
* the precision rule of the hls4ml layer class it becomes (registered with
  :func:`cicada.core.intervals.precision_rule`), so the proof covers it.

Adding a type: write the module, import it at the bottom of this file, add its test.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ...config.model import Integer, Text, invalid
from ...config.registries.layers import LAYER_TYPES, LayerSpec, LayerType, layer_names, layer_type

__all__ = [
    "LAYER_TYPES",
    "LayerSpec",
    "LayerType",
    "Positive",
    "Quantizer",
    "check_bias",
    "check_pair",
    "layer_names",
    "layer_type",
]


QUANTIZER_PATTERN = r"^quantized_\w+\(\s*\d+\s*(,\s*[-+.\w=]+\s*)*\)$"
#: A QKeras quantizer written as in Python, e.g. ``quantized_bits(8,1,1,alpha=1)``.
Quantizer = Annotated[Text, Field(pattern=QUANTIZER_PATTERN)]
#: A positive integer (sizes, strides, shapes).
Positive = Annotated[Integer, Field(ge=1)]


def check_bias(spec) -> None:
    """A bias needs a quantizer (a float bias is not bit-exact), and a quantizer needs a bias."""
    if spec.use_bias and not spec.bias_quantizer:
        raise invalid("expected a quantizer when use_bias is true (a float bias is not bit-exact)", "bias_quantizer")
    if spec.bias_quantizer and not spec.use_bias:
        raise invalid("expected null when use_bias is false", "bias_quantizer")


def check_pair(spec, *fields: str) -> None:
    """Sizes given as one integer or two (height, width)."""
    for field in fields:
        if len(getattr(spec, field)) not in (1, 2):
            raise invalid("expected one or two integers", field)


# The built-in types register themselves (and their precision rules), in the order listed.
# isort: off
from . import qconv2d  # noqa: E402,F401
from . import qdense  # noqa: E402,F401
from . import qactivation  # noqa: E402,F401
from . import flatten  # noqa: E402,F401
from . import reshape  # noqa: E402,F401
from . import average_pooling  # noqa: E402,F401
from . import dropout  # noqa: E402,F401
# isort: on
