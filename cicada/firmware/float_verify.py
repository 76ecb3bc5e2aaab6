"""A float model's firmware checked where its truth is: the C simulation against the emulator library,
bit for bit (both compile the project's C++; g++ is theirs, not the conversion's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def check_csim(project_dir: Path, inputs: np.ndarray, lsb: float):
    """The project's C simulation against the emulator library (the firmware's C++ as a library), bit for
    bit: (comparison, emulator outputs). A float model's firmware truth is its C++, not Keras."""
    from .csim import compare_bits, run_testbench
    from .emulator import FirmwareEmulator

    emulated = FirmwareEmulator(project_dir, threads=1).predict(inputs)
    simulated = run_testbench(project_dir, inputs, emulated)
    return compare_bits(emulated, simulated, lsb), emulated
