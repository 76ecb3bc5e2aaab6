"""A whole CICADA 2026 build in miniature: region bits, the VAE teacher, the 2026 student (batch-normalised
first dense layer) on the packed 12-bit regions with the 2026 recipe; bit-exact from the C simulation to
the RTL, 12-bit test vectors and ``cicada score`` on files with and without the bits."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cicada.data.hdf5 import read_scores, write_regions
from cicada.data.region_bits import with_bits
from cicada.data.student_inputs import encode, input_kind
from cicada.firmware.emulator import FirmwareEmulator
from cicada.firmware.vectors import read_binary
from cicada.models.model_file import check_model_file

from .conftest import TINY, run_cli_in, write_config

pytestmark = pytest.mark.slow  # trains two models, compiles firmware, simulates the RTL

CONFIG = {
    **TINY,
    "name": "students2026",
    "data": {**TINY["data"], "zero_bias_events": 2000, "region_bits": True},
    "teacher": {
        "architecture": "cicada_2026_vae", "latent_size": 8, "epochs": 2, "batch_size": 128, "patience": 30,
        "optimizer": "nadam", "lr_patience": 10, "lr_factor": 0.1,
    },
    "student": {
        "architecture": "cicada_2026", "input": "packed", "epochs": 4, "batch_size": 128, "patience": 30,
        "optimizer": "nadam", "lr_patience": 10, "lr_factor": 0.1, "loss": "mse", "learning_rate": 0.003,
        "sample_weights": {"enabled": True, "cap": 20.0},
        "batchnorm": {"start": "identity", "ema_freeze_delay": 40},  # frozen after 40 of 64 steps
    },
    "verify": {"csim_events": 600},
    "synthesis": {"rtl": {"simulate_events": 400, "yosys": False, "tradeoff": []}},
}  # fmt: skip


def _images(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    et = np.minimum(rng.poisson(5, size=(n, 18, 14)), 1023).astype(np.uint16)
    et[: n // 5, 3, 4] = rng.integers(200, 1024, n // 5)  # some large deposits: packed codes above 1023
    return with_bits(et, (rng.random(et.shape) < 0.8).astype(np.uint8), (rng.random(et.shape) < 0.6).astype(np.uint8))


@pytest.fixture(scope="module")
def build_2026(tmp_path_factory):
    directory = tmp_path_factory.mktemp("students2026")
    config = write_config(directory, CONFIG)
    return directory, config, run_cli_in(directory, "build", str(config))


def test_the_2026_build_is_bit_exact_from_c_simulation_to_rtl(build_2026):
    directory, _, code = build_2026
    assert code == 0
    project = directory / "hls_projects/students2026"
    report = json.loads((project / "report.json").read_text())
    assert ("dense1", "QDenseBatchnorm") in check_model_file(directory / "models/students2026/student.h5")
    assert report["parameter_count"] == 4080 + 4 * 16 + 1
    bits = report["bit_accuracy"]
    assert bits["csim_vs_qkeras"]["bit_exact"] and bits["csim_vs_qkeras"]["events"] == 600
    assert all(a["mismatches"] == 0 for a in bits["firmware_vs_qkeras_all_test_events"].values())
    rtl = report["rtl_bit_accuracy"]
    assert rtl["vs_qkeras"]["bit_exact"] and rtl["vs_csim"]["bit_exact"] and rtl["events"] == 400
    proof = report["precision_proof"]
    assert proof["proven"]
    (check,) = [c for c in proof["checks"] if c["role"] == "input"]
    assert (check["type"], check["high"]) == ("ap_uint<12>", 4095.0)
    assert "for any input 0..4095" in (project / "report.md").read_text()
    ports = json.loads((project / "rtl/ports.json").read_text())
    inputs = ports["inputs"] if isinstance(ports, dict) else ports
    assert {port["width"] for port in inputs} == {12}
    scores = read_scores(directory / "models/students2026/scores.h5")
    assert len(np.unique(scores["zero_bias_test"]["firmware"])) > 5  # the folded layer computes something
    assert "student_float" in scores["zero_bias_test"]  # the float student holds the folded float weights


def test_vectors_carry_the_12_bit_packed_inputs(build_2026, capsys):
    directory, config, _ = build_2026
    assert run_cli_in(directory, "vectors", str(config), "-n", "200") == 0
    vectors = read_binary(directory / "hls_projects/students2026/vectors/vectors.bin")
    assert vectors.input_bits == 12 and vectors.inputs.shape == (200, 252)
    assert np.any(vectors.inputs & 3) and vectors.inputs.max() <= 4095  # the bits are in the two lowest
    emulator = FirmwareEmulator(directory / "hls_projects/students2026")
    np.testing.assert_array_equal(emulator.predict(vectors.inputs), vectors.outputs)


def test_cicada_score_reads_the_bits_the_student_packs(build_2026, capsys):
    directory, config, _ = build_2026
    plain_file = write_regions(directory / "plain.h5", np.zeros((5, 18, 14), np.uint16))
    capsys.readouterr()
    assert run_cli_in(directory, "score", str(config), str(plain_file)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "student.input: packed" in errors[0] and "egbit" in errors[0], errors
    images = _images(300, seed=3)
    bits_file = write_regions(directory / "bits.h5", images)
    assert run_cli_in(directory, "score", str(config), str(bits_file)) == 0
    firmware = read_scores(directory / "bits.scores.h5")["bits"]["firmware"]
    emulator = FirmwareEmulator(directory / "hls_projects/students2026")
    packed = encode(input_kind("packed"), images)
    assert packed.max() > 1023
    np.testing.assert_array_equal(firmware, emulator.predict(packed)[:, 0])
