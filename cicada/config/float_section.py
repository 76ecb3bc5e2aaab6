"""``hls.float_types``: how a float (non-QKeras) model's fixed-point types are derived.

A float layer's weights and values are not on any fixed-point grid, so no type makes the
firmware bit-exact with Keras. cicada derives each type instead (:mod:`cicada.firmware.float_types`):
integer bits by interval analysis where that is sound (dense and convolution with their weights,
ReLU, leaky ReLU, pooling, reshapes), by calibration on the build's events elsewhere (layer
normalisation: quantiles of zero-bias and signal events widened by ``margin``), and fractional bits
by a per-layer search for the narrowest types that keep the firmware's outputs within
``tolerance`` of the float model's on at least ``fraction`` of the calibration events.
"""

from __future__ import annotations

from .model import ConfigModel, Integer, Number, option


class FloatTypesConfig(ConfigModel):
    """Deriving the fixed-point types of a float model (no effect on a QKeras model)."""

    tolerance: Number = option(
        "largest difference allowed between a firmware output and the float model's (the score type's LSB: "
        "1/256 for ufixed<16,8>)",
        2.0**-8,
        gt=0.0,
    )
    fraction: Number = option(
        "share of calibration events whose every output must be within tolerance", 0.999, gt=0.0, le=1.0
    )
    quantile: Number = option(
        "calibrated ranges: the lower and upper quantile (1 - q, q) of a layer's values over the calibration events",
        0.9999,
        gt=0.5,
        le=1.0,
    )
    margin: Number = option(
        "calibrated ranges are widened by this share of their width on each side (then saturate beyond)", 0.25, ge=0.0
    )
    calibration_events: Integer = option(
        "zero-bias and signal events the calibration and the search run on (half zero-bias)", 4000, ge=100
    )
    max_fractional: Integer = option("most fractional bits the search tries for one type", 18, ge=1, le=40)
