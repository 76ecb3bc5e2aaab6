"""The converted student as whole-number arithmetic in numpy: the firmware's scores, fast.

``IntegerModel.build(keras_model, layers)`` reads what the conversion recorded of hls4ml's
model graph (``layers``: the convert stage's layer table, in graph order, with each layer's
class, types, strategy, product kind and activation) and takes the weights from the Keras
model as hls4ml takes them; :mod:`.integer_layers` computes each layer as hls4ml's C++
does. ``predict(images)`` then gives what the emulator library gives, several times faster:
blocks of events go through numpy (BLAS matrix products, vectorised casts) on every CPU.

Values are whole numbers held in floats (:mod:`.fixed_arrays`): the bounds of every value
are known when the model is built, and a layer whose values could leave the range where
floats are exact is refused, as is any layer, weight or type the rules do not describe
(:class:`UnsupportedLayer` names it; scoring then falls back to the emulator library, see
:mod:`.scoring`). The scores stage checks the outputs against the emulator library.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..plugins import load as load_plugins
from .fixed_arrays import NotExact, Span
from .folding import firmware_model
from .integer_layers import (
    INTEGER_RULES,
    LayerInput,
    Tensor,
    UnsupportedLayer,
    fixed_type,
    float_type,
    unsupported,
)
from .integer_layers.steps import ElementWise, InputCast, Step, WeightedSum

__all__ = ["IntegerModel", "UnsupportedLayer"]

#: Events per block: a block's arrays stay in a core's cache.
BLOCK_EVENTS = 1024
#: Keras layers hls4ml leaves out of the firmware (they act only in training).
TRAINING_ONLY = ("InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")
#: The emulator library hands inputs to the firmware through a float.
WIDEST_INPUT = 24


@dataclass
class IntegerModel:
    """Firmware-exact outputs of a converted student: ``IntegerModel.build(model, layers).predict(images)``."""

    steps: list[Step]
    n_inputs: int
    output: Tensor
    layers: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, keras_model, layers: list[dict]) -> "IntegerModel":
        """The integer model of ``keras_model`` as hls4ml converted it into ``layers`` (the
        convert stage's layer table); an UnsupportedLayer names the first layer it cannot model."""
        load_plugins("integer-model layer rule")  # each layer type's home registers the rule of its class
        keras_model = firmware_model(keras_model)  # a layer trained with a batch-norm: the QDense it folds into
        if not layers or layers[0].get("class") != "Input":
            raise UnsupportedLayer("the conversion record does not start with the input layer")
        keras_layers = {layer.name: layer for layer in keras_model.layers}
        _check_every_keras_layer_converted(keras_layers, layers)
        shape = tuple(int(d) for d in keras_model.input_shape[1:])
        input_type = fixed_type(layers[0], "result")
        if input_type.width > WIDEST_INPUT:
            raise unsupported(layers[0], f"inputs wider than {WIDEST_INPUT} bits (the emulator passes them as float)")
        tensor = Tensor(Span.of_type(input_type), shape, input_type)
        steps: list[Step] = [InputCast("input", float_type(2**input_type.width), fixed=input_type)]
        names = []
        for row in layers[1:]:
            kind = str(row.get("class"))
            if kind not in INTEGER_RULES:
                raise unsupported(
                    row, f"no integer rule for hls4ml's {kind} layers (known: {', '.join(INTEGER_RULES)})"
                )
            try:
                step, tensor = INTEGER_RULES.get(kind)(LayerInput(row, keras_layers.get(row["name"]), tensor))
            except NotExact as err:
                raise unsupported(row, str(err)) from None
            if step is not None:
                steps.append(step)
            names.append(row["name"])
        return cls(fuse(steps), int(np.prod(shape)), tensor, names)

    @property
    def n_outputs(self) -> int:
        return self.output.size

    def predict(self, inputs: np.ndarray, threads: int | None = None) -> np.ndarray:
        """Outputs (N, n_out) float64 for N events of n_in values (e.g. images (N, 18, 14)), as the
        emulator library gives them. ``threads``: blocks scored at once (default: the usable CPUs)."""
        inputs = np.asarray(inputs)
        events = inputs.reshape(len(inputs), -1) if inputs.size else inputs.reshape(len(inputs), self.n_inputs)
        if events.shape[1] != self.n_inputs:
            raise ValueError(f"expected {self.n_inputs} inputs per event, got {events.shape[1]}")
        outputs = np.empty((len(events), self.n_outputs), dtype=np.float64)
        starts = range(0, len(events), BLOCK_EVENTS)
        blocks = [slice(start, min(start + BLOCK_EVENTS, len(events))) for start in starts]
        threads = max(1, min(threads or len(os.sched_getaffinity(0)), len(blocks)))
        scale = 2.0**-self.output.span.fractional

        def score(block: slice) -> None:
            values = events[block]
            for step in self.steps:
                values = step(values)
            outputs[block] = values * scale + 0.0  # + 0.0: no negative zeros

        # BLAS on one thread: the blocks are the parallel work (the two together oversubscribe the CPUs)
        with _blas_controller().limit(limits=1, user_api="blas"):
            if threads == 1:
                for block in blocks:
                    score(block)
            else:
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(score, blocks))
        return outputs


def fuse(steps: list[Step]) -> list[Step]:
    """Each activation joins the weighted sum before it (one pass fewer over the values), and the
    scalings that start a weighted sum's casts move into its weights."""
    fused: list[Step] = []
    for step in steps:
        previous = fused[-1] if fused else None
        if isinstance(step, ElementWise) and isinstance(previous, WeightedSum):
            needed = max(previous.needed, step.needed)
            dtype = np.float64 if np.float64 in (previous.dtype, step.dtype) else float_type(needed)
            fused[-1] = dataclasses.replace(previous, dtype=dtype, after=previous.after + step.after, needed=needed)
            continue
        fused.append(step)
    for step in fused:
        if isinstance(step, WeightedSum):
            step.fold_scale()
    return fused


def _check_every_keras_layer_converted(keras_layers: dict, layers: list[dict]) -> None:
    """A Keras layer missing from hls4ml's graph was folded into another (a batch normalisation
    into a dense layer, say), whose weights then differ from the Keras ones: not modelled."""
    converted = {row.get("name") for row in layers}
    for name, layer in keras_layers.items():
        if type(layer).__name__ in TRAINING_ONLY or name in converted:
            continue
        raise UnsupportedLayer(
            f"Keras layer '{name}' ({type(layer).__name__}) is not in hls4ml's graph (folded into another layer?)"
        )


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the BLAS libraries loaded (looking them up takes milliseconds: once)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
