"""Teacher architectures: the registry behind ``teacher.architecture``.

An architecture (one module of :mod:`cicada.models.teachers`) is a function returning an
uncompiled Keras model, registered with :func:`teacher_architecture`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ...core.registry import Registry


@dataclass(frozen=True)
class TeacherArchitecture:
    name: str
    description: str
    build: Callable[[], Any]


TEACHERS: Registry[TeacherArchitecture] = Registry("teacher architecture")


def teacher_architecture(name: str, description: str):
    """Register ``build() -> keras.Model`` as teacher architecture ``name``."""

    def decorator(build):
        TEACHERS.register(name, TeacherArchitecture(name, description, build))
        return build

    return decorator
