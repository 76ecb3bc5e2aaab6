"""Stage ``verify``: the project's C-simulation testbench against QKeras, bit for bit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.errors import VerificationError
from ...core.progress import log
from ...data.datasets import ZERO_BIAS_TEST, read_dataset, signal_names, test_events
from ...data.student_inputs import encode, fingerprint_inputs, input_kind
from ...evaluation.failure import write_failure_report
from ...firmware import csim
from ...firmware.diagnose import first_divergence
from ...firmware.emulator import FirmwareEmulator
from ...layers import keras as _layer_types  # noqa: F401  the layer types' builds: in this stage's fingerprint
from ...layers import precision as _precision_rules  # noqa: F401  their precision rules: in this stage's fingerprint
from ...models.student import STUDENT_FILE, load_student, student_scores
from ..context import BuildContext
from ..engine import Stage


@dataclass
class VerifyResult:
    testbench: str
    events_per_dataset: dict[str, int]
    weight_arrays_identical_in_synthesis_and_simulation: int
    csim_vs_qkeras: csim.BitComparison
    emulator_vs_csim: csim.BitComparison
    diagnosis: dict | None = None
    #: a float model: the firmware's agreement with it (``evaluation.agreement.Agreement.as_json``);
    #: ``csim_vs_qkeras`` then compares with the float model and is not expected to be bit-exact
    float_agreement: dict | None = None


def chosen_test_events(context: BuildContext, total: int, stream: str):
    """``total`` test images of the build drawn from the seeded ``stream`` (see data.datasets.test_events),
    as the student's input ``(total, inputs)`` (``student.input``: cicada/data/student_inputs.py)."""
    chosen, origin, selection = test_events(context.data_dir, context.config.data, context.config.seed, total, stream)
    return encode(input_kind(context.config.student.input), chosen, "the test images"), origin, selection


def run(context: BuildContext) -> VerifyResult:
    chosen, origin, selection = chosen_test_events(context, context.config.verify.csim_events, "csim_events")
    model = load_student(context.model_dir / STUDENT_FILE)
    if context.results["convert"].float_types is not None:
        return run_float(context, model, chosen, origin, selection)
    expected = student_scores(model, chosen)
    weight_arrays = csim.check_weight_files(context.project_dir)
    log.info(f"  building the C-simulation testbench and running it on {len(chosen):,} test images")
    with ThreadPoolExecutor(1) as pool:
        # the emulator library compiles beside the testbench: each is one g++ (outside the GIL), one core each
        emulator = pool.submit(FirmwareEmulator, context.project_dir)
        firmware = csim.run_testbench(context.project_dir, chosen.reshape(len(chosen), -1), expected)
        emulated = emulator.result().predict(chosen)
    lsb = context.results["convert"].output_type().lsb
    comparison = csim.compare_bits(expected, firmware, lsb)
    emulator_check = csim.compare_bits(firmware, emulated, lsb)
    result = VerifyResult(
        testbench=f"{context.relative(context.project_dir)}/myproject_test.cpp",
        events_per_dataset={n: int(len(idx)) for n, idx in selection.items()},
        weight_arrays_identical_in_synthesis_and_simulation=weight_arrays,
        csim_vs_qkeras=comparison,
        emulator_vs_csim=emulator_check,
    )
    if comparison.first_mismatch_index is not None:
        name, index = origin[comparison.first_mismatch_index]
        message = (
            f"C simulation disagrees with QKeras on {comparison.mismatches:,} of {comparison.events:,} test images "
            f"(largest difference {comparison.max_difference_lsb} LSB of {lsb:g}); e.g. image {index} of "
            f"'{name}': QKeras {comparison.first_mismatch_expected}, firmware {comparison.first_mismatch_firmware}. "
            f"Inputs and outputs: {context.relative(context.project_dir / csim.INPUT_FILE)}, "
            f"{context.relative(context.project_dir / csim.RESULTS_FILE)}"
        )
        result.diagnosis = diagnose(context, model, chosen, expected, firmware, lsb)
        message += f". Diagnosis: {result.diagnosis['explanation']}"
        write_failure_report(context, result, message)
        raise VerificationError(message)
    if not emulator_check.bit_exact:
        raise VerificationError(
            f"the batch emulator library disagrees with the C-simulation testbench on {emulator_check.mismatches} "
            "images: firmware-exact scores cannot be trusted"
        )
    log.info(f"  bit-exact: C simulation == QKeras on all {comparison.events:,} images")
    return result


def run_float(context: BuildContext, model, chosen, origin, selection) -> VerifyResult:
    """A float model's firmware: the C simulation against the emulator library bit for bit (the firmware's
    truth is its C++), then its agreement with the float model on every zero-bias and signal test event
    (the emulator library scores them)."""
    from ...evaluation.agreement import agreement
    from ...firmware.float_verify import check_csim

    convert = context.results["convert"]
    lsb = convert.output_type().lsb
    flat = chosen.reshape(len(chosen), -1)
    log.info(f"  building the C-simulation testbench and running it on {len(chosen):,} test images")
    emulator_check, firmware = check_csim(context.project_dir, flat, lsb)
    if not emulator_check.bit_exact:
        raise VerificationError(
            f"the C simulation disagrees with the emulator library on {emulator_check.mismatches:,} of "
            f"{emulator_check.events:,} test images: the firmware's scores cannot be trusted"
        )
    inputs = np.asarray(chosen, dtype=np.float32).reshape(-1, *model.input_shape[1:])
    reference = np.asarray(model.predict(inputs, batch_size=4096, verbose=0), dtype=np.float64).reshape(len(chosen), -1)
    # the agreement on every test event: zero-bias (unweighted, for the rates) and each signal
    emulator = FirmwareEmulator(context.project_dir)
    kind = input_kind(context.config.student.input)
    firmware_all, reference_all = {}, {}
    for name in [ZERO_BIAS_TEST, *signal_names(context.config.data)]:
        events = encode(kind, read_dataset(context.data_dir, name), f"test dataset '{name}'")
        firmware_all[name] = emulator.predict(events)
        shaped = np.asarray(events, dtype=np.float32).reshape(-1, *model.input_shape[1:])
        predicted = model.predict(shaped, batch_size=4096, verbose=0)
        reference_all[name] = np.asarray(predicted, dtype=np.float64).reshape(len(events), -1)
    found = agreement(firmware_all, reference_all, ZERO_BIAS_TEST, tolerance=convert.float_types["tolerance"])
    log.info(
        f"  C simulation == emulator library on all {emulator_check.events:,} images; against the float model: "
        f"every output within {found.tolerance:g} on {found.share_within:.4%}, score rank correlation "
        f"{found.score_spearman:.6f}"
    )
    return VerifyResult(
        testbench=f"{context.relative(context.project_dir)}/myproject_test.cpp",
        events_per_dataset={n: int(len(idx)) for n, idx in selection.items()},
        weight_arrays_identical_in_synthesis_and_simulation=csim.check_weight_files(context.project_dir),
        csim_vs_qkeras=csim.compare_bits(reference, firmware, lsb),
        emulator_vs_csim=emulator_check,
        float_agreement=found.as_json(),
    )


def diagnose(context: BuildContext, model, images, expected, firmware, lsb: float, most: int = 200) -> dict:
    """Trace the disagreeing images layer by layer; the first diverging layer, or None."""
    bad = np.flatnonzero(
        np.any(
            np.rint(expected.reshape(len(expected), -1) / lsb) != np.rint(firmware.reshape(len(expected), -1) / lsb),
            axis=1,
        )
    )
    log.info(f"  tracing {min(len(bad), most)} disagreeing images layer by layer (hls4ml trace vs QKeras)")
    divergence = first_divergence(
        model, context.results["convert"].hls4ml_config, context.config.hls, images[bad[:most]]
    )
    if divergence is None:
        return {
            "layer": None,
            "explanation": "a fresh conversion with the same settings agrees with QKeras on these images, so the "
            "project's files differ from what cicada and hls4ml generate (edited by hand?)",
        }
    return {**divergence.as_dict(), "explanation": divergence.explain()}


def outputs(context: BuildContext) -> list[Path]:
    return [context.project_dir / csim.RESULTS_FILE]


STAGE = Stage(
    name="verify",
    description="C simulation of the firmware vs QKeras, bit by bit",
    run=run,
    result=VerifyResult,
    upstream=("data", "student", "convert"),
    inputs=lambda context: {
        "seed": context.config.seed,
        "verify": context.config.verify,
        **fingerprint_inputs(context.config.student.input),
    },
    outputs=outputs,
)
