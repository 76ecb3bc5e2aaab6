"""When firmware and QKeras disagree: find the first layer where they part ways.

The model is converted again with hls4ml tracing every layer, compiled, and run on the
disagreeing images; each traced layer output is compared with the same QKeras layer's
output (for the linear layer hls4ml inserts after a Dense/Conv, with that layer's
output). Differences are counted in units of the firmware layer's LSB.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.fixedpoint import FixedType

if TYPE_CHECKING:
    from ..config.sections import HlsConfig


@dataclass(frozen=True)
class LayerDivergence:
    layer: str
    layer_class: str
    firmware_type: str
    accumulator_type: str | None
    values_compared: int
    values_differing: int
    max_difference_lsb: float
    images: int

    def explain(self) -> str:
        accumulator = f", accumulator {self.accumulator_type}" if self.accumulator_type else ""
        return (
            f"first diverging layer: '{self.layer}' ({self.layer_class}, output {self.firmware_type}{accumulator}): "
            f"{self.values_differing:,} of {self.values_compared:,} values differ over {self.images} images, "
            f"by up to {self.max_difference_lsb:g} LSB"
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _keras_outputs(model, inputs: np.ndarray) -> dict[str, np.ndarray]:
    from ..core.tf import tensorflow

    tf = tensorflow()
    names = [layer.name for layer in model.layers[1:]]
    probe = tf.keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    outputs = probe.predict(inputs, verbose=0)
    return {n: np.asarray(o).reshape(len(inputs), -1) for n, o in zip(names, outputs)}


def _inline_activation(keras_layer) -> bool:
    """True for a layer that applies a non-linear activation inside it (e.g. QDense(activation=...))."""
    activation = getattr(keras_layer, "activation", None)
    if activation is None or type(keras_layer).__name__ in ("QActivation", "Activation"):
        return False
    return getattr(activation, "__name__", "") != "linear"


def comparable_keras_layer(model, layer, reference: dict) -> str | None:
    """The Keras layer whose output equals this hls4ml layer's, or None when QKeras has no such output.

    hls4ml splits a layer with an inline activation in two: ``<name>`` (the sum, before the
    activation) and ``<name>_<activation>``; QKeras only outputs the result after the activation,
    so the first is not comparable and the second is compared with the Keras layer ``<name>``.
    """
    if layer.name in reference:
        return None if _inline_activation(model.get_layer(layer.name)) else layer.name
    owners = [name for name in reference if layer.name.startswith(name + "_")]
    if not owners:
        return None
    owner = max(owners, key=len)
    inline = _inline_activation(model.get_layer(owner))
    if layer.name == f"{owner}_linear":
        return None if inline else owner
    return owner if layer.class_name == "Activation" and inline else None


def first_divergence(model, hls4ml_config: dict, hls: "HlsConfig", inputs: np.ndarray) -> LayerDivergence | None:
    """The first layer (in firmware order) whose traced output differs from QKeras, or None. The firmware
    is converted from the folded model (:mod:`.folding`), the reference is the trained model's own layers."""
    import copy

    from .convert import convert_model, hls4ml_errors
    from .folding import firmware_model

    config = copy.deepcopy(hls4ml_config)
    for entry in config.get("LayerName", {}).values():
        entry["Trace"] = True
    inputs = np.asarray(inputs, dtype=np.float32).reshape(len(inputs), -1)
    with tempfile.TemporaryDirectory(prefix="cicada-trace-") as scratch:
        hls_model = convert_model(firmware_model(model), config, hls, Path(scratch) / "trace")
        with hls4ml_errors(), warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            hls_model.compile()
            _, traces = hls_model.trace(np.ascontiguousarray(inputs))
        reference = _keras_outputs(model, inputs.reshape(-1, *model.input_shape[1:]))
        for layer in hls_model.get_layers():
            if layer.class_name == "Input" or layer.name not in traces:
                continue
            keras_name = comparable_keras_layer(model, layer, reference)
            if keras_name is None:
                continue
            firmware = np.asarray(traces[layer.name], dtype=np.float64).reshape(len(inputs), -1)
            expected = reference[keras_name].astype(np.float64)
            if firmware.shape != expected.shape:
                continue
            type_ = FixedType.parse(str(layer.get_output_variable().type.precision))
            difference = np.abs(firmware - expected) / type_.lsb
            differing = int(np.count_nonzero(difference >= 0.5))
            if differing:
                accum = layer.get_attr("accum_t")
                return LayerDivergence(
                    layer=layer.name,
                    layer_class=layer.class_name,
                    firmware_type=type_.hls(),
                    accumulator_type=FixedType.parse(str(accum.precision)).hls() if accum is not None else None,
                    values_compared=int(difference.size),
                    values_differing=differing,
                    max_difference_lsb=float(np.round(difference.max(), 3)),
                    images=len(inputs),
                )
    return None
