"""Stage ``scores``: every test event scored by the teacher, the float and QKeras students, the firmware.

The firmware scores come from the integer model (cicada/firmware/integer_model.py), checked bit
for bit against the emulator library on every test event; a difference stops the build. A
model the integer model cannot compute is scored by the emulator library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.chunks import CHUNK_EVENTS
from ...core.progress import log
from ...data.datasets import read_dataset, test_dataset_names
from ...data.hdf5 import write_scores
from ...data.imagestats import total_et
from ...data.region_bits import region_et
from ...data.student_inputs import encode, fingerprint_inputs, input_kind
from ...firmware import csim
from ...firmware.scoring import FirmwareScorer
from ...layers import integer as _integer_rules  # noqa: F401  their integer rules: in this stage's fingerprint
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...layers import precision as _precision_rules  # noqa: F401  their precision rules: in this stage's fingerprint
from ...models.student import STUDENT_FILE, float_twin, load_student, student_scores
from ...models.teacher import TEACHER_FILE, load_teacher
from ..context import BuildContext
from ..engine import Stage


@dataclass
class ScoresResult:
    file: str
    firmware_vs_qkeras: dict[str, csim.BitComparison]
    #: what computed the firmware scores: the integer model, or the emulator library (and why)
    firmware_engine: str = ""
    #: the integer model against the emulator library on every test event (empty when the emulator scored)
    integer_vs_emulator: dict[str, csim.BitComparison] = field(default_factory=dict)


def run(context: BuildContext) -> ScoresResult:
    has_teacher = "teacher" in context.results
    teacher = load_teacher(context.teacher_dir / TEACHER_FILE, context.config.teacher) if has_teacher else None
    student = load_student(context.model_dir / STUDENT_FILE)
    unquantized = float_twin(student)  # None when the model has a layer without a float twin
    convert = context.results["convert"]
    lsb = convert.output_type().lsb
    scorer = FirmwareScorer(context.project_dir, student, convert.layers, lsb)
    kind = input_kind(context.config.student.input)

    def score_chunk(regions: np.ndarray, name: str) -> dict[str, np.ndarray]:
        images = encode(kind, regions, f"test dataset '{name}'")  # the student's input (student.input)
        outputs = scorer.predict(images)
        reference = scorer.reference(images)  # the emulator library's, to check every test event
        return {
            **({"teacher_mse": teacher.score(regions)} if teacher is not None else {}),
            **({"student_float": student_scores(unquantized, images)} if unquantized is not None else {}),
            "student_qkeras": student_scores(student, images),
            "firmware": outputs[:, 0],
            "total_et": total_et(region_et(regions)).astype(np.float64),
            **({"emulator": reference} if reference is not None else {}),
            "outputs": outputs,
        }

    scores, agreement, checks = {}, {}, {}
    for name in test_dataset_names(context.config.data):
        regions = read_dataset(context.data_dir, name)
        # a chunk at a time: the float copies of the images stay a chunk's, whatever the sample's size
        starts = range(0, max(len(regions), 1), CHUNK_EVENTS)  # an empty sample: one empty chunk
        chunks = [score_chunk(regions[i : i + CHUNK_EVENTS], name) for i in starts]
        columns = {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}
        outputs, reference = columns.pop("outputs"), columns.pop("emulator", None)
        check = scorer.compare(reference, outputs, f"'{name}'")  # every test event, bit for bit
        if check is not None:
            checks[name] = check
        scores[name] = columns
        agreement[name] = csim.compare_bits(columns["student_qkeras"], columns["firmware"], lsb)
    write_scores(context.scores_file, scores)
    mismatches = sum(a.mismatches for a in agreement.values())
    events = sum(len(s["firmware"]) for s in scores.values())
    checked = f", bit-exact with the emulator library on all {events:,}" if checks else ""
    if convert.float_types is not None:
        # a float model: its firmware's types are derived, so it is not expected to equal the model bit for bit
        compared = (
            f"{mismatches:,} differ from the float model (types derived; the verify stage measures the agreement)"
        )
    else:
        compared = f"{mismatches} differ from QKeras"
    log.info(f"  scored {events:,} test events with the {scorer.engine}{checked}; {compared}")
    return ScoresResult(
        file=context.relative(context.scores_file),
        firmware_vs_qkeras=agreement,
        firmware_engine=scorer.engine,
        integer_vs_emulator=checks,
    )


STAGE = Stage(
    name="scores",
    description="scoring test events with teacher, QKeras and firmware",
    run=run,
    result=ScoresResult,
    upstream=("data", "teacher", "student", "verify"),
    inputs=lambda context: fingerprint_inputs(context.config.student.input),
    outputs=lambda context: [context.scores_file],
)
