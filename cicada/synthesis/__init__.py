"""Synthesis backends: the registry of what turns the firmware into latency and resource figures.

Each backend is one module in this package: a subclass of :class:`SynthesisBackend` with
its settings model (the keys under ``synthesis.<name>`` in the config) and a ``run`` that
returns a :class:`SynthesisResult`. The synthesis stage runs every backend whose ``run``
setting allows it; a backend whose tools are missing says so instead of giving numbers.

A result's figures are typed records (:mod:`cicada.core.synthesis_figures`): latency, resources
and estimate, which every reader reads, in a :class:`Figures` or in the backend's own subclass of
it (``figures``), which adds what only the backend's report section reads. That section, registered
under the backend's name in :mod:`.sections`, writes the backend's own part of report.json,
report.md and the build's summary, so that the report never names a backend; no backend imports
it, so a change to its wording reruns the report and not the synthesis.

The registry and what the config knows of a backend (its name and settings model) live below
the config, in :mod:`cicada.config.registries.backends`, and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import SkipValidation, TypeAdapter

from ..config.registries.backends import BACKENDS, BackendInfo, BackendSettings, synthesis_backend
from ..core.synthesis_figures import Figures

if TYPE_CHECKING:
    from ..config.sections import BuildConfig


__all__ = [
    "BACKENDS",
    "BackendSettings",
    "Figures",
    "SynthesisBackend",
    "SynthesisJob",
    "SynthesisResult",
    "run_backend",
    "synthesis_backend",
    "trained_student",
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

    ``figures`` holds what the backend measured or read back (latency, resources, reports), each
    figure with the source it came from: a :class:`Figures`, or the backend's own subclass of it.
    """

    backend: str
    status: str
    reason: str | None = None
    tool: str | None = None
    # a stamp holds the figures as plain data, which only the backend's own record type reads back
    figures: Annotated[Figures, SkipValidation] = field(default_factory=Figures)

    def __post_init__(self):
        if isinstance(self.figures, dict):  # read back from a stamp
            # a backend's run gives its own record; a backend that did not run, plain Figures (run_backend)
            backend = BACKENDS.get(self.backend) if self.backend in BACKENDS and self.status == "done" else None
            record = getattr(backend, "figures", Figures)
            self.figures = TypeAdapter(record).validate_python(self.figures)

    def as_json(self) -> dict:
        """The result as report.json's ``synthesis`` section holds it (the figures as ``details``)."""
        return {
            "backend": self.backend,
            "status": self.status,
            "reason": self.reason,
            "tool": self.tool,
            "details": self.figures.as_json(),
        }


class SynthesisBackend(BackendInfo):
    """Base of a backend; subclasses set the class variables of :class:`BackendInfo` (``name``,
    ``description``, ``settings``) and implement the methods."""

    #: the record its ``run`` returns: :class:`Figures` or a subclass with the backend's own figures
    figures: ClassVar[type[Figures]] = Figures

    def environment(self, job: SynthesisJob) -> dict:
        """What of this machine changes the result (tools found, their versions): part of the
        synthesis stage's fingerprint, so installing a tool reruns the stage."""
        return {}

    def missing(self, job: SynthesisJob) -> str | None:
        """None when the backend can run here, else a sentence saying what is missing."""
        return None

    def run(self, job: SynthesisJob) -> SynthesisResult:
        raise NotImplementedError

    def circuit(self, config: "BuildConfig") -> dict | None:
        """What of ``config`` decides the circuit this backend builds and measures: two builds with equal
        answers build the same circuit here (``cicada scan --check`` warns of such points). None: the
        backend cannot tell, and every build counts as a circuit of its own."""
        return None


def trained_student(config: "BuildConfig") -> dict:
    """What decides a build's trained student, its weights included: the seed and the data, teacher and
    student sections, as the stages' fingerprints see them."""
    return {
        "seed": config.seed,
        **{key: getattr(config, key).fingerprint_data() for key in ("data", "teacher", "student")},
    }


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
