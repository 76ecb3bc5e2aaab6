"""The verify stage: the project's own C-simulation testbench against the QKeras model.

The testbench hls4ml generates (``myproject_test.cpp``) reads ``tb_data/tb_input_features.dat``
and writes ``tb_data/csim_results.log``; it is what a vendor C simulation runs too. Here
it is built with g++ against ``firmware/`` and run on test images, and its outputs are
compared with the QKeras predictions in units of the output LSB.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..core import processes
from ..core.bit_comparison import BitComparison
from ..core.errors import ToolError, VerificationError
from ..core.files import atomic_path
from .convert import PROJECT_NAME, TESTBENCH
from .cpp import compile_cpp, up_to_date

CSIM_BINARY = "cicada_csim"
INPUT_FILE = "tb_data/tb_input_features.dat"
EXPECTED_FILE = "tb_data/tb_output_predictions.dat"
RESULTS_FILE = "tb_data/csim_results.log"


def compare_bits(expected: np.ndarray, firmware: np.ndarray, lsb: float) -> BitComparison:
    """Compare two output arrays (N, n_out) on the grid of step ``lsb``."""
    expected = np.asarray(expected, dtype=np.float64).reshape(len(expected), -1)
    firmware = np.asarray(firmware, dtype=np.float64).reshape(len(firmware), -1)
    if expected.shape != firmware.shape:
        raise VerificationError(f"firmware produced {firmware.shape} outputs, expected {expected.shape}")
    difference = np.abs(np.rint(expected / lsb) - np.rint(firmware / lsb)).astype(np.int64)
    per_event = difference.max(axis=1) if difference.size else np.zeros(len(expected), dtype=np.int64)
    bad = np.flatnonzero(per_event)
    first = int(bad[0]) if bad.size else None
    return BitComparison(
        events=len(expected),
        mismatches=int(bad.size),
        max_difference_lsb=int(per_event.max()) if per_event.size else 0,
        first_mismatch_index=first,
        first_mismatch_expected=float(expected[first, 0]) if first is not None else None,
        first_mismatch_firmware=float(firmware[first, 0]) if first is not None else None,
        bit_exact=bad.size == 0,
    )


def build_testbench(project_dir: Path) -> Path:
    """Compile myproject_test.cpp + firmware/ with g++ (skipped when already up to date)."""
    project_dir = Path(project_dir)
    binary = project_dir / CSIM_BINARY
    sources = [project_dir / TESTBENCH, project_dir / "firmware"]
    if not up_to_date(binary, sources):
        # relative, like the vendor C simulation: the testbench runs in the project directory
        compile_cpp(project_dir, [TESTBENCH, f"firmware/{PROJECT_NAME}.cpp"], binary, weights_dir="firmware/weights")
    return binary


def run_testbench(project_dir: Path, inputs: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Run the C-simulation testbench on ``inputs`` (N, n_in); returns its outputs (N, n_out)."""
    project_dir = Path(project_dir).resolve()
    binary = build_testbench(project_dir)
    inputs = np.asarray(inputs).reshape(len(inputs), -1)
    expected = np.asarray(expected, dtype=np.float64).reshape(len(expected), -1)
    (project_dir / "tb_data").mkdir(exist_ok=True)
    integer_inputs = np.all(inputs == np.round(inputs))
    with atomic_path(project_dir / INPUT_FILE) as tmp:
        np.savetxt(tmp, inputs, fmt="%d" if integer_inputs else "%.17g", delimiter=" ")
    with atomic_path(project_dir / EXPECTED_FILE) as tmp:
        np.savetxt(tmp, expected, fmt="%.17g", delimiter=" ")
    results = project_dir / RESULTS_FILE
    results.unlink(missing_ok=True)
    process = processes.run([str(binary)], cwd=project_dir)
    if process.returncode != 0:
        raise ToolError(
            f"{binary}: the C-simulation testbench failed (exit {process.returncode}): {process.stderr.strip()[:500]}"
        )
    try:
        outputs = np.loadtxt(results, dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as err:
        raise ToolError(f"{results}: cannot read the C-simulation results: {err}") from None
    if len(outputs) != len(inputs):
        raise ToolError(f"{results}: {len(outputs)} results for {len(inputs)} inputs")
    return outputs


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _numbers(text: str) -> np.ndarray:
    return np.array(_NUMBER.findall(text), dtype=np.float64)


def check_weight_files(project_dir: Path) -> int:
    """Check that synthesis and simulation see the same weights; returns how many arrays.

    hls4ml writes every weight array twice: as a C initializer in ``firmware/weights/*.h``
    (what synthesis builds into the FPGA) and as ``*.txt`` (what C simulation loads at run
    time). The C simulation only vouches for the firmware if the two agree exactly.
    """
    weights_dir = Path(project_dir) / "firmware" / "weights"
    headers = sorted(weights_dir.glob("*.h"))
    for header in headers:
        text = header.read_text()
        start = text.find("= {")
        if start < 0:
            continue  # an array without initializer (e.g. loaded from BRAM at run time)
        # the numbers of the initialiser; power-of-two weights are {sign, exponent} pairs
        initializer = _numbers(text[start + 2 : text.index("};", start)])
        txt = header.with_suffix(".txt")
        if not txt.exists():
            raise VerificationError(f"{txt}: missing; the C simulation would not load {header.name}'s weights")
        loaded = _numbers(txt.read_text())
        if initializer.shape != loaded.shape or not np.array_equal(initializer, loaded):
            differ = int(np.count_nonzero(initializer != loaded)) if initializer.shape == loaded.shape else "all"
            raise VerificationError(
                f"{header} and {txt.name} hold different weights ({differ} values): synthesis and C simulation "
                "would build different firmware"
            )
    return len(headers)
