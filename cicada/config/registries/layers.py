"""Layer types of a custom student: the registry behind ``student.layers`` and a type's spec.

A layer type (the ``keras`` module of its home in :mod:`cicada.layers`) registers its spec, a
:class:`LayerSpec` subclass with ``type: Literal["<name>"]`` and its settings, with the
function that builds it in Keras (:func:`layer_type`), and, for a Keras layer class neither
Keras nor QKeras 0.9.0 has, that class (what loading a model file needs:
:func:`keras_custom_objects`). The field types and checks the specs share (:data:`Quantizer`,
:data:`Positive`, :func:`check_bias`, :func:`check_pair`) are here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Callable, Optional

from pydantic import Field

from ...core.registry import Registry
from ...plugins import load
from ..model import ConfigModel, Identifier, Integer, Text, invalid, option


class LayerSpec(ConfigModel):
    """One layer of a custom student: ``type``, an optional ``name`` and the type's settings."""

    type: str = option("layer type")
    name: Optional[Identifier] = option("layer name (default layer<index>)", None)


@dataclass(frozen=True)
class LayerType:
    """A registered layer type."""

    name: str
    spec: type[LayerSpec]
    build: Callable[[Any, str], Any]  # (spec, layer name) -> a Keras layer
    #: "conv" or "dense" for layers with weights (what ``hls.layers.<name>`` may tune), else None
    weights: str | None = None
    #: the type's own Keras layer class, named as the type, when neither Keras nor QKeras has it:
    #: a function returning it (it imports TensorFlow, which the config never does), else None
    keras_class: Callable[[], type] | None = None


LAYER_TYPES: Registry[LayerType] = Registry("layer type")


def layer_type(
    name: str, spec: type[LayerSpec], weights: str | None = None, keras_class: Callable[[], type] | None = None
):
    """Register ``build(spec, layer_name) -> keras layer`` as layer type ``name``."""

    def decorator(build):
        LAYER_TYPES.register(name, LayerType(name, spec, build, weights, keras_class))
        return build

    return decorator


def custom_layer_names() -> frozenset[str]:
    """The Keras layer classes cicada provides (the layer types with a ``keras_class``)."""
    load("layer type")
    return frozenset(name for name, entry in LAYER_TYPES.items() if entry.keras_class is not None)


def keras_custom_objects() -> dict[str, type]:
    """``custom_objects`` for loading a model file: the Keras layer classes cicada provides, by class name."""
    load("layer type")
    return {name: entry.keras_class() for name, entry in LAYER_TYPES.items() if entry.keras_class is not None}


def layer_names(layers) -> list[str]:
    """Names of a custom student's layers (``name`` or ``layer<index>``)."""
    return [layer.name or f"layer{i}" for i, layer in enumerate(layers)]


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
