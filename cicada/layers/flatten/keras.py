"""Keras ``Flatten`` as ``student.layers`` builds it: its spec and its Keras build (``LAYER_TYPES["Flatten"]``).
hls4ml makes it a ``Reshape``, whose precision and integer rules are the Reshape home's."""

from __future__ import annotations

from typing import Literal

from ...config.model import option
from ...config.registries.layers import LayerSpec, layer_type


class FlattenSpec(LayerSpec):
    """Flatten to one dimension."""

    type: Literal["Flatten"] = option("layer type")


@layer_type("Flatten", FlattenSpec)
def build_flatten(spec: FlattenSpec, name: str):
    from tensorflow.keras import layers

    return layers.Flatten(name=name)
