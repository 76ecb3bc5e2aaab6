"""Reading a model file someone else made, without running code from it.

Keras stores a ``Lambda`` layer as Python bytecode and a custom layer as a class name to
import; deserialising the model runs both. Before anything is deserialised, the layer list is
read from the file's stored config (plain JSON: ``model_config`` in an HDF5 file,
``config.json`` in a ``.keras`` zip) and every layer class must be one cicada knows from
Keras or QKeras. Only then is the model loaded (in Keras' safe mode where the format has it).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from ..core.errors import ModelError
from ..core.files import check_regular_file

#: Keras layer classes that hold no code of their own.
KERAS_LAYERS = frozenset(
    {
        "InputLayer",
        "Dense",
        "Conv1D",
        "Conv2D",
        "DepthwiseConv2D",
        "SeparableConv2D",
        "Conv2DTranspose",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "Softmax",
        "Flatten",
        "Reshape",
        "Permute",
        "Dropout",
        "SpatialDropout2D",
        "GaussianNoise",
        "AveragePooling1D",
        "AveragePooling2D",
        "MaxPooling1D",
        "MaxPooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "UpSampling2D",
        "ZeroPadding2D",
        "Cropping2D",
        "BatchNormalization",
        "LayerNormalization",
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
        "Dot",
        "LSTM",
        "GRU",
        "SimpleRNN",
        "Embedding",
    }
)
#: QKeras layer classes (qkeras 0.9.0).
QKERAS_LAYERS = frozenset(
    {
        "QDense",
        "QConv1D",
        "QConv2D",
        "QDepthwiseConv2D",
        "QSeparableConv2D",
        "QConv2DTranspose",
        "QActivation",
        "QBatchNormalization",
        "QConv2DBatchnorm",
        "QDepthwiseConv2DBatchnorm",
        "QDenseBatchnorm",
        "QAveragePooling2D",
        "QGlobalAveragePooling2D",
        "QAdaptiveActivation",
        "QLSTM",
        "QGRU",
        "QSimpleRNN",
    }
)
#: Containers whose layers are listed inside them.
MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})
#: What a model file's stored config may name anywhere (layers, and objects inside layer configs).
KNOWN_CLASSES = KERAS_LAYERS | QKERAS_LAYERS | MODEL_CLASSES
#: Classes that carry code: always refused.
CODE_CLASSES = frozenset({"Lambda", "TFOpLambda", "SlicingOpLambda"})


def stored_config(path: Path) -> dict:
    """The model's config as stored in the file (no deserialisation)."""
    path = Path(path)
    check_regular_file(path, ModelError, "an HDF5 (.h5) or Keras (.keras) model file (a folder: a SavedModel?)")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("config.json"))
        import h5py

        with h5py.File(path, "r") as handle:
            text = handle.attrs.get("model_config")
            if text is None:
                raise ModelError(f"{path}: no model config stored (weights only?); expected a whole Keras model")
            return json.loads(text.decode() if isinstance(text, bytes) else text)
    except ModelError:
        raise
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise ModelError(f"{path}: not a readable Keras model file ({type(err).__name__}: {err})") from None


def layer_configs(config: dict) -> list[tuple[str, str, dict]]:
    """(layer name, class name, layer config) of every layer, nested models included."""
    found: list[tuple[str, str, dict]] = []

    def visit(node: dict) -> None:
        class_name = node.get("class_name", "")
        inner = node.get("config", {}) if isinstance(node.get("config"), dict) else {}
        if class_name in MODEL_CLASSES or "layers" in inner:
            for layer in inner.get("layers", []):
                visit(layer)
            return
        found.append((inner.get("name", "?"), class_name, inner))

    visit(config)
    return found


def layer_classes(config: dict) -> list[tuple[str, str]]:
    """(layer name, class name) of every layer, nested models included."""
    return [(name, class_name) for name, class_name, _ in layer_configs(config)]


#: Layers cicada's firmware flow builds exactly from an imported model (``QDenseBatchnorm``: folded into
#: a QDense first, cicada/firmware/folding.py; cicada provides the class, which qkeras 0.9.0 lacks).
FIRMWARE_LAYERS = frozenset(
    {
        "InputLayer",
        "QDense",
        "QDenseBatchnorm",
        "QConv2D",
        "QConv2DBatchnorm",
        "QActivation",
        "Flatten",
        "Reshape",
        "AveragePooling2D",
        "MaxPooling2D",
        "Dropout",
        "Activation",
        "ReLU",
    }
)
#: Float layers with weights and their quantized counterparts.
FLOAT_WEIGHTS = {
    "Dense": "QDense",
    "Conv1D": "QConv1D",
    "Conv2D": "QConv2D",
    "DepthwiseConv2D": "QDepthwiseConv2D",
    "SeparableConv2D": "QSeparableConv2D",
    "Conv2DTranspose": "QConv2DTranspose",
}


def _quantizer_set(value) -> bool:
    return value not in (None, "", {}) and not (isinstance(value, dict) and value.get("config") is None and not value)


def check_firmware_layers(path: Path, layers: list[tuple[str, str, dict]]) -> None:
    """One clear error, before any conversion, for a layer the firmware cannot reproduce bit for bit."""
    for name, class_name, config in layers:
        if class_name in FLOAT_WEIGHTS:
            raise ModelError(
                f"{path}: layer '{name}' is a float {class_name}: its weights are not quantized, so no fixed-point "
                f"firmware reproduces it bit for bit; use {FLOAT_WEIGHTS[class_name]} with a kernel (and bias) quantizer"
            )
        if class_name in ("BatchNormalization", "QBatchNormalization"):
            raise ModelError(
                f"{path}: layer '{name}' ({class_name}) scales by factors the firmware cannot reproduce exactly: fold it "
                "into the layer before it (e.g. QConv2DBatchnorm) or train without it"
            )
        if class_name not in FIRMWARE_LAYERS:
            raise ModelError(
                f"{path}: layer '{name}' ({class_name}) is not supported by cicada's firmware flow (supported: "
                f"{', '.join(sorted(FIRMWARE_LAYERS))})"
            )
        if class_name in ("QDense", "QDenseBatchnorm", "QConv2D", "QConv2DBatchnorm"):
            if not _quantizer_set(config.get("kernel_quantizer")):
                raise ModelError(
                    f"{path}: layer '{name}' ({class_name}) has no kernel quantizer: float weights are not bit-exact"
                )
            # a batch-norm folds into a bias whether or not the layer learns one of its own
            has_bias = config.get("use_bias", True) or class_name == "QDenseBatchnorm"
            if has_bias and not _quantizer_set(config.get("bias_quantizer")):
                raise ModelError(
                    f"{path}: layer '{name}' ({class_name}) has a float bias (no bias quantizer): not bit-exact"
                )
        if class_name == "Activation" and config.get("activation") not in ("linear", "relu"):
            raise ModelError(
                f"{path}: layer '{name}' applies a float {config.get('activation')!r}: not bit-exact in fixed point; "
                "use a QActivation (e.g. quantized_relu)"
            )


def check_model_file(path: Path, firmware: bool = True) -> list[tuple[str, str]]:
    """Refuse a model file that would run code when loaded, or (``firmware``) that the firmware
    flow cannot build exactly; returns its (name, class) layers."""
    configs = layer_configs(stored_config(path))
    layers = [(name, class_name) for name, class_name, _ in configs]
    for name, class_name in layers:
        if class_name in CODE_CLASSES:
            raise ModelError(
                f"{path}: layer '{name}' is a {class_name}, which stores Python code that loading would run; "
                "refused (rewrite it as a standard Keras/QKeras layer)"
            )
        if class_name not in KNOWN_CLASSES:
            raise ModelError(
                f"{path}: layer '{name}' has class {class_name!r}, which is not a Keras or QKeras layer; a custom "
                "layer is code that loading would import and run: refused"
            )
    if firmware:
        check_firmware_layers(path, configs)
    return layers
