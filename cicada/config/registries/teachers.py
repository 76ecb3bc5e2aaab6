"""Teacher architectures: the registry behind ``teacher.architecture`` and what the config knows of one.

An architecture (one module of :mod:`cicada.models.teachers`) is a subclass of
:class:`cicada.models.teachers.Teacher`, itself a :class:`TeacherInfo`, registered with
:func:`teacher_architecture`: the config reads whether it needs the region bits (a build without
them is an error) and which of the teacher section's architecture keys it reads (setting one it
does not read is an error).
"""

from __future__ import annotations

from typing import ClassVar

from ...core.registry import Registry


class TeacherInfo:
    """What the config knows of a teacher architecture."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: whether it reads the region e/gamma and tau bits besides the ET (``data.region_bits: true``)
    needs_bits: ClassVar[bool] = False
    #: the teacher keys that only some architectures read (``ARCHITECTURE_KEYS`` of the teacher
    #: section) that this one reads
    options: ClassVar[frozenset[str]] = frozenset()


TEACHERS: Registry[type[TeacherInfo]] = Registry("teacher architecture")


def teacher_architecture(cls):
    """Class decorator registering a teacher architecture under its ``name``."""
    TEACHERS.register(cls.name, cls)
    return cls
