"""Synthesis backends: the registry behind the ``synthesis`` section and a backend's settings.

A backend (one module of :mod:`cicada.synthesis`) is a subclass of
:class:`cicada.synthesis.SynthesisBackend`, itself a :class:`BackendInfo`: the config reads its
name and its settings model, a :class:`BackendSettings` subclass (the keys under
``synthesis.<name>``), and the registry holds one instance of it (:func:`synthesis_backend`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from ...core.registry import Registry
from ..model import ConfigModel, option


class BackendSettings(ConfigModel):
    """Settings every backend has."""

    run: Literal["auto", "on", "off"] = option(
        "auto: run when the backend's tools are installed; on: require them; off: never "
        "(unquoted YAML on/off are read as true/false and mean the same)",
        "auto",
    )

    @field_validator("run", mode="before")
    @classmethod
    def _yaml_on_off(cls, value: Any) -> Any:
        # YAML reads an unquoted on/off as true/false
        return {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value


class BackendInfo:
    """What the config knows of a synthesis backend."""

    name: ClassVar[str]
    description: ClassVar[str]
    settings: ClassVar[type[BackendSettings]] = BackendSettings


BACKENDS: Registry[BackendInfo] = Registry("synthesis backend")


def synthesis_backend(cls):
    """Class decorator registering (an instance of) a backend under its ``name``."""
    BACKENDS.register(cls.name, cls())
    return cls
