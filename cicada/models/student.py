"""The student stage: a QKeras network regressing ``32 ln(teacher score)``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config.registries.layers import keras_custom_objects
from ..core.chunks import chunk_for, in_chunks
from ..core.errors import ModelError
from ..core.files import atomic_path
from ..core.seeds import numpy_stream
from ..core.tf import save_h5, seed_everything, tensorflow
from ..data.outliers import make_outliers
from ..data.student_inputs import DEFAULT, encode, input_kind
from .score import SCORE_MAX, student_target
from .students import STUDENTS, input_of
from .teacher import TrainedTeacher
from .training import TrainingResult, fit, remove_checkpoint

if TYPE_CHECKING:
    from ..config.sections import StudentConfig

STUDENT_FILE = "student.h5"


def with_outliers(config: "StudentConfig", images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``images`` plus the configured share of generated outliers (outlier exposure), in the layout
    of ``images`` (with bits when they have them)."""
    exposure = config.outlier_exposure
    count = round(exposure.fraction * len(images))
    if count == 0:
        return images
    return np.concatenate([images, make_outliers(images, count, exposure.kinds, rng)])


def distillation_set(
    config: "StudentConfig", images: np.ndarray, teacher: TrainedTeacher, seed: int, part: str
) -> tuple[np.ndarray, np.ndarray]:
    """The student's ``part`` ("train" or "val") images (the layout of ``images``): zero-bias plus
    outliers drawn from the seeded stream ``outliers/<part>``, and the teacher's score of each
    (whatever the teacher reads: an ET-only student learns a three-channel teacher's score)."""
    mixed = with_outliers(config, images, numpy_stream(seed, f"outliers/{part}"))
    return mixed, teacher.score(mixed)


def inverse_histogram_weights(targets: np.ndarray, bins: int, cap: float) -> np.ndarray:
    """Per-sample weights proportional to 1 / (how common the target is), mean 1, capped."""
    edges = np.linspace(0.0, SCORE_MAX + 1e-9, bins + 1)
    index = np.clip(np.searchsorted(edges, targets, side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    weights = 1.0 / counts[index]
    for _ in range(50):  # capping lowers the mean, so cap and renormalise until it holds
        weights /= weights.mean()
        if weights.max() <= cap * (1 + 1e-6):
            break
        weights = np.minimum(weights, cap)
    return (weights / weights.mean()).astype(np.float32)


def build(config: "StudentConfig"):
    """The configured student model; a layer Keras cannot build is a ModelError naming it."""
    tensorflow()
    try:
        return STUDENTS.get(config.architecture).build(config)
    except ValueError as err:
        raise ModelError(str(err)) from None


def train_student(
    config: "StudentConfig",
    train_images: np.ndarray,
    train_mse: np.ndarray,
    val_images: np.ndarray,
    val_mse: np.ndarray,
    out_dir: Path,
    seed: int,
    resume_key: str | None = None,
    check=None,
    start_from: Path | None = None,
) -> tuple[Any, TrainingResult]:
    """Train the student on teacher scores (``train_mse``, ``val_mse``: the teacher's score of each
    image, whatever its architecture); saves ``student.h5``, history and loss curve.

    ``check`` (optional) is called with the untrained model before training, e.g. to make
    sure hls4ml can convert it before hours are spent on it. ``start_from``: a trained student
    whose weights training starts from (``student.start_from`` resolved). With
    ``student.adder_cost`` the training also pays for the kernels' adders
    (:mod:`.adder_cost_training`).
    """
    out_dir = Path(out_dir)
    seed_everything(seed)  # before building: the initial weights are drawn here
    model = build(config)
    if check is not None:
        check(model)
    kind = input_of(config)
    if start_from is not None:
        load_start_weights(model, Path(start_from))
    trainer = model
    if config.adder_cost.logged():
        from .adder_cost_training import cost_trainer, resumed_epochs

        resumed = resumed_epochs(out_dir, "student", resume_key) if resume_key else 0
        trainer = cost_trainer(model, config.adder_cost, out_dir, resumed)
    train_inputs = encode(kind, train_images, "the student's training images")
    if config.batchnorm.start == "identity" and start_from is None:
        start_batchnorms_as_identity(model, train_inputs[:IDENTITY_START_IMAGES])
    targets = student_target(train_mse).astype(np.float32)
    weights = None
    if config.sample_weights.enabled:
        weights = inverse_histogram_weights(targets, config.sample_weights.bins, config.sample_weights.cap)
    result = fit(
        trainer,
        train_inputs,
        targets,
        encode(kind, val_images, "the student's validation images"),
        student_target(val_mse).astype(np.float32),
        label="student",
        epochs=config.epochs,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        patience=config.patience,
        loss=config.loss,
        optimizer=config.optimizer,
        lr_patience=config.lr_patience,
        lr_factor=config.lr_factor,
        seed=seed,
        out_dir=out_dir,
        resume_key=resume_key,
        sample_weight=weights,
    )
    save_student(model, out_dir / STUDENT_FILE)
    remove_checkpoint(out_dir, "student")
    return model, result


#: the training images whose pre-norm outputs start the batch-norms (student.batchnorm.start: identity)
IDENTITY_START_IMAGES = 4096


def start_batchnorms_as_identity(model, inputs: np.ndarray) -> None:
    """Every batch-normalised dense layer of ``model`` started as the identity on ``inputs`` (the model's input
    for some training images): its folded kernel and bias are then its dense layer's (QDenseBatchnorm's
    ``start_as_identity``)."""
    for layer in model.layers:
        if hasattr(layer, "start_as_identity"):
            reaching = tensorflow().keras.Model(model.input, layer.input)
            layer.start_as_identity(reaching.predict(inputs, batch_size=4096, verbose=0))


def load_start_weights(model, path: Path) -> None:
    """``model``'s weights from the student in ``path``, which must have the same layers with weights of
    the same shapes (one error naming the first that differs)."""
    if not path.exists():
        raise ModelError(f"student.start_from: {path} not found (build the student it names first)")
    start = import_student(path)
    theirs = {layer.name: [w.shape for w in layer.get_weights()] for layer in start.layers if layer.get_weights()}
    ours = {layer.name: [w.shape for w in layer.get_weights()] for layer in model.layers if layer.get_weights()}
    if theirs != ours:
        differ = next((n for n in ours if theirs.get(n) != ours[n]), None) or next(n for n in theirs if n not in ours)
        raise ModelError(
            f"student.start_from: {path} does not have this student's layers with weights (layer '{differ}': "
            f"{theirs.get(differ, 'missing')} there, {ours.get(differ, 'missing')} here)"
        )
    for layer in model.layers:
        if layer.name in ours:
            layer.set_weights(start.get_layer(layer.name).get_weights())


def save_student(model, path: Path) -> None:
    with atomic_path(path) as tmp:
        save_h5(model, tmp)


def load_student(path: Path):
    """Load a QKeras model saved as HDF5 (custom quantizers included, and the layer classes cicada
    provides that QKeras 0.9.0 lacks, e.g. ``QDenseBatchnorm``)."""
    tensorflow()
    from qkeras.utils import load_qmodel

    return load_qmodel(str(path), custom_objects=keras_custom_objects(), compile=False)


def import_student(path: Path, input_name: str = DEFAULT):
    """A QKeras model trained elsewhere, checked to take the input of ``student.input`` (``input_name``)
    and give one score.

    The file's stored config is inspected first: a model with a Lambda or custom layer (code
    that loading would run) is refused before anything is deserialised.
    """
    from .model_file import check_model_file

    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: model file not found")
    check_model_file(path)
    try:
        model = load_student(path)
    except Exception as err:  # Keras raises many kinds: OSError, ValueError, KeyError...
        raise ModelError(f"{path}: not a loadable Keras/QKeras model ({type(err).__name__}: {err})") from None
    shape = tuple(model.input_shape[1:])
    kind = input_kind(input_name)
    if int(np.prod(shape)) != kind.size:
        raise ModelError(
            f"{path}: the model takes inputs of shape {shape}, expected {kind.size} values per event: "
            f"{kind.values} of 18 x 14 regions (student.input: {kind.name})"
        )
    if tuple(model.output_shape[1:]) != (1,):
        raise ModelError(f"{path}: the model outputs shape {tuple(model.output_shape[1:])}, expected (1,): one score")
    return model


def student_scores(model, images: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """The QKeras student's output for its inputs (N events of its input values, e.g. the encoded
    input of :mod:`cicada.data.student_inputs`, or ET images (N, 18, 14) for an ET student), float64 (N,);
    a chunk at a time, so that the float32 copy Keras reads is a chunk's."""

    def score_chunk(part: np.ndarray) -> np.ndarray:
        inputs = np.asarray(part, dtype=np.float32).reshape(-1, *model.input_shape[1:])
        out = model.predict(inputs, batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype=np.float64).reshape(len(part), -1)[:, 0]

    return in_chunks(score_chunk, np.asarray(images), chunk_for(batch_size))


def _float_activation(quantizer) -> str:
    """The float activation a QKeras activation quantizer stands for: relu for quantized_relu, else linear."""
    name = type(quantizer).__name__ if not isinstance(quantizer, str) else quantizer
    return "relu" if "relu" in str(name) else "linear"


def _folds_dense_batchnorm(layer) -> bool:
    """A dense layer that trains with a batch-norm folded into its weights (QKeras' and cicada's QDenseBatchnorm)."""
    return callable(getattr(layer, "get_folded_weights", None)) and hasattr(layer, "units")


def float_twin(model):
    """The student without quantization: same float weights, plain Keras layers, ReLU where the
    student has a quantized ReLU. Measures what quantization costs (the 'float student').

    A dense layer trained with a batch-norm (QDenseBatchnorm) becomes a Dense holding its folded float
    weights (the batch-norm with its moving statistics, as in inference). None for a model with a layer
    that has no float twin here (e.g. QConv2DBatchnorm); the report then has no float student.
    """
    tf = tensorflow()
    from qkeras import QActivation, QConv2D, QDense

    def clone(layer):
        config = layer.get_config()
        if _folds_dense_batchnorm(layer):
            activation = _float_activation(layer.activation)
            return tf.keras.layers.Dense(config["units"], use_bias=True, name=config["name"], activation=activation)
        if type(layer) is QConv2D:
            keep = ("filters", "kernel_size", "strides", "padding", "use_bias", "name")
            activation = _float_activation(layer.activation)
            return tf.keras.layers.Conv2D(**{k: config[k] for k in keep}, activation=activation)
        if type(layer) is QDense:
            activation = _float_activation(layer.activation)
            return tf.keras.layers.Dense(**{k: config[k] for k in ("units", "use_bias", "name")}, activation=activation)
        if isinstance(layer, QActivation):
            if _float_activation(layer.quantizer) == "relu":
                return tf.keras.layers.ReLU(name=layer.name)
            return tf.keras.layers.Activation("linear", name=layer.name)
        if type(layer).__name__.startswith("Q"):
            raise TypeError(f"no float twin for {type(layer).__name__}")
        return layer.__class__.from_config(config)

    try:
        with warnings.catch_warnings():  # Keras complains about serialising qkeras quantizers in get_config
            warnings.simplefilter("ignore", UserWarning)
            twin = tf.keras.models.clone_model(model, clone_function=clone)
        for source, target in zip(model.layers, twin.layers):
            if _folds_dense_batchnorm(source):
                target.set_weights([np.asarray(weight) for weight in source.get_folded_weights()])
            else:
                target.set_weights(source.get_weights())
    except (TypeError, ValueError) as err:
        from ..core.progress import log

        log.info(f"  no float twin of this model ({err}): the report has no unquantized student")
        return None
    return twin


def layer_summary(model) -> list[dict]:
    """One row per layer: name, class, output shape, parameters, quantizers and activation."""
    rows = []
    for layer in model.layers:
        row = {
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": [d for d in layer.output_shape[1:]],
            "parameters": int(layer.count_params()),
        }
        for attribute in ("kernel_quantizer", "bias_quantizer"):
            quantizer = getattr(layer, attribute, None)
            if quantizer:
                row[attribute.replace("_quantizer", "")] = str(quantizer)
        if type(layer).__name__ == "QActivation":
            row["activation"] = str(layer.activation)
        rows.append(row)
    return rows
