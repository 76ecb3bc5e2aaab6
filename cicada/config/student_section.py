"""The ``student`` section of a build config: which student architecture, what it reads of a region,
how it trains. :class:`~cicada.config.sections.BuildConfig` holds it; ``comparison.students``
(:mod:`.comparison`) trains more students with some of its keys replaced.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal, Optional

from pydantic import model_validator

from ..plugins import load as load_plugins
from .adder_cost import AdderCostConfig
from .model import (
    ConfigModel,
    Integer,
    Number,
    OneOf,
    TaggedUnion,
    Text,
    invalid,
    option,
    rebuild_on_change,
)
from .registries.layers import LAYER_TYPES, LayerSpec, layer_names
from .registries.student_inputs import STUDENT_INPUTS
from .registries.students import STUDENTS

# The section reads the layer-type, student and input registries: the built-in plug-ins fill them first.
load_plugins()

#: ``student.input`` left out: region ET, what every student read before the region bits
DEFAULT_STUDENT_INPUT = "et"
#: ``hls.input_precision`` left out (and ``student.input`` at its default)
DEFAULT_INPUT_PRECISION = "ap_uint<10>"

#: a ``student.layers`` entry: its ``type`` picks the model from the layer-type registry
StudentLayer = Annotated[LayerSpec, TaggedUnion(LAYER_TYPES, "type", lambda layer: layer.spec)]


# --------------------------------------------------------------------------- models
class SampleWeightConfig(ConfigModel):
    """Weights from the inverse histogram of the target, so rare (high) scores count more."""

    enabled: bool = option("weight training samples", False)
    bins: Integer = option("histogram bins over the score range [0, 256)", 64, ge=2)
    cap: Number = option("largest weight relative to the mean weight", 10.0, ge=1.0)


class OutlierExposureConfig(ConfigModel):
    """Generated outliers mixed into the student's training and validation (scored by the teacher)."""

    fraction: Number = option("outliers per zero-bias training image", 0.0, ge=0.0, le=1.0)
    kinds: tuple[Literal["uniform", "patch_swap", "hot_spots"], ...] = option(
        "uniform: random region values; patch_swap: a patch moved from one zero-bias image into another; "
        "hot_spots: zero-bias plus 1-3 localised deposits of 4-500 GeV (measured best here)",
        ("hot_spots",),
    )

    @model_validator(mode="after")
    def _some(self):
        if not self.kinds:
            raise invalid("expected at least one kind, got an empty list", "kinds")
        return self


class BatchnormConfig(ConfigModel):
    """How the student's batch-normalised dense layers (QDenseBatchnorm) start and when their statistics freeze.

    With Keras' start (gamma 1, beta 0, moving variance 1) the folded kernel ``gamma W / sqrt(moving_var)``
    shrinks below the kernel quantizer's step as the moving variance grows to the layer's real output variance
    (about 500 for CICADA v2's first dense layer on region images), and the student can stop learning
    (measured: README, Students). ``start: identity`` sets gamma, beta and the moving statistics from the
    layer's pre-norm outputs on training images, so the folded layer starts as the plain dense layer it
    folds into (kernel W, bias b); ``ema_freeze_delay`` then freezes the statistics (QKeras' own key) so
    that training sees the folded, quantized weights the firmware holds."""

    start: Literal["keras", "identity"] = option(
        "keras: Keras' initial gamma, beta and moving statistics (QKeras' QDenseBatchnorm as published); identity: "
        "gamma, beta and the moving statistics from the layer's pre-norm outputs on up to 4096 training images, so "
        "the folded layer starts as its plain dense layer (ignored with student.start_from)",
        "keras",
    )
    ema_freeze_delay: Optional[Integer] = option(
        "training steps after which the batch-norm statistics freeze (QKeras' ema_freeze_delay) in every "
        "QDenseBatchnorm of a named architecture (a custom layer sets its own); null: never (QKeras' default)",
        None,
        ge=0,
    )


@rebuild_on_change(LAYER_TYPES, STUDENTS, STUDENT_INPUTS)
class StudentConfig(ConfigModel):
    """The quantization-aware QKeras student that regresses 32*ln(teacher score)."""

    #: Keys added after builds were made with this section: left out of stage fingerprints while at
    #: their default, so an ET-only build's student section hashes (and trains) as it did before them.
    fingerprint_omits_defaults: ClassVar[tuple[str, ...]] = (
        "input",
        "optimizer",
        "lr_patience",
        "lr_factor",
        "start_from",
        "adder_cost",
        "firmware",
        "encoder_score",
        "batchnorm",
    )

    architecture: Annotated[str, OneOf(STUDENTS)] = option(
        "student architecture (custom: the list under layers)", "cicada_v2"
    )
    input: Annotated[str, OneOf(STUDENT_INPUTS)] = option(
        "what the student reads of each region (cicada/data/student_inputs.py): "
        + "; ".join(f"{name}: {kind.description}" for name, kind in STUDENT_INPUTS.items()),
        DEFAULT_STUDENT_INPUT,
    )
    layers: tuple[StudentLayer, ...] = option(
        "architecture custom: the layers after the flat input (252 values; 756 with input channels), ending in "
        "QActivation quantized_relu(16, 8)",
        (),
    )
    epochs: Integer = option("maximum training epochs", 60, ge=1)
    batch_size: Integer = option("training batch size", 1024, ge=1)
    learning_rate: Number = option("initial learning rate of the optimizer", 1e-3, gt=0.0)
    patience: Integer = option("epochs without validation improvement before early stopping", 8, ge=1)
    optimizer: Literal["adam", "nadam"] = option(
        "adam, or nadam (Adam with Nesterov momentum, as the CICADA 2026 students train)", "adam"
    )
    lr_patience: Optional[Integer] = option(
        "epochs without validation improvement before the learning rate is multiplied by lr_factor "
        "(Keras' ReduceLROnPlateau; CICADA 2026: 10); null: max(1, patience // 2)",
        None,
        ge=1,
    )
    lr_factor: Number = option(
        "what a plateau multiplies the learning rate by (Keras' ReduceLROnPlateau default, as CICADA 2026 trains: 0.1)",
        0.5,
        gt=0.0,
        lt=1.0,
    )
    loss: Literal["mae", "mse"] = option("regression loss", "mae")
    sample_weights: SampleWeightConfig = option("inverse-histogram sample weights", SampleWeightConfig())
    outlier_exposure: OutlierExposureConfig = option("outlier exposure", OutlierExposureConfig())
    start_from: Optional[Text] = option(
        "a trained student (.h5 with the same layers, e.g. ../models/cicada_v2/student.h5 of the base build) whose "
        "weights training starts from (fine-tuning), relative to the config's folder; null: the seeded initial weights",
        None,
    )
    adder_cost: AdderCostConfig = option(
        "regularisers toward a cheaper multiplier-free adder graph, per layer (off by default)", AdderCostConfig()
    )
    batchnorm: BatchnormConfig = option(
        "the start and the statistics freeze of the student's QDenseBatchnorm layers (CICADA 2026)", BatchnormConfig()
    )
    firmware: Literal["trained", "teacher_encoder"] = option(
        "what becomes the firmware: trained, the student trained here; teacher_encoder, the cicada_2026_vae "
        "teacher's encoder through its latent mean with a score of the latent (student.encoder_score), converted on "
        "the float path (types derived and labelled; student.input: channels)",
        "trained",
    )
    encoder_score: Literal["sum_of_squares", "kl"] = option(
        "student.firmware teacher_encoder: the score of the latent: sum_of_squares (of the latent means); kl (the "
        "KL term with the sigma branch) is refused: it needs a logarithm, which hls4ml 1.3.0 lacks",
        "sum_of_squares",
    )

    @model_validator(mode="after")
    def _layers(self):
        if self.architecture != "custom":
            if self.layers:
                raise invalid(f"expected no layers with architecture '{self.architecture}' (use custom)", "layers")
            return self
        if not self.layers:
            raise invalid("expected a list of layers for architecture custom", "layers")
        last = self.layers[-1]
        if last.type != "QActivation" or re.sub(r"\s", "", getattr(last, "activation", "")) != "quantized_relu(16,8)":
            raise invalid(
                "expected the last layer to be QActivation quantized_relu(16, 8): the score is ufixed<16,8>",
                f"layers.{len(self.layers) - 1}",
            )
        names = layer_names(self.layers)
        for i, name in enumerate(names):
            if name in names[:i]:
                raise invalid(f"expected a unique layer name, got {name!r}", f"layers.{i}.name")
        return self

    @model_validator(mode="after")
    def _adder_cost_layers(self):
        self.adder_cost.check_layers(self.weight_layers())
        return self

    def weight_layers(self) -> dict[str, str]:
        """The student's layers with weights: name -> "conv" or "dense"."""
        return STUDENTS.get(self.architecture).weight_layers(self)
