"""Stage ``synthesis``: every synthesis backend the config allows (latency and resources)."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.progress import log
from ...data.student_inputs import fingerprint_inputs
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...layers import precision as _precision_rules  # noqa: F401  their precision rules: in this stage's fingerprint
from ...layers import trace as _trace_rules  # noqa: F401  their RTL rules: in this stage's fingerprint
from ...synthesis import BACKENDS, SynthesisJob, SynthesisResult, run_backend
from ..context import BuildContext
from ..engine import Stage


@dataclass
class SynthesisStageResult:
    #: backend name -> its result
    backends: dict[str, SynthesisResult]


def job(context: BuildContext, name: str) -> SynthesisJob:
    from ...core.fixedpoint import FixedType

    convert = context.results.get("convert")
    output_type = FixedType.parse(convert.layers[-1]["result"]) if convert else None
    return SynthesisJob(
        context.config,
        context.config.synthesis[name],
        context.project_dir,
        context.model_dir,
        data_dir=context.data_dir,
        output_type=output_type,
    )


def run(context: BuildContext) -> SynthesisStageResult:
    results = {}
    for name, backend in BACKENDS.items():
        result = run_backend(backend, job(context, name))
        if result.status != "done":
            log.info(f"  {name}: {result.reason}")
        results[name] = result
    return SynthesisStageResult(results)


def inputs(context: BuildContext) -> dict:
    # each backend's settings and what of this machine it depends on (a tool appearing on PATH); the RTL
    # flow's input ports and test images follow the student's input
    return {
        **{
            name: {"settings": context.config.synthesis[name], "environment": backend.environment(job(context, name))}
            for name, backend in BACKENDS.items()
        },
        **fingerprint_inputs(context.config.student.input),
    }


STAGE = Stage(
    name="synthesis",
    description="synthesis: latency and resources",
    run=run,
    result=SynthesisStageResult,
    # the RTL flow traces the student and simulates test images against the verified firmware
    upstream=("data", "student", "convert", "verify"),
    inputs=inputs,
)
