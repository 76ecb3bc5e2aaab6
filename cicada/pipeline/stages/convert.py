"""Stage ``convert``: the student as an hls4ml HLS project, with precisions proven exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...core.fixedpoint import FixedType
from ...core.intervals import ProofSummary
from ...core.progress import log
from ...data.student_inputs import fingerprint_inputs, input_kind
from ...firmware.convert import TESTBENCH, convert_student
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...layers import precision as _precision_rules  # noqa: F401  their precision rules: in this stage's fingerprint
from ...models.student import STUDENT_FILE, load_student
from ..context import BuildContext
from ..engine import Stage


@dataclass
class ConvertResult:
    project_dir: str
    precision_proof: ProofSummary
    layers: list[dict]
    hls4ml_config: dict
    #: layer -> da4ml's cost estimate (LUT equivalents) of its kernel, for layers built with
    #: distributed arithmetic (empty otherwise)
    distributed_arithmetic_cost: dict[str, float] = field(default_factory=dict)

    def output_type(self) -> FixedType:
        """The firmware's output type: outputs are compared bit for bit on its grid."""
        return FixedType.parse(self.layers[-1]["result"])


def run(context: BuildContext) -> ConvertResult:
    model = load_student(context.model_dir / STUDENT_FILE)
    kind = input_kind(context.config.student.input)
    converted = convert_student(
        model, context.config.hls, context.project_dir, config_source=str(context.config_path), kind=kind
    )
    proof = converted.proof
    log.info(
        "  precisions "
        + (f"proven exact for every input ({kind.values})" if proof.proven else "NOT fully proven (see report)")
        + ": "
        + ", ".join(f"{c.layer}.{c.role}={c.type}" for c in proof.checks if c.role != "input")
    )
    return ConvertResult(
        project_dir=context.relative(context.project_dir),
        precision_proof=proof.summary(),
        layers=converted.layer_precisions,
        hls4ml_config=converted.hls4ml_config,
        distributed_arithmetic_cost=converted.distributed_arithmetic_cost,
    )


def outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / "firmware", context.project_dir / TESTBENCH]


STAGE = Stage(
    name="convert",
    description="converting the student with hls4ml",
    run=run,
    result=ConvertResult,
    upstream=("student",),
    # the proof holds for the values of the student's input
    inputs=lambda context: {"hls": context.config.hls, **fingerprint_inputs(context.config.student.input)},
    outputs=outputs,
)
