"""Synthesis backends: the registry of what turns the firmware into latency and resource figures.

Each backend is one module in this package: a subclass of :class:`SynthesisBackend` with
its settings model (the keys under ``synthesis.<name>`` in the config) and a ``run`` that
returns a :class:`SynthesisResult`. The synthesis stage runs every backend whose ``run``
setting allows it; a backend whose tools are missing says so instead of giving numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import field_validator

from ..config.model import ConfigModel, option
from ..core.registry import Registry

if TYPE_CHECKING:
    from ..config.sections import BuildConfig


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


@dataclass
class SynthesisJob:
    """What a backend works on: the build's HLS project, its student and datasets, its config."""

    config: "BuildConfig"
    settings: Any  # the backend's BackendSettings subclass
    project_dir: Path
    model_dir: Path
    data_dir: Path | None = None
    #: the firmware's output type (for comparing outputs bit for bit), e.g. ufixed<16,8>
    output_type: Any = None


@dataclass
class SynthesisResult:
    """A backend's outcome. ``status``: done, unavailable (tools missing) or skipped (off).

    ``details`` holds what the backend read back (latency, resources, reports), each
    figure with the source it came from.
    """

    backend: str
    status: str
    reason: str | None = None
    tool: str | None = None
    details: dict = field(default_factory=dict)


class SynthesisBackend:
    """Base of a backend; subclasses set the class variables and implement the methods."""

    name: ClassVar[str]
    description: ClassVar[str]
    settings: ClassVar[type[BackendSettings]] = BackendSettings

    def environment(self, job: SynthesisJob) -> dict:
        """What of this machine changes the result (tools found, their versions): part of the
        synthesis stage's fingerprint, so installing a tool reruns the stage."""
        return {}

    def missing(self, job: SynthesisJob) -> str | None:
        """None when the backend can run here, else a sentence saying what is missing."""
        return None

    def run(self, job: SynthesisJob) -> SynthesisResult:
        raise NotImplementedError


BACKENDS: Registry[SynthesisBackend] = Registry("synthesis backend")


def synthesis_backend(cls: type[SynthesisBackend]) -> type[SynthesisBackend]:
    """Class decorator registering (an instance of) a backend under its ``name``."""
    BACKENDS.register(cls.name, cls())
    return cls


def run_backend(backend: SynthesisBackend, job: SynthesisJob) -> SynthesisResult:
    """Run ``backend`` as its ``run`` setting says: skipped when off, "unavailable" with the
    reason when its tools are missing (an error when the setting is ``on``)."""
    from ..core.errors import ToolError

    if job.settings.run == "off":
        return SynthesisResult(backend.name, "skipped", f"synthesis.{backend.name}.run is 'off' in the config")
    reason = backend.missing(job)
    if reason is not None:
        if job.settings.run == "on":
            raise ToolError(f"synthesis.{backend.name}.run is 'on' but {reason}")
        return SynthesisResult(backend.name, "unavailable", reason)
    return backend.run(job)


# The built-in backends register themselves, in the order reports list them.
# isort: off
from . import vendor  # noqa: E402,F401
from .rtl import backend as rtl_backend  # noqa: E402,F401
# isort: on
