"""Keras ``Flatten`` (hls4ml: a ``Reshape``, whose precision rule lives in :mod:`.reshape`)."""

from __future__ import annotations

from typing import Literal

from ...config.model import option
from . import LayerSpec, layer_type


class FlattenSpec(LayerSpec):
    """Flatten to one dimension."""

    type: Literal["Flatten"] = option("layer type")


@layer_type("Flatten", FlattenSpec)
def build_flatten(spec: FlattenSpec, name: str):
    from tensorflow.keras import layers

    return layers.Flatten(name=name)
