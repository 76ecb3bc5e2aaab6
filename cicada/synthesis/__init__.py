"""Synthesis backends: the registry of what turns the firmware into latency and resource figures.

Each backend is one module in this package: a subclass of :class:`SynthesisBackend` with
its settings model (the keys under ``synthesis.<name>`` in the config) and a ``run`` that
returns a :class:`SynthesisResult`. The synthesis stage runs every backend whose ``run``
setting allows it; a backend whose tools are missing says so instead of giving numbers.

The registry and what the config knows of a backend (its name and settings model) live below
the config, in :mod:`cicada.config.registries.backends`, and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config.registries.backends import BACKENDS, BackendInfo, BackendSettings, synthesis_backend

if TYPE_CHECKING:
    from ..config.sections import BuildConfig


__all__ = [
    "BACKENDS",
    "BackendSettings",
    "SynthesisBackend",
    "SynthesisJob",
    "SynthesisResult",
    "run_backend",
    "synthesis_backend",
]


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


class SynthesisBackend(BackendInfo):
    """Base of a backend; subclasses set the class variables of :class:`BackendInfo` (``name``,
    ``description``, ``settings``) and implement the methods."""

    def environment(self, job: SynthesisJob) -> dict:
        """What of this machine changes the result (tools found, their versions): part of the
        synthesis stage's fingerprint, so installing a tool reruns the stage."""
        return {}

    def missing(self, job: SynthesisJob) -> str | None:
        """None when the backend can run here, else a sentence saying what is missing."""
        return None

    def run(self, job: SynthesisJob) -> SynthesisResult:
        raise NotImplementedError


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
