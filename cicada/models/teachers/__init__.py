"""Teacher architectures: the registry behind ``teacher.architecture``.

A teacher is a convolutional autoencoder over the (18, 14, 1) region image; its anomaly
score is the per-image reconstruction MSE. Each architecture is a function returning an
uncompiled Keras model, registered with :func:`teacher_architecture`.
"""

from __future__ import annotations

from ...config.registries.teachers import TEACHERS, TeacherArchitecture, teacher_architecture

__all__ = ["TEACHERS", "TeacherArchitecture", "build_teacher", "teacher_architecture"]


def build_teacher(architecture: str):
    """The named teacher, uncompiled."""
    return TEACHERS.get(architecture).build()


from . import cicada  # noqa: E402,F401  (built-in architectures register themselves)
