"""Student architectures: the registry behind ``student.architecture``.

A student takes the 18 x 14 region image flattened phi-major to 252 raw integers and gives
one score, ``ufixed<16,8>``. Each architecture registers a builder and the names of its
layers with weights (what ``hls.layers`` may tune) with :func:`student_architecture`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config.registries.students import STUDENTS, StudentArchitecture, student_architecture
from ...core.geometry import N_REGIONS

if TYPE_CHECKING:
    from ...config.sections import StudentConfig

#: Student input: the 18 x 14 region image flattened phi-major to 252 raw integers.
STUDENT_INPUT_SIZE = N_REGIONS

__all__ = ["STUDENTS", "STUDENT_INPUT_SIZE", "StudentArchitecture", "build_student", "student_architecture"]


def build_student(architecture: str, config: "StudentConfig | None" = None):
    """The named student, uncompiled (``config`` is needed only for ``custom``)."""
    return STUDENTS.get(architecture).build(config)


from . import cicada, custom  # noqa: E402,F401  (built-in architectures register themselves)
