"""Keras ``Reshape`` as ``student.layers`` builds it: its spec and its Keras build (``LAYER_TYPES["Reshape"]``)."""

from __future__ import annotations

from typing import Literal

from ...config.model import option
from ...config.registries.layers import LayerSpec, Positive, layer_type


class ReshapeSpec(LayerSpec):
    """Reshape, e.g. the 252 inputs to [18, 14, 1]."""

    type: Literal["Reshape"] = option("layer type")
    target_shape: tuple[Positive, ...] = option("output shape without the batch dimension")


@layer_type("Reshape", ReshapeSpec)
def build_reshape(spec: ReshapeSpec, name: str):
    from tensorflow.keras import layers

    return layers.Reshape(tuple(spec.target_shape), name=name)
