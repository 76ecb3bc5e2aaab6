"""The layers of the integer model: one rule per hls4ml layer class, as its C++ computes.

A rule (registered with :func:`integer_rule` for hls4ml classes) receives the layer's row of
the conversion record, its Keras layer and what is known of the values entering it, and
returns the :class:`Step` that computes the layer on a block of events (or None when the
values pass unchanged) and what is known of the values leaving it. The semantics follow
hls4ml 1.3.0's ``nnet_utils``:

* Dense and Conv2D (``dense_latency``, ``dense_resource``, ``conv_2d_*_cl``): each weight is
  the value hls4ml writes into ``weights/*.h`` (printed with the type's fractional digits,
  then converted to the weight type by C++); each product goes through
  ``nnet::product::<kind>`` and is cast to ``accum_t``; the bias, cast to ``accum_t``,
  starts the sum; the sum is cast to ``result_t``. With a wrapping accumulator the order of
  the additions does not matter (two's complement addition is modular); a saturating one is
  taken only where no partial sum can saturate. Distributed arithmetic (da4ml) sums exactly,
  with the quantized weights as they are, and casts the sum to ``result_t``.
* Activation ``relu`` and ``linear``: relu of the incoming value, then the cast to
  ``result_t``, where QKeras' ``quantized_relu`` rounds (AP_RND_CONV) and saturates.
* Pooling2D, average or max, without padding (``pooling2d_cl``): the window summed into
  ``accum_t`` one value at a time and divided by its size (truncating toward zero), or its
  largest value, cast to ``accum_t`` and then to ``result_t``.
* Reshape (also Flatten): io_parallel passes the same array on.

Anything else raises :class:`UnsupportedLayer`, which names the layer and why.

Each rule lives in the home of the layer type that becomes that class (``integer.py`` of
:mod:`cicada.layers.qdense`, ``qconv2d``, ``qactivation``, ``reshape``, ``average_pooling``; listed
in :mod:`cicada.layers.integer`, which :func:`cicada.plugins.load` imports). This package holds the
registry and what every rule gets and returns; :mod:`.weighted_sums` what the Dense and Conv2D rules
share, :mod:`.steps` the steps rules return, :mod:`.weights` the firmware's weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ...core.errors import ConversionError
from ...core.fixedpoint import FixedType
from ...core.registry import Registry
from ..fixed_arrays import EXACT_FLOAT32, Span
from .steps import Step


class UnsupportedLayer(ConversionError):
    """A layer the integer model cannot compute exactly (the emulator library scores instead)."""


def unsupported(row: dict, why: str) -> UnsupportedLayer:
    return UnsupportedLayer(f"layer '{row.get('name')}' ({row.get('class')}): {why}")


@dataclass(frozen=True)
class Tensor:
    """What is known, before any event, of the values leaving a layer."""

    span: Span
    shape: tuple[int, ...]
    fixed: FixedType  # their C++ type (a product's type depends on it)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def float_type(needed: int) -> type:
    """float32 when every whole number a step handles stays below 2^24, else float64."""
    return np.float32 if needed < EXACT_FLOAT32 else np.float64


@dataclass(frozen=True)
class LayerInput:
    """What a rule gets: the layer's row of the conversion record, its Keras layer (None for a
    layer hls4ml added) and what is known of the values entering it."""

    row: dict
    keras_layer: Any
    incoming: Tensor


#: (given) -> (step, or None when the values pass unchanged; the values leaving the layer)
IntegerRule = Callable[[LayerInput], tuple[Step | None, Tensor]]
INTEGER_RULES: Registry[IntegerRule] = Registry("integer-model layer rule")


#: ``@integer_rule("Dense", ...)`` registers a rule for those hls4ml layer classes
integer_rule = INTEGER_RULES.register_under


def fixed_type(row: dict, key: str) -> FixedType:
    try:
        return FixedType.parse(row[key])
    except KeyError:
        raise unsupported(row, f"the conversion record has no '{key}' type") from None
    except ValueError:
        raise unsupported(row, f"its {key} type {row[key]} is not an ap_fixed/ap_int type") from None
