"""Student architectures: the registry behind ``student.architecture``.

A student takes the flat input vector of its input kind (``student.input``,
:mod:`cicada.data.student_inputs`: 252 region values, or 756 for three channels per region) and
gives one score, ``ufixed<16,8>``. Each architecture registers a builder and the names of its
layers with weights (what ``hls.layers`` may tune) with :func:`student_architecture`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.registries.students import STUDENTS, StudentArchitecture, student_architecture
from ...data.student_inputs import DEFAULT, StudentInput, input_kind

if TYPE_CHECKING:
    from ...config.sections import StudentConfig

__all__ = ["STUDENTS", "StudentArchitecture", "build_student", "input_of", "student_architecture"]


def input_of(config: "StudentConfig | None") -> StudentInput:
    """The input kind a student reads (region ET when there is no config)."""
    return input_kind(config.input if config is not None else DEFAULT)


def build_student(architecture: str, config: "StudentConfig | None" = None):
    """The named student, uncompiled (``config`` is needed for ``custom`` and any input but region ET)."""
    return STUDENTS.get(architecture).build(config)


from . import cicada, cicada_2026, custom  # noqa: E402,F401  (built-in architectures register themselves)
