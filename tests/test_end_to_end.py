"""A small build through the command line: every stage, the report, reuse, and errors."""

from __future__ import annotations

import json
import shutil

import pytest

from cicada.cli import main
from cicada.config.loader import load_config
from cicada.core.errors import VerificationError
from cicada.core.files import sha256_hdf5
from cicada.pipeline.build import STAGE_NAMES, build

from .conftest import TINY, shift_output_layer_weights, write_config

pytestmark = pytest.mark.slow  # trains models, compiles firmware or runs Pythia


def test_build_succeeds_and_writes_models_and_project(tiny_build):
    directory, _, code = tiny_build
    assert code == 0
    assert (directory / "models/tiny/teacher.h5").exists()
    assert (directory / "models/tiny/student.h5").exists()
    for name in (
        "myproject_test.cpp",
        "firmware/myproject.cpp",
        "firmware/parameters.h",
        "build_prj.tcl",
        "tb_data/csim_results.log",
        "report.json",
        "report.md",
    ):
        assert (directory / "hls_projects/tiny" / name).exists(), name
    assert not [p for p in directory.rglob("*.partial")]


def test_report_fields(tiny_build):
    directory, _, _ = tiny_build
    report = json.loads((directory / "hls_projects/tiny/report.json").read_text())
    assert report["parameter_count"] == 4080
    assert [layer["name"] for layer in report["student"]["layers"]][:3] == ["inputs_", "reshape", "conv"]
    csim = report["bit_accuracy"]["csim_vs_qkeras"]
    assert csim["bit_exact"] and csim["mismatches"] == 0 and csim["events"] == 1000
    assert report["bit_accuracy"]["csim_events_per_dataset"] == {"zero_bias_test": 500, "dijet": 250, "egamma": 250}
    assert all(a["mismatches"] == 0 for a in report["bit_accuracy"]["firmware_vs_qkeras_all_test_events"].values())
    assert report["precision_proof"]["proven"]
    # no vendor tool here: the report says so instead of giving numbers
    assert report["latency"]["vendor"]["available"] is False and "not on PATH" in report["latency"]["vendor"]["reason"]
    assert report["resources"]["vendor"]["available"] is False
    rates = report["rates"]
    # zero-bias test events, and the hard-scatter slices (default: one 50th as many per slice)
    assert rates["rate_sample"] == {"zero_bias_test": 1200, "zero_bias_slices": 480}
    assert rates["zero_bias_events"] == 1680
    assert [wp["target_khz"] for wp in rates["working_points"]] == [0.25, 0.5, 1.0, 1.6, 3.0]
    for wp in rates["working_points"]:
        assert wp["rate_khz"] <= wp["target_khz"] and set(wp["signal_efficiency"]) == {"dijet", "egamma"}
        assert wp["statistics_limited"]  # 1200 events: one event is 24 kHz
        low, high = wp["threshold_interval"]
        assert low <= high and wp["pure_rate_khz"] <= wp["rate_khz"]
    assert (directory / rates["rate_plot"]).read_bytes()[:4] == b"\x89PNG"
    assert [s["menu_seed"] for s in rates["seeds"]["seeds"]] == ["L1_SingleJet180", "L1_HTT280er", "L1_ETMHF90"]
    assert rates["pileup"] is not None or "NPileup" in rates["pileup_note"]
    for name in ("thresholds_csv", "thresholds_json"):
        assert (directory / rates[name]).stat().st_size > 0
    markdown = (directory / "hls_projects/tiny/report.md").read_text()
    for text in (
        "4,080 parameters",
        "**bit-exact**",
        "vendor: not available",
        "statistics-limited",
        "## Trigger rates",
        "Clopper-Pearson",
        "### Beside the standard seeds",
    ):
        assert text in markdown


def test_second_build_reuses_every_stage(tiny_build, monkeypatch, capsys):
    directory, config, _ = tiny_build
    monkeypatch.chdir(directory)
    assert main(["build", str(config)]) == 0
    err = capsys.readouterr().err
    assert err.count("up to date, reused") == len(STAGE_NAMES)


def test_changing_only_rates_reruns_only_rates_and_report(tiny_build, monkeypatch, tmp_path):
    directory, _, _ = tiny_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.chdir(work)
    changed = write_config(work, {**TINY, "rates": {"target_rates_khz": [5.0, 50.0]}}, "changed.yaml")
    context, outcomes = build(load_config(changed), changed)
    ran = [o.name for o in outcomes if not o.reused]
    assert ran == ["rates", "report"]
    assert [wp.target_khz for wp in context.results["rates"].working_points] == [5.0, 50.0]


def test_deleted_output_and_force_rerun_the_stage(tiny_build, monkeypatch, tmp_path):
    directory, config, _ = tiny_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.chdir(work)
    before = sha256_hdf5(work / "models/tiny/data/egamma.h5")
    (work / "models/tiny/data/egamma.h5").unlink()
    # the data stage regenerates the file's content exactly (seeded), so nothing downstream reruns.
    # (Content, not bytes: in a process that has used HDF5 for much else, the library may lay
    # the same content out 2 bytes longer; the build hashes content for the same reason.)
    _, outcomes = build(load_config(config), config)
    assert [o.name for o in outcomes if not o.reused] == ["data"]
    assert sha256_hdf5(work / "models/tiny/data/egamma.h5") == before
    _, outcomes = build(load_config(config), config, until="data", force=True)
    assert [o.reused for o in outcomes] == [False]


def test_firmware_disagreeing_with_qkeras_fails_loudly(tiny_build, monkeypatch, tmp_path):
    from cicada.pipeline import stamps
    from cicada.pipeline.context import BuildContext
    from cicada.pipeline.stages import convert, verify

    directory, config, _ = tiny_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.chdir(work)
    # corrupt the firmware: shift the output layer's weights, in both files hls4ml writes
    shift_output_layer_weights(work / "hls_projects/tiny")
    context = BuildContext(load_config(config), config, root=work)
    context.results["convert"] = stamps.read_stamp(context.model_dir, "convert", convert.ConvertResult).result
    with pytest.raises(VerificationError) as info:
        verify.run(context)
    message = str(info.value)
    assert "C simulation disagrees with QKeras on" in message and "of 1,000 test images" in message
    assert "largest difference" in message and "LSB" in message and "e.g. image" in message
    # hls4ml itself would have generated the right firmware: the diagnosis points at the edited files
    assert "a fresh conversion with the same settings agrees with QKeras" in message
    report = json.loads((work / "hls_projects/tiny/report.json").read_text())
    assert report["status"] == "verification failed" and report["diagnosis"]["layer"] is None


def test_weight_files_for_synthesis_and_simulation_must_agree(tiny_build, tmp_path):
    from cicada.firmware.csim import check_weight_files

    directory, _, _ = tiny_build
    project = tmp_path / "prj"
    shutil.copytree(directory / "hls_projects/tiny", project)
    assert check_weight_files(project) == 6
    txt = project / "firmware/weights/w7.txt"
    values = txt.read_text().split(",")
    values[5] = " 0.25000000" if values[5].strip() != "0.25000000" else " 0.5"
    txt.write_text(",".join(values))
    with pytest.raises(VerificationError, match="w7.h and w7.txt hold different weights \\(1 values\\)"):
        check_weight_files(project)


def test_bad_config_gives_one_line_and_exit_code_2(in_tmp, capsys):
    path = write_config(in_tmp, {"teacher": {"epochs": -1}}, "bad.yaml")
    assert main(["build", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {path}: key 'teacher.epochs': expected a value >= 1, got -1"]
    assert not (in_tmp / "models").exists()


@pytest.mark.parametrize("command", [[], ["build"], ["data"], ["check"], ["status"], ["schema"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: cicada" in capsys.readouterr().out


def test_check_and_status_commands(tiny_build, monkeypatch, capsys):
    directory, config, _ = tiny_build
    monkeypatch.chdir(directory)
    assert main(["check", str(config)]) == 0
    assert "zero_bias_events: 3000" in capsys.readouterr().out
    assert main(["status", str(config)]) == 0
    assert capsys.readouterr().out.count("up to date") == len(STAGE_NAMES)
