"""``QDenseBatchnorm``: its spec, its Keras build (``LAYER_TYPES["QDenseBatchnorm"]``) and the Keras layer.

The layer is cicada's own implementation of the maths of QKeras' ``QDenseBatchnorm``
(``qkeras/qdense_batchnorm.py`` in QKeras' sources after 0.9.0, which the 2026 CICADA students
train with), written for qkeras 0.9.0 and tf-keras. What it reproduces:

* **Structure and files.** A ``QDense`` (kernel, bias) with a Keras ``BatchNormalization`` in the
  attribute ``batchnorm`` (gamma, beta, moving mean and variance) and an ``int64`` step counter
  ``_iteration`` (starts at -1, +1 per training call), created in QKeras' order, and QKeras' config
  (the QDense keys, the batch-norm's keys, ``ema_freeze_delay``, ``folding_mode``): a model saved by
  QKeras' class loads into this one and the other way round.
* **Training.** The float output ``y = x W (+ b)`` runs through the batch-norm, which updates its
  moving statistics (Keras' EMA, ``momentum``); the batch's own mean and (biased) variance are taken
  of ``y`` over the batch. The batch-norm trains (batch statistics, moving statistics updated) while
  the layer trains, and with ``ema_freeze_delay = d >= 0`` only while the step counter is at most
  ``d`` (its first ``d + 2`` training steps, the counter starting at -1).
  With ``inv(v) = gamma / sqrt(v + epsilon)``:

  - ``folding_mode: ema_stats_folding`` (QKeras' default, as TFLite folds): the kernel is always
    folded with the moving variance, ``W' = inv(moving_var) W``; the bias with the batch's
    statistics while the batch-norm trains, ``b' = inv(var) (b - mean) + beta``, else with the moving
    ones; while training, the product ``x Q(W')`` is multiplied by ``sqrt(moving_var + eps) /
    sqrt(var + eps)`` while the batch-norm trains (by 1 after), so that the output is that of batch
    normalisation with the batch's statistics;
  - ``folding_mode: batch_stats_folding``: kernel and bias both folded with the batch's statistics
    while the batch-norm trains, with the moving ones after.

* **Quantization.** The folded kernel and bias pass through the kernel and bias quantizers, and the
  output is ``x Q_k(W') (x correction) + Q_b(b')``, then the activation (QKeras' order of float
  operations, so the same float32 values).
* **Inference** (and the firmware): ``x Q_k(inv W) + Q_b(inv (b - moving_mean) + beta)`` with
  ``inv = gamma / sqrt(moving_var + eps)`` (``b = 0`` without ``use_bias``: the folded bias exists
  either way). :meth:`get_folded_weights` gives ``inv W`` and ``inv (b - moving_mean) + beta``, from
  the same code as the call; the firmware's plain ``QDense`` (:meth:`folded_layer`) holds them with the
  same quantizers, so it computes exactly what this layer computes in inference.

Not reproduced (refused with a ValueError): batch renormalisation, virtual batches, ``adjustment``
and synchronized batch-norm; QKeras forwards them to Keras, where they would change the statistics
the folding uses.
"""

from __future__ import annotations

import functools
from typing import Literal, Optional

import numpy as np

from ...config.model import Flag, Integer, Number, option
from ...config.registries.layers import LayerSpec, Positive, Quantizer, layer_type

FOLDING_MODES = ("ema_stats_folding", "batch_stats_folding")


class QDenseBatchnormSpec(LayerSpec):
    """A QDense trained with a batch-norm folded into its quantized kernel and bias (QKeras' QDenseBatchnorm)."""

    type: Literal["QDenseBatchnorm"] = option("layer type")
    units: Positive = option("output units")
    kernel_quantizer: Quantizer = option("QKeras quantizer of the folded kernel, e.g. quantized_bits(8,1,1,alpha=1)")
    bias_quantizer: Quantizer = option(
        "QKeras quantizer of the folded bias, e.g. quantized_bits(8,3,1,alpha=1) (required: the folded bias "
        "exists even without use_bias)"
    )
    use_bias: Flag = option("learn a bias before the batch-norm (it is folded into the bias either way)", True)
    momentum: Number = option("batch-norm momentum of the moving mean and variance", 0.99, gt=0.0, lt=1.0)
    epsilon: Number = option("batch-norm epsilon added to the variance", 0.001, gt=0.0)
    folding_mode: Literal["ema_stats_folding", "batch_stats_folding"] = option(
        "ema_stats_folding: fold the kernel with the moving variance and correct the output while training "
        "(QKeras' default); batch_stats_folding: fold with the batch's statistics while the batch-norm trains",
        "ema_stats_folding",
    )
    ema_freeze_delay: Optional[Integer] = option(
        "the batch-norm trains while the layer's step counter (-1 before the first step) is at most this, then its "
        "statistics freeze (null: never)",
        None,
        ge=0,
    )


@functools.cache
def keras_class() -> type:
    """The Keras layer class ``QDenseBatchnorm`` (built once; importing TensorFlow is left to the first
    caller, since the config loads this module)."""
    from qkeras import QDense

    from ...core.tf import tensorflow

    tf = tensorflow()

    def choose(predicate, when_true, when_false):
        """``when_true()`` or ``when_false()``: at once for a Python bool, in the graph for a tensor."""
        if isinstance(predicate, bool):
            return when_true() if predicate else when_false()
        return tf.cond(predicate, when_true, when_false)

    class QDenseBatchnorm(QDense):
        """A quantized Dense layer with a batch-norm folded into its kernel and bias, as QKeras' (see
        :mod:`cicada.layers.qdensebatchnorm.keras`)."""

        def __init__(
            self,
            units,
            activation=None,
            use_bias=True,
            kernel_initializer="he_normal",
            bias_initializer="zeros",
            kernel_regularizer=None,
            bias_regularizer=None,
            activity_regularizer=None,
            kernel_constraint=None,
            bias_constraint=None,
            kernel_quantizer=None,
            bias_quantizer=None,
            kernel_range=None,
            bias_range=None,
            axis=-1,
            momentum=0.99,
            epsilon=0.001,
            center=True,
            scale=True,
            beta_initializer="zeros",
            gamma_initializer="ones",
            moving_mean_initializer="zeros",
            moving_variance_initializer="ones",
            beta_regularizer=None,
            gamma_regularizer=None,
            beta_constraint=None,
            gamma_constraint=None,
            renorm=False,
            renorm_clipping=None,
            renorm_momentum=0.99,
            fused=None,
            trainable=True,
            virtual_batch_size=None,
            adjustment=None,
            synchronized=False,
            ema_freeze_delay=None,
            folding_mode="ema_stats_folding",
            **kwargs,
        ):
            if renorm or virtual_batch_size is not None or adjustment is not None or synchronized:
                raise ValueError(
                    "QDenseBatchnorm: batch renormalisation, virtual batches, adjustment and synchronized batch-norm "
                    "change the statistics the folding uses; not supported"
                )
            if folding_mode not in FOLDING_MODES:
                raise ValueError(f"QDenseBatchnorm: folding_mode {folding_mode!r}, expected one of {FOLDING_MODES}")
            super().__init__(
                units=units,
                activation=activation,
                use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                bias_initializer=bias_initializer,
                kernel_regularizer=kernel_regularizer,
                bias_regularizer=bias_regularizer,
                activity_regularizer=activity_regularizer,
                kernel_constraint=kernel_constraint,
                bias_constraint=bias_constraint,
                kernel_quantizer=kernel_quantizer,
                bias_quantizer=bias_quantizer,
                kernel_range=kernel_range,
                bias_range=bias_range,
                trainable=trainable,
                **kwargs,
            )
            # a fixed name: the weights' names (in saved files) do not depend on what the process built before
            self.batchnorm = tf.keras.layers.BatchNormalization(
                axis=axis,
                momentum=momentum,
                epsilon=epsilon,
                center=center,
                scale=scale,
                beta_initializer=beta_initializer,
                gamma_initializer=gamma_initializer,
                moving_mean_initializer=moving_mean_initializer,
                moving_variance_initializer=moving_variance_initializer,
                beta_regularizer=beta_regularizer,
                gamma_regularizer=gamma_regularizer,
                beta_constraint=beta_constraint,
                gamma_constraint=gamma_constraint,
                fused=fused,
                trainable=trainable,
                name="batchnorm",
            )
            self.ema_freeze_delay = ema_freeze_delay
            self.folding_mode = folding_mode

        def build(self, input_shape):
            super().build(input_shape)
            # the training steps so far (QKeras: -1 before the first)
            self._iteration = tf.Variable(-1, trainable=False, name="iteration", dtype=tf.int64)
            self.batchnorm.build(tf.TensorShape(input_shape)[:-1].concatenate([self.units]))

        # ------------------------------------------------------------------ the folding
        def _inverse(self, variance):
            """``gamma / sqrt(variance + epsilon)``, as QKeras computes it."""
            inverse = tf.math.rsqrt(variance + self.batchnorm.epsilon)
            gamma = self.batchnorm.gamma
            return inverse * gamma if gamma is not None else inverse

        def _folded_bias(self, inverse, bias, mean):
            """``inverse (bias - mean) + beta``, as QKeras computes it."""
            folded = inverse * (bias - mean)
            beta = self.batchnorm.beta
            return folded + beta if beta is not None else folded

        def get_folded_weights(self):
            """The folded float kernel and bias of inference (moving statistics): ``[inv W, inv (b - mean) + beta]``
            (QKeras' name; what the firmware's QDense holds)."""
            bias = self.bias if self.use_bias else 0
            inverse = self._inverse(self.batchnorm.moving_variance)
            return [inverse * self.kernel, self._folded_bias(inverse, bias, self.batchnorm.moving_mean)]

        def folded_layer(self):
            """The plain QDense the firmware builds and its weights: this layer in inference."""
            layer = QDense(
                self.units,
                activation=self.activation,
                use_bias=True,
                kernel_quantizer=self.kernel_quantizer_internal,
                bias_quantizer=self.bias_quantizer_internal,
                name=self.name,
            )
            return layer, [np.asarray(weight) for weight in self.get_folded_weights()]

        def start_as_identity(self, inputs) -> None:
            """Set gamma, beta and the moving statistics from this layer's pre-norm outputs ``x W + b`` on ``inputs``
            (its input for some training images): ``gamma = sqrt(var + epsilon)``, ``beta`` = moving mean = the
            mean, moving variance = the variance. The batch-norm is then the identity on those images and the
            folded layer is the plain dense layer (kernel ``W``, bias ``b``), whatever the outputs' scale
            (``student.batchnorm.start: identity``)."""
            if self.batchnorm.gamma is None or self.batchnorm.beta is None:
                raise ValueError("QDenseBatchnorm: an identity start needs the batch-norm's gamma and beta")
            outputs = np.asarray(inputs, np.float32).reshape(len(inputs), -1) @ np.asarray(self.kernel)
            if self.use_bias:
                outputs = outputs + np.asarray(self.bias)
            mean, variance = outputs.mean(axis=0), outputs.var(axis=0)
            self.batchnorm.gamma.assign(np.sqrt(variance + self.batchnorm.epsilon))
            self.batchnorm.beta.assign(mean)
            self.batchnorm.moving_mean.assign(mean)
            self.batchnorm.moving_variance.assign(variance)

        # ------------------------------------------------------------------ the call
        def _training(self, training):
            """Whether this call trains (Keras' rule for a batch-norm: the learning phase when not given,
            never when the layer is frozen)."""
            if training is None:
                training = tf.keras.backend.learning_phase()
            if isinstance(training, int):
                training = bool(training)
            return False if not self.trainable else training

        def call(self, inputs, training=None):
            training = self._training(training)
            if self.ema_freeze_delay is None or self.ema_freeze_delay < 0:
                bn_training = training if isinstance(training, bool) else tf.cast(training, tf.bool)
            else:
                bn_training = tf.logical_and(
                    tf.cast(training, tf.bool), tf.less_equal(self._iteration, self.ema_freeze_delay)
                )
            outputs = tf.keras.backend.dot(inputs, self.kernel)
            bias = 0
            if self.use_bias:
                bias = self.bias
                outputs = tf.keras.backend.bias_add(outputs, bias, data_format="channels_last")
            self.batchnorm(outputs, training=bn_training)  # its output is unused: it updates the moving statistics
            self._iteration.assign_add(tf.cast(training, tf.int64))
            axes = [i for i in range(len(outputs.shape)) if i not in self.batchnorm.axis]
            mean, variance = tf.nn.moments(tf.cast(outputs, self.batchnorm.moving_mean.dtype), axes)
            moving_mean, moving_variance = self.batchnorm.moving_mean, self.batchnorm.moving_variance
            if self.folding_mode == "batch_stats_folding":
                inverse = self._inverse(choose(bn_training, lambda: variance, lambda: moving_variance))
                folded_bias = self._folded_bias(inverse, bias, choose(bn_training, lambda: mean, lambda: moving_mean))
            else:
                inverse = self._inverse(moving_variance)
                folded_bias = choose(
                    bn_training,
                    lambda: self._folded_bias(self._inverse(variance), bias, mean),
                    lambda: self._folded_bias(inverse, bias, moving_mean),
                )
            kernel = inverse * self.kernel
            if self.kernel_quantizer is not None:
                kernel = self.kernel_quantizer_internal(kernel)
            if self.bias_quantizer_internal is not None:
                folded_bias = self.bias_quantizer_internal(folded_bias)
            outputs = tf.keras.backend.dot(inputs, kernel)
            if training is True and self.folding_mode == "ema_stats_folding":
                epsilon = self.batchnorm.epsilon
                outputs = outputs * choose(
                    bn_training,
                    lambda: tf.math.sqrt(moving_variance + epsilon) * tf.math.rsqrt(variance + epsilon),
                    lambda: tf.ones_like(moving_variance),
                )
            outputs = tf.keras.backend.bias_add(outputs, folded_bias, data_format="channels_last")
            return self.activation(outputs) if self.activation is not None else outputs

        def get_config(self):
            config = {
                **super().get_config(),
                **self.batchnorm.get_config(),
                "ema_freeze_delay": self.ema_freeze_delay,
                "folding_mode": self.folding_mode,
            }
            config["name"] = self.name  # the batch-norm's keys include its own name
            return config

        def get_quantization_config(self):
            return {
                "kernel_quantizer": str(self.kernel_quantizer_internal),
                "bias_quantizer": str(self.bias_quantizer_internal),
            }

    QDenseBatchnorm.__module__ = __name__
    QDenseBatchnorm.__qualname__ = "QDenseBatchnorm"
    return QDenseBatchnorm


@layer_type("QDenseBatchnorm", QDenseBatchnormSpec, weights="dense", keras_class=keras_class)
def build_qdensebatchnorm(spec: QDenseBatchnormSpec, name: str):
    return keras_class()(
        spec.units,
        use_bias=spec.use_bias,
        kernel_quantizer=spec.kernel_quantizer,
        bias_quantizer=spec.bias_quantizer,
        momentum=spec.momentum,
        epsilon=spec.epsilon,
        folding_mode=spec.folding_mode,
        ema_freeze_delay=spec.ema_freeze_delay,
        name=name,
    )
