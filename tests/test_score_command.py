"""``cicada score`` on files a build never saw, and ``cicada rates`` for other target rates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from cicada.cli import main
from cicada.config.loader import config_from_mapping
from cicada.core.files import sha256_file
from cicada.data.hdf5 import read_regions, read_scores, write_regions
from cicada.data.make import make_datasets
from cicada.firmware.emulator import FirmwareEmulator
from cicada.pipeline import stamps
from cicada.pipeline.stages.rates import RatesResult

from .conftest import shift_output_layer_weights, write_config


def _unseen_file(directory: Path, seed: int = 4321) -> Path:
    """Region images from cicada's generators with a seed no build of the tests uses."""
    config = config_from_mapping(
        {
            "name": "unseen",
            "data": {"zero_bias_events": 400, "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 150}]},
        }
    )
    paths = make_datasets(config.data, seed, directory / "unseen")
    return paths["dijet"]


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error:")]
    assert len(errors) == 1, err
    return errors[0]


def _working_points(directory: Path, name: str):
    stamp = stamps.read_stamp(directory / "models" / name, "rates", RatesResult)
    assert stamp is not None
    return stamp.result.working_points


def test_score_a_file_an_imported_build_never_saw(byo_build, monkeypatch, tmp_path, capsys):
    directory, config, _, code = byo_build
    assert code == 0
    monkeypatch.chdir(directory)
    unseen = _unseen_file(tmp_path)
    before = sha256_file(unseen)
    assert main(["score", str(config), str(unseen), "--check-all"]) == 0
    printed = capsys.readouterr().out
    assert f"{unseen}: " in printed and "dijet.scores.h5" in printed and "efficiency" in printed

    scores = read_scores(unseen.with_name("dijet.scores.h5"))["dijet"]
    assert "teacher_mse" not in scores  # an imported model has no teacher
    assert {"student_qkeras", "firmware", "total_et"} <= set(scores)
    images = read_regions(unseen)
    assert np.array_equal(
        scores["firmware"], FirmwareEmulator(directory / "hls_projects" / "byo").predict(images)[:, 0]
    )
    assert np.array_equal(scores["firmware"], scores["student_qkeras"])  # proven precisions: exact on any input
    assert sha256_file(unseen) == before  # the input is never written

    summary = json.loads(unseen.with_name("dijet.scores.json").read_text())
    assert summary["events"] == len(images)
    assert summary["firmware_checked_against_emulator_library"] == {"events": len(images), "bit_exact": True}
    points = _working_points(directory, "byo")
    assert [p["threshold"] for p in summary["working_points"]] == [p.threshold for p in points]
    for point in summary["working_points"]:
        assert point["efficiency"] == pytest.approx(np.mean(scores["firmware"] > point["threshold"]))
    efficiencies = [p["efficiency"] for p in summary["working_points"]]
    assert efficiencies == sorted(efficiencies) and efficiencies[-1] > 0  # looser thresholds accept more
    assert "| target rate (kHz) |" in unseen.with_name("dijet.scores.md").read_text()


def test_score_writes_into_a_folder_and_checks_a_subset(byo_build, monkeypatch, tmp_path, capsys):
    directory, config, _, _ = byo_build
    monkeypatch.chdir(directory)
    unseen = _unseen_file(tmp_path, seed=98765)
    out_dir = tmp_path / "results"
    assert main(["score", str(config), str(unseen), "-o", str(out_dir), "--check-events", "25"]) == 0
    summary = json.loads((out_dir / "dijet.scores.json").read_text())
    assert summary["firmware_checked_against_emulator_library"]["events"] == 25
    assert not unseen.with_name("dijet.scores.h5").exists()


def test_score_errors(byo_build, in_tmp, monkeypatch, capsys):
    directory, config, _, _ = byo_build
    # a build that has not run: the missing stage and the command that runs it
    fresh = write_config(in_tmp, {"name": "never_built"})
    images = in_tmp / "images.h5"
    write_regions(images, np.zeros((3, 18, 14), dtype=np.uint16))
    assert main(["score", str(fresh), str(images)]) == 2
    line = _one_error_line(capsys)
    assert "'convert' stage" in line and "cicada build" in line

    monkeypatch.chdir(directory)
    assert main(["score", str(config), str(in_tmp / "missing.h5")]) == 2
    assert "missing.h5: file not found" in _one_error_line(capsys)

    misshaped = in_tmp / "misshaped.h5"
    with h5py.File(misshaped, "w") as handle:
        handle.create_dataset("CaloRegions", data=np.zeros((4, 18, 13), dtype=np.uint16))
    assert main(["score", str(config), str(misshaped)]) == 2
    assert "has shape (4, 18, 13), expected (N, 18, 14)" in _one_error_line(capsys)
    assert not (in_tmp / "misshaped.scores.h5").exists()

    assert main(["score", str(config), str(images), "-o", str(images)]) == 2  # would overwrite the input
    assert "refusing to overwrite" in _one_error_line(capsys)


def test_rates_for_other_targets(byo_build, monkeypatch, capsys):
    directory, config, _, _ = byo_build
    monkeypatch.chdir(directory)
    project = directory / "hls_projects" / "byo"
    own = {p: sha256_file(p) for p in project.glob("*.png")}
    stamp_before = stamps.stamp_path(directory / "models" / "byo", "rates").read_text()

    # 800 zero-bias test events: one event is 36 kHz, so these targets let 0, 2 and 27 events pass
    assert main(["rates", str(config), "--targets", "1000", "0.5", "100"]) == 0
    printed = capsys.readouterr().out
    folder = project / "rates-0.5-100-1000kHz"
    result = json.loads((folder / "rates.json").read_text())
    points = result["working_points"]
    assert [p["target_khz"] for p in points] == [0.5, 100.0, 1000.0]
    thresholds = [p["threshold"] for p in points]
    assert thresholds[0] > thresholds[1] > thresholds[2]  # a higher rate needs a lower threshold
    build_points = {p.target_khz: p.threshold for p in _working_points(directory, "byo")}
    assert thresholds[0] == build_points[0.5]  # the same target gives the build's own threshold
    table = printed.splitlines()
    assert "target_khz" in table[0] and "threshold" in table[0] and table[3].split()[0] == "1000"
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(p.name for p in own)

    # the build's own outputs and stamp are untouched, and still up to date
    assert {p: sha256_file(p) for p in own} == own
    assert stamps.stamp_path(directory / "models" / "byo", "rates").read_text() == stamp_before
    assert main(["status", str(config)]) == 0
    assert "rates      up to date" in capsys.readouterr().out

    assert main(["rates", str(config), "--targets", "0"]) == 2
    assert "--targets: expected rates in kHz greater than 0" in _one_error_line(capsys)


def test_score_with_a_teacher(tiny_build, monkeypatch, tmp_path, capsys):
    directory, config, code = tiny_build
    assert code == 0
    monkeypatch.chdir(directory)
    unseen = _unseen_file(tmp_path, seed=2468)
    assert main(["score", str(config), str(unseen)]) == 0
    scores = read_scores(unseen.with_name("dijet.scores.h5"))["dijet"]
    assert {"teacher_mse", "student_float", "student_qkeras", "firmware", "total_et"} == set(scores)
    assert np.all(scores["teacher_mse"] > 0)
    # the build's own scores: the integer model, checked on every test event
    result = json.loads(stamps.stamp_path(directory / "models" / "tiny", "scores").read_text())["result"]
    assert result["firmware_engine"].startswith("integer model")
    checks = result["integer_vs_emulator"]
    assert checks and all(c["bit_exact"] for c in checks.values())
    assert sum(c["events"] for c in checks.values()) == sum(c["events"] for c in result["firmware_vs_qkeras"].values())


def test_scores_stage_stops_when_the_firmware_and_the_integer_model_disagree(tiny_build, monkeypatch, tmp_path):
    """A firmware edited after verification: the emulator library runs the edited C++, the integer
    model the converted network, and the scores stage refuses to write scores."""
    from cicada.config.loader import load_config
    from cicada.core.errors import VerificationError
    from cicada.pipeline.context import BuildContext
    from cicada.pipeline.stages import convert, scores

    directory, config, _ = tiny_build
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.chdir(work)
    shift_output_layer_weights(work / "hls_projects/tiny")
    context = BuildContext(load_config(config), config, root=work)
    context.results["convert"] = stamps.read_stamp(context.model_dir, "convert", convert.ConvertResult).result
    context.results["teacher"] = True  # the stage only asks whether there is one
    scores_file = context.scores_file.read_bytes()
    with pytest.raises(VerificationError, match=r"integer model disagrees with the emulator library on [\d,]+ of"):
        scores.run(context)
    assert context.scores_file.read_bytes() == scores_file  # nothing written


def test_rates_on_another_zero_bias_sample(tiny_build, monkeypatch, tmp_path, capsys):
    """`cicada rates --zero-bias`: thresholds, rates, seeds and efficiencies on files the build never saw, weighted
    or not, written beside the build's outputs without touching them; bad files give one error line."""
    directory, config, code = tiny_build
    assert code == 0
    monkeypatch.chdir(directory)
    project = directory / "hls_projects" / "tiny"
    own = {p: sha256_file(p) for p in project.glob("*.png")} | {p: sha256_file(p) for p in project.glob("*.json")}
    stamp_before = stamps.stamp_path(directory / "models" / "tiny", "rates").read_text()
    plain_config = config_from_mapping(
        {
            "name": "zb",
            "data": {
                "zero_bias_events": 1500,
                "slices": {"events": 0},
                "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 10}],
            },
        }
    )
    plain = make_datasets(plain_config.data, 97, tmp_path / "zb")["zero_bias_test"]
    images = read_regions(plain)
    weighted = tmp_path / "weighted.h5"
    weights = np.where(images.max(axis=(1, 2)) > 40, 0.5, 1.0)  # any positive weights: scaled to add up to 1
    write_regions(weighted, images, weights=weights)

    assert main(["rates", str(config), "--zero-bias", str(plain), "--targets", "100", "1000"]) == 0
    out = capsys.readouterr().out
    folder = project / "rates-zero_bias_test-100-1000kHz"
    result = json.loads((folder / "rates.json").read_text())
    assert result["rate_sample"] == {"zero_bias_test": len(images)} and not result["weighted"]
    assert "unweighted" in result["sample_weighting"] and "L1_SingleJet180" in out and "Level-1 budget" in out
    firmware = read_scores(folder / "scores" / "zero_bias_test.scores.h5")["zero_bias_test"]["firmware"]
    for point in result["working_points"]:
        assert point["rate_khz"] == pytest.approx(
            np.count_nonzero(firmware > point["threshold"]) / len(images) * 28_607.28
        )
        assert set(point["signal_efficiency"]) == {"dijet", "egamma"}
    assert result["teacher_working_points"] is not None
    assert [t["target_khz"] for t in result["build_thresholds"]] == [100.0, 1000.0]
    for transfer in result["build_thresholds"]:
        passing = np.count_nonzero(firmware > transfer["threshold"])
        assert transfer["rate_khz"] == pytest.approx(passing / len(images) * 28_607.28)
    assert "how its thresholds transfer" in (folder / "rates.md").read_text()
    assert "the build's thresholds on this sample" in out
    assert {p.name for p in folder.glob("*.png")} >= {
        "rate_vs_threshold.png",
        "roc_vs_rate.png",
        "score_distributions.png",
    }

    assert main(["rates", str(config), "--zero-bias", str(weighted), "--weighted", "--targets", "100", "1000"]) == 0
    capsys.readouterr()
    result = json.loads((project / "rates-weighted-100-1000kHz" / "rates.json").read_text())
    assert result["weighted"] and "scaled to add up to 1" in result["sample_weighting"]
    share = weights / weights.sum()
    for point in result["working_points"]:
        assert point["rate_khz"] == pytest.approx(share[firmware > point["threshold"]].sum() * 28_607.28)

    # the build's own outputs and stamp are untouched
    assert {p: sha256_file(p) for p in own} == own
    assert stamps.stamp_path(directory / "models" / "tiny", "rates").read_text() == stamp_before

    assert main(["rates", str(config), "--zero-bias", str(plain), "--weighted"]) == 2
    assert "zero_bias_test.h5: no 'EventWeight' dataset, expected per-event weights (--weighted)" in _one_error_line(
        capsys
    )
    misshaped = tmp_path / "misshaped.h5"
    with h5py.File(misshaped, "w") as handle:
        handle["CaloRegions"] = np.zeros((4, 18, 13), dtype=np.uint16)
    assert main(["rates", str(config), "--zero-bias", str(misshaped)]) == 2
    assert "has shape (4, 18, 13), expected (N, 18, 14)" in _one_error_line(capsys)
    assert main(["rates", str(config), "--unweighted"]) == 2
    assert "--weighted and --unweighted apply to --zero-bias files" in _one_error_line(capsys)
