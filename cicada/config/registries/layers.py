"""Layer types of a custom student: the registry behind ``student.layers`` and a type's spec.

A layer type (one module of :mod:`cicada.models.layers`) registers its spec, a
:class:`LayerSpec` subclass with ``type: Literal["<name>"]`` and its settings, with the
function that builds it in Keras (:func:`layer_type`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from ...core.registry import Registry
from ..model import ConfigModel, Identifier, option


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


LAYER_TYPES: Registry[LayerType] = Registry("layer type")


def layer_type(name: str, spec: type[LayerSpec], weights: str | None = None):
    """Register ``build(spec, layer_name) -> keras layer`` as layer type ``name``."""

    def decorator(build):
        LAYER_TYPES.register(name, LayerType(name, spec, build, weights))
        return build

    return decorator


def layer_names(layers) -> list[str]:
    """Names of a custom student's layers (``name`` or ``layer<index>``)."""
    return [layer.name or f"layer{i}" for i, layer in enumerate(layers)]
