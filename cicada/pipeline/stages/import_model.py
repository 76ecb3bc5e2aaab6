"""Stage ``import`` (bring your own model): a QKeras or float model trained elsewhere takes the student's place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.errors import ModelError
from ...core.files import sha256_file
from ...data.student_inputs import fingerprint_inputs
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...models.imported_model import import_model
from ...models.student import STUDENT_FILE, layer_summary, save_student
from ..context import BuildContext
from ..engine import Stage


@dataclass
class ImportResult:
    architecture: str
    source_file: str
    source_sha256: str
    parameters: int
    layers: list[dict]
    model_file: str


def imported_file(context: BuildContext) -> Path:
    if context.model_file is None:
        raise ValueError("the import stage runs only for a build with a model file")
    return context.model_file


def run(context: BuildContext) -> ImportResult:
    source = imported_file(context)
    model = import_model(source, context.config.student.input)
    names = [layer.name for layer in model.layers]
    for name in context.config.hls.layers:  # config validation checks them against a trained student's layers
        if name not in names:
            raise ModelError(
                f"{source}: the config's hls.layers.{name} sets a layer the model has not (its layers: "
                f"{', '.join(names)}); expected the imported model's layer names"
            )
    save_student(model, context.model_dir / STUDENT_FILE)
    return ImportResult(
        architecture=f"imported from {source.name}",
        source_file=str(source),
        source_sha256=sha256_file(source),
        parameters=int(model.count_params()),
        layers=layer_summary(model),
        model_file=context.relative(context.model_dir / STUDENT_FILE),
    )


def inputs(context: BuildContext) -> dict:
    source = imported_file(context)
    return {
        "model_file": str(source),
        "sha256": sha256_file(source) if source.exists() else None,
        **fingerprint_inputs(context.config.student.input),
    }


def outputs(context: BuildContext) -> list[Path]:
    return [context.model_dir / STUDENT_FILE]


STAGE = Stage(
    name="import",
    description="importing the QKeras model",
    run=run,
    result=ImportResult,
    inputs=inputs,
    outputs=outputs,
)
