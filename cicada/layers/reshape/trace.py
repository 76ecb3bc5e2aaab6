"""The RTL rule of Keras' ``Reshape``: ``TRACE_RULES["Reshape"]``."""

from __future__ import annotations

from ...synthesis.rtl.trace import trace_rule


@trace_rule("Reshape")
def reshape(layer, values):
    return values.reshape(tuple(int(d) for d in layer.target_shape))
