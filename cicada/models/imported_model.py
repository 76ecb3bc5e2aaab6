"""A model file for ``cicada convert --model``: QKeras (bit-exact firmware) or float (derived types).

The file's stored config is read first (:mod:`.model_file`): a Lambda or custom layer, code that
loading would run, is refused before anything is deserialised, whatever the model. Then:

* a model whose weighted layers are all QKeras takes the QKeras path (:func:`.student.import_student`:
  every layer must be one the firmware reproduces bit for bit);
* a model with a plain Keras Dense or Conv2D is a float model: its layers must be ones the float
  path converts (:data:`FLOAT_FILE_LAYERS`, checked on the stored config before loading), and its
  types are derived rather than proven exact (``cicada.firmware.float_types``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import ModelError
from ..data.student_inputs import DEFAULT, input_kind

#: Keras classes whose weights make a model float when QKeras does not quantize them
FLOAT_WEIGHTED = frozenset({"Dense", "Conv2D"})
#: Keras classes of a float model the float path converts (hls4ml 1.3.0 and cicada's type derivation)
FLOAT_FILE_LAYERS = frozenset(
    {
        "InputLayer",
        "Dense",
        "Conv2D",
        "LayerNormalization",
        "LeakyReLU",
        "ReLU",
        "Activation",
        "MaxPooling2D",
        "Flatten",
        "Reshape",
        "Permute",
        "Dropout",
        "BatchNormalization",  # a power-of-two scaling per channel only (checked at conversion)
        "Multiply",  # of a layer's output with itself (a square), e.g. an encoder trigger's score
        # a mixed model's QKeras layers: their quantizers fix their types
        "QDense",
        "QConv2D",
        "QActivation",
    }
)
#: Containers whose layers the stored config lists inside them
CONTAINERS = frozenset({"Functional", "Model", "Sequential"})


def is_float_file(layers: list[tuple[str, str]]) -> bool:
    return any(class_name in FLOAT_WEIGHTED for _, class_name in layers)


def import_model(path: Path, input_name: str = DEFAULT, outputs: int | None = 1):
    """The model of ``path`` checked as the module doc says; ``outputs``: the values it must give per
    event (None: any)."""
    from .model_file import check_model_file
    from .student import import_student, load_student

    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: model file not found")
    layers = check_model_file(path, firmware=False)  # code-carrying layers: refused before deserialising
    if not is_float_file(layers):
        return import_student(path, input_name)
    for name, class_name in layers:
        if class_name not in FLOAT_FILE_LAYERS | CONTAINERS:
            raise ModelError(
                f"{path}: layer '{name}' ({class_name}) is not supported in a float model (supported: "
                f"{', '.join(sorted(FLOAT_FILE_LAYERS))})"
            )
    try:
        model = load_student(path)
    except Exception as err:  # Keras raises many kinds: OSError, ValueError, KeyError...
        raise ModelError(f"{path}: not a loadable Keras model ({type(err).__name__}: {err})") from None
    kind = input_kind(input_name)
    shape = tuple(model.input_shape[1:])
    if int(np.prod(shape)) != kind.size:
        raise ModelError(
            f"{path}: the model takes inputs of shape {shape}, expected {kind.size} values per event: "
            f"{kind.values} of 18 x 14 regions (student.input: {kind.name})"
        )
    if outputs is not None and int(np.prod(model.output_shape[1:])) != outputs:
        raise ModelError(
            f"{path}: the model outputs shape {tuple(model.output_shape[1:])}, expected ({outputs},): one score"
        )
    return model
