"""The RTL rule of every layer that passes its values on unchanged at inference: Keras' input layer and
the training-only layers, Dropout among them (``TRACE_RULES["InputLayer"]``, ``["Dropout"]``,
``["SpatialDropout2D"]``, ``["GaussianNoise"]``)."""

from __future__ import annotations

from ...synthesis.rtl.trace import trace_rule


@trace_rule("InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise")
def passthrough(layer, values):
    return values
