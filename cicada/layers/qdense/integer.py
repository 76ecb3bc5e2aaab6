"""The integer-model rule of hls4ml's ``Dense`` (what a QDense becomes): ``INTEGER_RULES["Dense"]``."""

from __future__ import annotations

from ...firmware.integer_layers import LayerInput, integer_rule, unsupported
from ...firmware.integer_layers.weighted_sums import weighted_sum


@integer_rule("Dense")
def dense(given: LayerInput):
    if len(given.incoming.shape) != 1:
        raise unsupported(given.row, f"input of shape {given.incoming.shape}: only flat inputs are modelled")
    return weighted_sum(given)
