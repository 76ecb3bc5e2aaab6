"""Student architectures: the registry behind ``student.architecture``.

A student takes the 18 x 14 region image flattened phi-major to 252 raw integers and gives
one score, ``ufixed<16,8>``. Each architecture registers a builder and the names of its
layers with weights (what ``hls.layers`` may tune) with :func:`student_architecture`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ...core.geometry import N_REGIONS
from ...core.registry import Registry

if TYPE_CHECKING:
    from ...config.sections import StudentConfig

#: Student input: the 18 x 14 region image flattened phi-major to 252 raw integers.
STUDENT_INPUT_SIZE = N_REGIONS


@dataclass(frozen=True)
class StudentArchitecture:
    name: str
    description: str
    build: Callable[["StudentConfig"], Any]
    #: layer name -> "conv" or "dense", for the layers with weights
    weight_layers: Callable[["StudentConfig"], dict[str, str]]


STUDENTS: Registry[StudentArchitecture] = Registry("student architecture")


def student_architecture(name: str, description: str, weight_layers: Callable[["StudentConfig"], dict[str, str]]):
    """Register ``build(config) -> keras.Model`` as student architecture ``name``."""

    def decorator(build):
        STUDENTS.register(name, StudentArchitecture(name, description, build, weight_layers))
        return build

    return decorator


def build_student(architecture: str, config: "StudentConfig | None" = None):
    """The named student, uncompiled (``config`` is needed only for ``custom``)."""
    return STUDENTS.get(architecture).build(config)


from . import cicada, custom  # noqa: E402,F401  (built-in architectures register themselves)
