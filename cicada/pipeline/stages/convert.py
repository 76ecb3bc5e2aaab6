"""Stage ``convert``: the student as an hls4ml HLS project, with precisions proven exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.fixedpoint import FixedType
from ...core.intervals import ProofSummary
from ...core.progress import log
from ...data.student_inputs import encode, fingerprint_inputs, input_kind
from ...firmware.convert import TESTBENCH, convert_student
from ...firmware.float_convert import convert_float_model
from ...firmware.float_model import is_float_model
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
    #: a float model's derived types, each labelled proven or calibrated, and the error target they
    #: meet (``FloatConversion.record``); None for a QKeras model, whose types are proven exact
    float_types: dict | None = None

    def output_type(self) -> FixedType:
        """The firmware's output type: outputs are compared bit for bit on its grid."""
        return FixedType.parse(self.layers[-1]["result"])


def run(context: BuildContext) -> ConvertResult:
    model = load_student(context.model_dir / STUDENT_FILE)
    kind = input_kind(context.config.student.input)
    if is_float_model(model):
        return run_float(context, model, kind)
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


def run_float(context: BuildContext, model, kind) -> ConvertResult:
    """A float model: types derived on calibration events (zero-bias validation and signal events)."""
    from ...data.datasets import read_dataset, signal_names

    wanted = context.config.hls.float_types.calibration_events
    names = ["zero_bias_val", *signal_names(context.config.data)]
    samples = {name: encode(kind, read_dataset(context.data_dir, name)[:wanted], name) for name in names}
    shape = (-1, *model.input_shape[1:])
    samples = {name: values.reshape(shape) for name, values in samples.items()}
    converted = convert_float_model(
        model,
        context.config.hls,
        context.project_dir,
        samples,
        "zero_bias_val",
        np.zeros(kind.size),
        kind.maximum(),
        config_source=str(context.config_path),
    )
    record = converted.record()
    log.info(
        f"  float model: types derived ({sum(t['label'] == 'proven' for t in record['types'])} proven, "
        f"{sum(t['label'].startswith('calibrated') for t in record['types'])} calibrated); outputs within "
        f"{record['tolerance']:g} of the float model on {record['share_within_on_firmware']:.4%} of "
        f"{record['calibration_events']:,} calibration events (hls4ml's C++)"
    )
    summary = ProofSummary(
        proven=False,
        complete=False,
        unanalysed_layers=["a float model: its types are derived and labelled (float_types), not proven exact"],
        failures=[],
        checks=[],
    )
    return ConvertResult(
        project_dir=context.relative(context.project_dir),
        precision_proof=summary,
        layers=converted.layers,
        hls4ml_config=converted.hls4ml_config,
        float_types=record,
    )


def outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / "firmware", context.project_dir / TESTBENCH]


def inputs(context: BuildContext) -> dict:
    """The hls section and the student's input (the proof holds for its values); for a float model file
    (``cicada convert --model``) also the calibration events its types are derived on."""
    found = {"hls": context.config.hls, **fingerprint_inputs(context.config.student.input)}
    if context.config.student.firmware == "teacher_encoder":
        found["calibration"] = _calibration_hashes(context)
    elif context.model_file is not None and Path(context.model_file).exists():
        from ...models.imported_model import is_float_file
        from ...models.model_file import check_model_file

        if is_float_file(check_model_file(Path(context.model_file), firmware=False)):
            found["calibration"] = _calibration_hashes(context)
    return found


def _calibration_hashes(context: BuildContext) -> dict:
    """The calibration samples' content hashes (the float path derives its types on them)."""
    from ...core.files import sha256_file
    from ...data.datasets import dataset_path, signal_names

    names = ["zero_bias_val", *signal_names(context.config.data)]
    paths = {name: dataset_path(context.data_dir, name) for name in names}
    return {name: sha256_file(p) if p.exists() else None for name, p in paths.items()}


STAGE = Stage(
    name="convert",
    description="converting the student with hls4ml",
    run=run,
    result=ConvertResult,
    upstream=("student",),
    inputs=inputs,
    outputs=outputs,
)
