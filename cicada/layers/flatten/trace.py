"""The RTL rule of Keras' ``Flatten``: ``TRACE_RULES["Flatten"]``."""

from __future__ import annotations

from ...synthesis.rtl.trace import trace_rule


@trace_rule("Flatten")
def flatten(layer, values):
    return values.reshape(-1)
