"""Bring-your-own model, mismatch diagnosis, test vectors and the vendor flow command."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from cicada.cli import main
from cicada.firmware import csim
from cicada.firmware.vectors import BINARY_FILE, read_binary, read_text

from .conftest import BYO, REPO, make_student_file, write_config

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia

REPORTS = REPO / "tests" / "data" / "hls_reports"


def test_bring_your_own_model_is_converted_verified_and_reported(byo_build):
    directory, _, model, code = byo_build
    assert code == 0
    report = json.loads((directory / "hls_projects/byo/report.json").read_text())
    assert report["teacher"] is None and report["distillation"] is None
    assert report["student"]["architecture"] == "imported from elsewhere.h5"
    assert report["student"]["source_file"] == str(model) and report["parameter_count"] == 4080
    assert report["bit_accuracy"]["csim_vs_qkeras"]["bit_exact"]
    assert report["bit_accuracy"]["csim_vs_qkeras"]["events"] == 600
    assert report["precision_proof"]["proven"]
    assert len(report["rates"]["working_points"]) == 5
    markdown = (directory / "hls_projects/byo/report.md").read_text()
    assert "Imported from" in markdown and "**bit-exact**" in markdown and "Distillation" not in markdown


def test_byo_bad_model_file(in_tmp, capsys):
    config = write_config(in_tmp, BYO)
    (in_tmp / "junk.h5").write_text("not a model")
    assert main(["convert", str(config), "--model", str(in_tmp / "junk.h5")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error:")]
    assert len(errors) == 1 and "junk.h5: not a readable Keras model file" in errors[0]
    assert not (in_tmp / "models").exists()  # failed before any work


def test_byo_model_with_the_wrong_input(in_tmp, capsys):
    from qkeras import QDense

    from cicada.core.tf import tensorflow

    tf = tensorflow()
    inputs = tf.keras.Input((100,))
    dense = QDense(1, kernel_quantizer="quantized_bits(8,2,1,alpha=1)", bias_quantizer="quantized_bits(8,2,1,alpha=1)")
    tf.keras.Model(inputs, dense(inputs)).save(in_tmp / "wrong.h5", save_format="h5")
    config = write_config(in_tmp, BYO)
    assert main(["convert", str(config), "--model", str(in_tmp / "wrong.h5")]) == 2
    assert "takes inputs of shape (100,), expected 252 values per event: region ET" in capsys.readouterr().err


def test_too_narrow_accumulator_is_caught_and_the_diverging_layer_named(in_tmp, capsys):
    """precision_check: warn lets a proven-unsafe type through; the C simulation catches it and
    the layer-by-layer trace names the layer where firmware and QKeras part ways."""
    config = dict(
        BYO,
        name="narrow",
        hls={**BYO["hls"], "precision_check": "warn", "layers": {"dense1": {"accum_precision": "ap_fixed<14,5>"}}},
    )
    path = write_config(in_tmp, config)
    model = make_student_file(in_tmp / "m.h5")
    assert main(["convert", str(path), "--model", str(model)]) == 3
    err = capsys.readouterr().err
    assert "WARNING (hls.precision_check: warn)" in err
    assert "C simulation disagrees with QKeras on" in err
    assert "Diagnosis: first diverging layer: 'dense1' (Dense, output ap_fixed<" in err
    assert "accumulator ap_fixed<14,5>" in err
    report = json.loads((in_tmp / "hls_projects/narrow/report.json").read_text())
    assert report["status"] == "verification failed" and report["diagnosis"]["layer"] == "dense1"
    assert report["diagnosis"]["values_differing"] > 0 and report["diagnosis"]["max_difference_lsb"] >= 1
    assert "VERIFICATION FAILED" in (in_tmp / "hls_projects/narrow/report.md").read_text()


def test_test_vectors_round_trip_through_the_testbench(byo_build, monkeypatch, tmp_path, capsys):
    directory, config, model, _ = byo_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work)
    monkeypatch.chdir(work)
    out = work / "vectors"
    assert main(["vectors", str(config), "-n", "300", "-o", str(out)]) == 0
    inputs, outputs = read_text(out)
    assert inputs.shape == (300, 252) and outputs.shape == (300, 1)
    # the project's own testbench, fed the vectors, reproduces the expected outputs bit for bit
    firmware = csim.run_testbench(work / "hls_projects/byo", inputs, outputs)
    assert csim.compare_bits(outputs, firmware, 2**-8).bit_exact
    binary = read_binary(out / BINARY_FILE)
    assert np.array_equal(binary.inputs, inputs) and np.array_equal(binary.outputs, outputs)
    assert binary.output_type.hls() == "ap_ufixed<16,8>" and binary.input_bits == 10
    first = (out / BINARY_FILE).read_bytes()
    assert main(["vectors", str(config), "-n", "300", "-o", str(out)]) == 0
    assert (out / BINARY_FILE).read_bytes() == first  # reproducible
    truncated = tmp_path / "cut.bin"
    truncated.write_bytes(first[:-10])
    from cicada.core.errors import DataError

    with pytest.raises(DataError, match="truncated"):
        read_binary(truncated)


def test_synth_without_vendor_tools_says_what_is_missing(byo_build, monkeypatch, tmp_path, capsys):
    directory, config, model, _ = byo_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work)
    monkeypatch.chdir(work)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    # the synth command works on a build's project; point it at the imported model's build
    assert main(["synth", str(config)]) == 2
    err = capsys.readouterr().err
    assert "vitis-run (Vitis HLS >= 2023.1) is not on PATH" in err
    assert "`vitis-run --mode hls --tcl build_prj.tcl`" in err and "csim, synth" in err


def _fake_vitis(bin_dir, reports):
    """A stand-in vitis-run that leaves real Vivado HLS 2020.1 reports where Vitis would."""
    bin_dir.mkdir()
    fake = bin_dir / "vitis-run"
    target = "myproject_prj/solution1/syn/report"
    fake.write_text(
        "#!/bin/sh\n"
        f"mkdir -p {target} myproject_prj/solution1/sim/report\n"
        f"cp '{reports}/vivado_hls_2020.1/myproject_csynth.xml' {target}/\n"
        f"cp '{reports}/vivado_hls_2020.1/vivado_synth.rpt' .\n"
        f"cp '{reports}/vitis_hls_2023.1/myproject_prj/solution1/sim/report/myproject_cosim.rpt' "
        "myproject_prj/solution1/sim/report/\n"
    )
    fake.chmod(0o755)


def test_synth_with_a_vendor_tool_reads_everything_back(byo_build, monkeypatch, tmp_path, capsys):
    directory, config, model, _ = byo_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work)
    monkeypatch.chdir(work)
    _fake_vitis(tmp_path / "bin", REPORTS)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    assert main(["synth", str(config), "--cosim", "--vivado"]) == 0
    out = capsys.readouterr().out
    # the reference report targets 5 ns: 10 cycles = 50 ns, II 8 x 5 ns = 40 ns > 25 ns
    assert "latency     vendor: 10 cycles = 50.0 ns = 2.00 BX, II 8 (EXCEEDS 25 ns)" in out
    assert "co-sim      Fail" in out
    options = (work / "hls_projects/byo/build_opt.tcl").read_text()
    assert "cosim      1" in options and "vsynth     1" in options
    # the full build's report carries the figures and flags the violation
    assert main(["convert", str(config), "--model", str(model)]) == 0
    markdown = (work / "hls_projects/byo/report.md").read_text()
    assert "VIOLATION" in markdown and "Vivado post-synthesis utilisation" in markdown
    assert "RTL co-simulation: **Fail**" in markdown


def test_status_of_an_imported_build(byo_build, monkeypatch, capsys):
    directory, config, _, _ = byo_build
    monkeypatch.chdir(directory)
    assert main(["status", str(config)]) == 0
    out = capsys.readouterr().out
    assert "import" in out and "teacher" not in out
    assert out.count("up to date") == out.count("\n")


def test_emulator_command_exports_a_namespaced_library(byo_build, monkeypatch, tmp_path, capsys):
    import subprocess

    directory, config, _, _ = byo_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work)
    monkeypatch.chdir(work)
    assert main(["emulator", str(config), "--version", "3", "-o", str(tmp_path / "lib")]) == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in printed] == ["libcicada_byo_v3.so", "cicada_byo_v3.h", "cicada_byo_v3.json"]
    exported = subprocess.run(["nm", "-D", "--defined-only", printed[0]], capture_output=True, text=True).stdout
    names = {line.split()[-1] for line in exported.splitlines() if line.strip()}
    assert names and all(name.startswith("cicada_byo_v3_") for name in names)
    assert "cicada_byo_v3_predict" in (tmp_path / "lib" / "cicada_byo_v3.h").read_text()
