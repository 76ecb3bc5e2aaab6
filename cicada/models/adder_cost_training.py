"""Training a student for the adders it costs: ``student.adder_cost`` applied to a Keras model.

Three tools, per layer with a ``quantized_bits`` kernel (:mod:`cicada.config.adder_cost`):

- **L1 on the quantized kernel**: ``l1 x sum |n| x applications``, with ``n`` each quantized
  weight in LSBs. The quantizer's straight-through estimator (QKeras') passes the gradient
  ``sign(n)`` on to the float weight.
- **CSD terms**: ``digits x sum terms(n) x applications``. The count is exact in the forward
  pass; its gradient is a straight-through estimate: ``(terms(n) - terms(m)) / (n - m)`` with
  ``m`` the nearest integer with fewer terms (:func:`~.adder_cost.cheaper_neighbour_slope`),
  read from a table over the quantizer's range.
- **Magnitude pruning**: TensorFlow Model Optimization's ``prune_low_magnitude`` with a
  ``ConstantSparsity`` schedule from the first step (QKeras layers are tfmot-prunable); a kept
  mask holds the smallest weights at zero. Its wrappers exist only while training: the saved
  student is the plain model, whose layers they wrapped.

The penalties are Keras model losses (``add_loss``), so the training loss and the validation
loss (and with it early stopping and the best epoch) include them. The model trained is a
:class:`CostTrainer` sharing the student's layers: its ``fit`` adds the pruning callback and a
callback that logs the kernels' cost (:mod:`.adder_cost`) after every epoch, to the build
log and to ``student_adder_cost.csv``. Nothing here runs when ``adder_cost`` lists no layer.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..core.errors import ModelError
from ..core.files import write_text
from ..core.progress import log
from ..core.tf import tensorflow
from .adder_cost import applications, cheaper_neighbour_slope, describe, kernel_lsb, model_cost

COST_LOG = "student_adder_cost.csv"


def _integer_range(layer) -> tuple[int, int]:
    quantizer = layer.kernel_quantizer_internal
    half = 2 ** (int(quantizer.bits) - 1)
    return -half, half


def l1_penalty(layer, strength: float):
    """A zero-argument callable: ``strength x sum |quantized kernel| / LSB x applications``."""
    tf = tensorflow()
    scale = strength * applications(layer) / kernel_lsb(layer)

    def penalty():
        return scale * tf.reduce_sum(tf.abs(layer.kernel_quantizer_internal(layer.kernel)))

    return penalty


def digits_penalty(layer, strength: float):
    """A zero-argument callable: ``strength x CSD terms of the quantized kernel x applications``,
    with the straight-through gradient toward each weight's nearest cheaper value."""
    tf = tensorflow()
    low, high = _integer_range(layer)
    from .adder_cost import csd_terms

    values = np.arange(low, high + 1)
    terms = tf.constant(csd_terms(values).astype(np.float32))
    slopes = tf.constant(cheaper_neighbour_slope(low, high).astype(np.float32))
    lsb = kernel_lsb(layer)
    scale = strength * applications(layer)

    @tf.custom_gradient
    def counted(n):
        index = tf.clip_by_value(tf.cast(tf.round(n), tf.int32) - low, 0, high - low)
        slope = tf.gather(slopes, index)

        def gradient(upstream):
            return upstream * slope

        return tf.gather(terms, index), gradient

    def penalty():
        n = layer.kernel_quantizer_internal(layer.kernel) / lsb
        return scale * tf.reduce_sum(counted(n))

    return penalty


def _checked_layers(model, config) -> dict:
    """The listed layers, each with a quantized_bits kernel (alpha 1): one error naming the first that is not."""
    layers = {}
    for name in config.layers:
        try:
            layer = model.get_layer(name)
        except ValueError:
            raise ModelError(f"student.adder_cost.layers.{name}: the student has no layer '{name}'") from None
        if kernel_lsb(layer) is None:
            raise ModelError(
                f"student.adder_cost.layers.{name}: expected a layer with a quantized_bits kernel quantizer "
                f"(alpha 1), got {type(layer).__name__} with {getattr(layer, 'kernel_quantizer', None)}"
            )
        layers[name] = layer
    return layers


def _pruned(model, layers: dict, config):
    """``model`` with the layers that have a sparsity target wrapped by tfmot's prune_low_magnitude
    (the same layer objects: training them trains the student)."""
    targets = {name: cost.sparsity for name, cost in config.layers.items() if cost.sparsity}
    if not targets:
        return model
    tf = tensorflow()
    import tensorflow_model_optimization as tfmot

    sparsity = tfmot.sparsity.keras

    def wrap(layer):
        if layer.name not in targets:
            return layer
        schedule = sparsity.ConstantSparsity(targets[layer.name], begin_step=0, frequency=config.pruning_frequency)
        return sparsity.prune_low_magnitude(layer, pruning_schedule=schedule)

    return tf.keras.models.clone_model(model, clone_function=wrap)


class CostLog:
    """The cost of every quantized_bits kernel after every epoch: a log line and one row of
    ``student_adder_cost.csv`` (a resumed training keeps the rows of the epochs it resumes after)."""

    def __init__(self, model, path: Path, resumed_epochs: int):
        self.model, self.path = model, Path(path)
        self.names = list(model_cost(model))
        self.rows = self._read()[:resumed_epochs]

    def _read(self) -> list[list[str]]:
        if not self.path.exists():
            return []
        with open(self.path, newline="") as handle:
            return list(csv.reader(handle))[1:]

    def header(self) -> list[str]:
        columns = ["epoch", "adder_terms"]
        for name in self.names:
            columns += [f"{name}:terms", f"{name}:zeros", f"{name}:mean_abs_lsb"]
        return columns

    def record(self) -> None:
        costs = model_cost(self.model)
        epoch = len(self.rows) + 1
        row = [str(epoch), str(sum(c.adder_terms for c in costs.values()))]
        for name in self.names:
            cost = costs[name]
            row += [str(cost.terms), str(cost.zeros), f"{cost.mean_abs_lsb:.4g}"]
        self.rows.append(row)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.header())
        writer.writerows(self.rows)
        write_text(self.path, buffer.getvalue())
        log.info(f"  student epoch {epoch:>3} adder cost (estimate): {describe(costs)}")


def cost_trainer(model, config, out_dir: Path, resumed_epochs: int):
    """The model to train in place of ``model`` (whose layers it shares), with ``config``'s penalties,
    pruning and per-epoch cost log; ``resumed_epochs``: epochs a resumed training already ran."""
    tf = tensorflow()
    layers = _checked_layers(model, config)
    network = _pruned(model, layers, config)
    callbacks = []
    if network is not model:
        import tensorflow_model_optimization as tfmot

        callbacks.append(tfmot.sparsity.keras.UpdatePruningStep())
    cost_log = CostLog(model, Path(out_dir) / COST_LOG, resumed_epochs)
    callbacks.append(_EpochEnd(cost_log.record))

    class CostTrainer(tf.keras.Model):
        """The student's graph, trained with the extra callbacks on every ``fit``."""

        def fit(self, *args, **kwargs):
            kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), *callbacks]
            return super().fit(*args, **kwargs)

    trainer = CostTrainer(network.inputs, network.outputs, name=model.name)
    for name, layer in layers.items():
        cost = config.layers[name]
        if cost.l1:
            trainer.add_loss(l1_penalty(layer, cost.l1))
        if cost.digits:
            trainer.add_loss(digits_penalty(layer, cost.digits))
    return trainer


def resumed_epochs(out_dir: Path, label: str, key: str) -> int:
    """Epochs a training with this checkpoint ``key`` already finished (0 when it starts afresh)."""
    from .training import _load_checkpoint, checkpoint_path

    restored = _load_checkpoint(checkpoint_path(out_dir, label), key)
    return restored[0].epoch if restored is not None else 0


def _EpochEnd(action):
    tf = tensorflow()

    class EpochEnd(tf.keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            action()

    return EpochEnd()
