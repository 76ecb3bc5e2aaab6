"""Keras ``AveragePooling2D`` as ``student.layers`` builds it: its spec and its Keras build
(``LAYER_TYPES["AveragePooling2D"]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from ...config.model import option
from ...config.registries.layers import LayerSpec, Positive, check_pair, layer_type


class AveragePooling2DSpec(LayerSpec):
    """2D average pooling."""

    type: Literal["AveragePooling2D"] = option("layer type")
    pool_size: tuple[Positive, ...] = option("pool height and width", (2, 2))

    @model_validator(mode="after")
    def _pair(self):
        check_pair(self, "pool_size")
        return self


@layer_type("AveragePooling2D", AveragePooling2DSpec)
def build_average_pooling(spec: AveragePooling2DSpec, name: str):
    from tensorflow.keras import layers

    return layers.AveragePooling2D(tuple(spec.pool_size), name=name)
