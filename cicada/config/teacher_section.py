"""The ``teacher`` section of a build config: which teacher architecture, how it trains.

``teacher.architecture`` takes its names from the teacher registry
(:mod:`cicada.config.registries.teachers`). Some keys are read by some architectures only
(:data:`ARCHITECTURE_KEYS`); setting one that the chosen architecture does not read to anything
but its default is an error, so a config never carries a setting that silently does nothing.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Optional

from pydantic import model_validator

from ..plugins import load as load_plugins
from .model import ConfigModel, Flag, Integer, Number, OneOf, invalid, option
from .registries.teachers import TEACHERS

# The section reads the teacher registry: the built-in architectures fill it first.
load_plugins()

#: Keys that only the architectures declaring them (``TeacherInfo.options``) read.
ARCHITECTURE_KEYS = ("tau_loss_weight", "egamma_loss_weight", "dice", "latent_size")


class TeacherConfig(ConfigModel):
    """The teacher trained on zero-bias: its architecture defines its input, its training loss and
    its anomaly score (the per-image MSE for the ET-only CICADA teachers)."""

    #: Keys added after builds were made with this section: left out of stage fingerprints while at
    #: their default, so an ET-only build's teacher section hashes as it did before them.
    fingerprint_omits_defaults: ClassVar[tuple[str, ...]] = (
        "optimizer",
        "lr_patience",
        "lr_factor",
        *ARCHITECTURE_KEYS,
    )

    architecture: Annotated[str, OneOf(TEACHERS)] = option(
        "teacher architecture: cicada, cicada_revised (region ET, score = per-image MSE); cicada_2026_multi, "
        "cicada_2026_vae (ET and the region bits, data.region_bits: true)",
        "cicada",
    )
    epochs: Integer = option("maximum training epochs", 30, ge=1)
    batch_size: Integer = option("training batch size", 512, ge=1)
    learning_rate: Number = option("initial learning rate of the optimizer", 1e-3, gt=0.0)
    patience: Integer = option("epochs without validation improvement before early stopping", 5, ge=1)
    optimizer: Literal["adam", "nadam"] = option(
        "adam, or nadam (Adam with Nesterov momentum, as the CICADA 2026 teachers train)", "adam"
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
    tau_loss_weight: Number = option(
        "cicada_2026_multi, cicada_2026_vae: weight of the tau-bit loss in training (alpha in the CICADA 2026 "
        "parameters)",
        1.0,
        ge=0.0,
    )
    egamma_loss_weight: Number = option(
        "cicada_2026_multi, cicada_2026_vae: weight of the e/gamma-bit loss in training (beta in the CICADA 2026 "
        "parameters)",
        1.0,
        ge=0.0,
    )
    dice: Flag = option(
        "cicada_2026_multi: each bit's loss is binary cross-entropy plus a soft Dice term, in training and score",
        False,
    )
    latent_size: Integer = option("cicada_2026_vae: size of the latent space", 32, ge=1)

    @model_validator(mode="after")
    def _architecture_keys(self):
        reads = TEACHERS.get(self.architecture).options
        for key in ARCHITECTURE_KEYS:
            # (a default value passes: a config written out with every default reads back)
            if key not in reads and getattr(self, key) != type(self).model_fields[key].default:
                users = [name for name, entry in TEACHERS.items() if key in entry.options]
                raise invalid(
                    f"expected no {key} with architecture '{self.architecture}' (read by {', '.join(users)})", key
                )
        return self
