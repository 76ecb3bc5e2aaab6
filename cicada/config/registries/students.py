"""Student architectures: the registry behind ``student.architecture``.

An architecture (one module of :mod:`cicada.models.students`) registers a builder and the
names of its layers with weights (what ``hls.layers`` may tune) with
:func:`student_architecture`; the config reads those names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ...core.registry import Registry

if TYPE_CHECKING:
    from ..sections import StudentConfig


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
