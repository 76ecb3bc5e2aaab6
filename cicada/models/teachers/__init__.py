"""Teacher architectures: the registry behind ``teacher.architecture``.

A teacher is an autoencoder trained on zero-bias region images; its anomaly score is what the
student learns (as ``32 ln score``, :mod:`cicada.models.score`). Each architecture is one module
of this package: a subclass of :class:`Teacher` registered with :func:`teacher_architecture`,
the one home of everything that is particular to it: its Keras model, what it reads of a region
image (:meth:`Teacher.inputs`), what it trains on and with which loss (:meth:`Teacher.targets`,
:meth:`Teacher.loss`) and its anomaly score (:meth:`Teacher.score`, deterministic: the same
images give the same scores, so thresholds are reproducible). The registry and what the config
knows of an architecture live below the config (:mod:`cicada.config.registries.teachers`,
re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ...config.registries.teachers import TEACHERS, TeacherInfo, teacher_architecture
from ...core.geometry import REGION_SHAPE
from ...data.region_bits import channels, region_et

if TYPE_CHECKING:
    from ...config.sections import TeacherConfig

__all__ = ["TEACHERS", "Teacher", "TeacherInfo", "TeacherLoss", "teacher_architecture", "teacher_for"]


@dataclass(frozen=True)
class TeacherLoss:
    """What training compiles the model with."""

    #: Keras' ``loss``: a name, a function, or one per output name
    keras: Any
    #: Keras' ``loss_weights`` per output name (None: every output weighs 1)
    weights: dict[str, float] | None
    #: how the loss-curve figure names it
    label: str


class Teacher(TeacherInfo):
    """A teacher architecture with its config (``teacher`` section). Its ``name``, ``description``,
    ``needs_bits`` and ``options`` are declared by :class:`TeacherInfo`."""

    def __init__(self, config: "TeacherConfig"):
        self.config = config

    def build(self):
        """The uncompiled Keras model; the caller has seeded TensorFlow (its initial weights)."""
        raise NotImplementedError

    def inputs(self, images: np.ndarray) -> np.ndarray:
        """The model's float32 input from region images of either layout: raw ET in LSBs
        ``(N, 18, 14, 1)``, or with :attr:`needs_bits` the channels ET, tau bit, e/gamma bit
        ``(N, 18, 14, 3)`` (:func:`cicada.data.region_bits.channels`)."""
        if self.needs_bits:
            return channels(images)
        return np.asarray(region_et(images), dtype=np.float32).reshape(-1, *REGION_SHAPE, 1)

    def targets(self, inputs: np.ndarray) -> Any:
        """What training fits the model's outputs to, from its :meth:`inputs`: an array for one
        output, a dict by output name for several."""
        raise NotImplementedError

    def loss(self) -> TeacherLoss:
        raise NotImplementedError

    def score(self, model, images: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """The anomaly score of each image, float64 ``(N,)``, from the trained ``model``."""
        raise NotImplementedError


def teacher_for(config: "TeacherConfig") -> Teacher:
    """The teacher architecture ``config`` names, with its config."""
    return TEACHERS.get(config.architecture)(config)


from . import cicada, cicada_2026_multi, cicada_2026_vae  # noqa: E402,F401  (built-in architectures register themselves)
