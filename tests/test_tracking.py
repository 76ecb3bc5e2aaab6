"""Tracking with MLflow: a build as one run, a scan as a parent run with a child per point.

Read back through MLflow's own client from the local store a build makes (SQLite in its folder).
The builds are copies of the tiny build (every stage reused: tracking reruns nothing); the scan
builds two tiny points.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest
import yaml

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ConfigError
from cicada.pipeline.build import STAGE_NAMES, STAGES, make_context
from cicada.pipeline.engine import components
from cicada.tracking.names import flatten, mlflow_name

from .conftest import TINY, run_cli_in, write_config
from .test_scan import BASE, free_port

ON = {"enabled": True}


def client_for(folder):
    from mlflow.tracking import MlflowClient

    return MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")


def runs_of(client, experiment: str) -> list:
    found = client.get_experiment_by_name(experiment)
    return [] if found is None else client.search_runs([found.experiment_id], order_by=["attributes.start_time ASC"])


def artifact_paths(client, run_id: str, path: str | None = None) -> set[str]:
    paths = set()
    for item in client.list_artifacts(run_id, path):
        paths |= artifact_paths(client, run_id, item.path) if item.is_dir else {item.path}
    return paths


@pytest.fixture
def tiny_copy_dir(tiny_build, tmp_path, monkeypatch):
    """A copy of the tiny build to change; MLflow's environment variable unset (the default store)."""
    directory, _, code = tiny_build
    assert code == 0
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return work


# ---------------------------------------------------------------------------------- config
def test_tracking_settings_change_no_fingerprint(tmp_path):
    """Turning tracking on or pointing it elsewhere reruns no stage; another rate does."""

    def parts(config: dict) -> dict:
        context = make_context(config_from_mapping(config), tmp_path / "config.yaml", tmp_path)
        return {s.name: components(s, context, {u: "upstream" for u in s.upstream}) for s in STAGES}

    plain = parts(TINY)
    tracked = parts(
        {**TINY, "tracking": {"enabled": True, "uri": "http://elsewhere:5000", "experiment": "x", "force": True}}
    )
    assert tracked == plain
    other_rates = parts({**TINY, "rates": {"target_rates_khz": [2.0]}})
    assert [name for name in STAGE_NAMES if other_rates[name] != plain[name]] == ["rates", "report"]


def test_schema_documents_the_tracking_section():
    from cicada.config.reference import schema_reference

    for text in (schema_reference(), schema_reference(True)):
        assert "tracking: MLflow tracking" in text and "  uri: MLflow tracking URI" in text


def test_wrong_tracking_key_is_one_line():
    with pytest.raises(ConfigError, match=r"key 'tracking\.urll': unknown key \(allowed here: enabled, uri,"):
        config_from_mapping({**TINY, "tracking": {"urll": "http://x"}})
    with pytest.raises(ConfigError, match=r"key 'tracking\.timeout_s': "):
        config_from_mapping({**TINY, "tracking": {"timeout_s": 0}})


def test_tracking_without_mlflow_is_one_line_before_any_work(in_tmp, monkeypatch, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else find_spec(name, *a))
    config = write_config(in_tmp, {**TINY, "tracking": ON})
    assert run_cli_in(in_tmp, "build", str(config)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"error: {config}: key 'tracking.enabled': logging to MLflow needs mlflow: pip install 'cicada[tracking]'"
    )
    assert not (in_tmp / "models/tiny").exists()  # nothing ran


def test_config_keys_and_columns_as_mlflow_names():
    assert mlflow_name("student.layers[4].units") == "student.layers.4.units"
    assert mlflow_name("efficiency@1.6kHz:dijet") == "efficiency/1.6kHz/dijet"
    assert mlflow_name("a+b") == "a_b"
    flat = flatten(
        {"rates": {"target_rates_khz": [1.0, 3.0]}, "student": {"layers": [{"type": "Flatten"}]}, "hls": {"layers": {}}}
    )
    assert flat == {
        "rates.target_rates_khz": "[1.0, 3.0]",
        "student.layers.0.type": "Flatten",
        "hls.layers": "{}",
    }


# ---------------------------------------------------------------------------------- a build
@pytest.mark.slow
def test_build_logs_one_run_and_a_rerun_logs_nothing_new(tiny_copy_dir, capsys):
    work = tiny_copy_dir
    config = write_config(work, {**TINY, "tracking": ON}, "tracked.yaml")
    assert run_cli_in(work, "build", str(config)) == 0
    err = capsys.readouterr().err
    assert err.count("up to date, reused") == len(STAGE_NAMES)  # tracking reran nothing
    assert "tracking: MLflow run " in err

    client = client_for(work / "models/tiny")
    (run,) = runs_of(client, "tiny")
    data = run.data
    assert run.info.status == "FINISHED" and run.info.run_name == "tiny"
    assert data.params["student.epochs"] == "3" and data.params["data.signals.0.name"] == "dijet"
    assert data.params["hls.layers.conv.parallelization_factor"] == "21"
    assert not any(key.startswith("tracking") for key in data.params)

    report = json.loads((work / "hls_projects/tiny/report.json").read_text())
    metrics = data.metrics
    for signal in ("dijet", "egamma"):
        assert metrics[f"auc/{signal}"] == pytest.approx(report["auc"][signal]["firmware"])
        assert metrics[f"auc_teacher/{signal}"] == pytest.approx(report["auc"][signal]["teacher"])
    point = next(p for p in report["rates"]["working_points"] if p["target_khz"] == 1.0)
    assert metrics["threshold/1kHz"] == pytest.approx(point["threshold"])
    assert metrics["efficiency/1kHz/dijet"] == pytest.approx(point["signal_efficiency"]["dijet"])
    assert metrics["csim_events"] == 1000 and metrics["csim_mismatches"] == 0 and metrics["bit_exact"] == 1
    assert metrics["parameters"] == report["parameter_count"]
    assert set(report["stage_seconds"]) == {k.split("/")[1] for k in metrics if k.startswith("stage_seconds/")}
    assert "peak_memory_mb" not in metrics  # no stage ran in this process: nothing was measured
    # no synthesis ran (vendor tools absent, RTL off): the sources say why, with no figures
    assert data.tags["vendor/latency_source"].startswith("not available: ")
    assert data.tags["rtl/resources_source"] == "not available: synthesis.rtl.run is 'off' in the config"
    assert data.tags["latency_source"].startswith("not available") and "LUT" not in metrics
    stamps = {p.stem: json.loads(p.read_text())["fingerprint"] for p in (work / "models/tiny/.stamps").glob("*.json")}
    assert {k.split("/")[1]: v for k, v in data.tags.items() if k.startswith("fingerprint/")} == stamps

    teacher_loss = client.get_metric_history(run.info.run_id, "teacher/loss")
    assert [m.step for m in sorted(teacher_loss, key=lambda m: m.step)] == [1, 2]
    assert len(client.get_metric_history(run.info.run_id, "student/val_loss")) == 3

    artifacts = artifact_paths(client, run.info.run_id)
    for path in (
        "config/tracked.yaml",
        "report/report.json",
        "report/report.md",
        "report/thresholds.csv",
        "plots/roc_vs_rate.png",
        "plots/teacher_loss.png",
        "training/student_history.csv",
        "models/student.h5",
        "models/teacher.h5",
    ):
        assert path in artifacts, sorted(artifacts)

    # the same build again: nothing new to log
    assert run_cli_in(work, "build", str(config)) == 0
    assert f"nothing new since MLflow run {run.info.run_id}" in capsys.readouterr().err
    assert len(runs_of(client, "tiny")) == 1
    # asked to, `cicada track` logs it again, without the model files when told so
    lean = write_config(work, {**TINY, "tracking": {**ON, "log_models": False}}, "tracked.yaml")
    assert run_cli_in(work, "track", str(lean), "--force") == 0
    runs = runs_of(client, "tiny")
    assert len(runs) == 2
    assert not any(p.startswith("models/") for p in artifact_paths(client, runs[1].info.run_id))


@pytest.mark.slow
def test_unreachable_tracking_server_warns_and_the_build_succeeds(tiny_copy_dir, capsys):
    work = tiny_copy_dir
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    config = write_config(work, {**TINY, "tracking": {**ON, "uri": uri}}, "dead.yaml")
    started = time.monotonic()
    assert run_cli_in(work, "build", str(config)) == 0
    assert time.monotonic() - started < 60
    err = capsys.readouterr().err
    assert f"warning: tracking: the MLflow tracking server at {uri} does not answer (" in err
    assert f"`cicada track {config}` logs it later" in err
    assert not (work / "models/tiny/tracking.json").exists()
    assert run_cli_in(work, "track", str(config)) == 1  # the command's only job: a failure


@pytest.mark.slow
def test_every_latency_and_resource_figure_has_its_source(rtl_build, tmp_path, monkeypatch):
    """The RTL flow's figures (simulated latency, Yosys resources, alkaid's estimate) each with their source tag."""
    from .conftest import RTL_TINY

    directory, _, code = rtl_build
    assert code == 0
    work = tmp_path / "rtl"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    config = write_config(work, {**RTL_TINY, "tracking": ON}, "tracked.yaml")
    assert run_cli_in(work, "track", str(config)) == 0
    (run,) = runs_of(client_for(work / "models/rtl"), "rtl")
    metrics, tags = run.data.metrics, run.data.tags
    report = json.loads((work / "hls_projects/rtl/report.json").read_text())
    assert metrics["rtl/latency_cycles"] == report["latency"]["rtl"]["cycles"] == metrics["latency_cycles"]
    assert tags["rtl/latency_source"] == report["latency"]["rtl"]["source"] == tags["latency_source"]
    assert tags["rtl/latency_source"].startswith("measured in RTL simulation")
    assert metrics["rtl/LUT"] == report["resources"]["rtl"]["LUT"] == metrics["LUT"] > 0
    assert tags["rtl/resources_source"].startswith("open-source synthesis: Yosys")
    assert tags["resources_source"] == tags["rtl/resources_source"]
    assert metrics["estimate/rtl/LUT"] > 0 and tags["estimate/rtl/source"].startswith("estimate: alkaid")
    assert metrics["rtl_vs_qkeras_events"] > 0 and metrics["rtl_vs_qkeras_mismatches"] == 0
    figures = [key for key in metrics if key.split("/")[-1] in FIGURES_WITH_SOURCES]
    assert len(figures) >= 10
    for key in figures:
        assert source_tag(key) in tags, key


FIGURES_WITH_SOURCES = (
    "LUT",
    "FF",
    "DSP",
    "BRAM",
    "CARRY4",
    "latency_cycles",
    "latency_ns",
    "latency_bx",
    "interval_cycles",
)


def source_tag(metric: str) -> str:
    """The tag naming where a latency or resource metric comes from: ``rtl/LUT`` ->
    ``rtl/resources_source``, ``latency_ns`` -> ``latency_source``, ``estimate/rtl/LUT`` -> ``estimate/rtl/source``."""
    *prefix, figure = metric.split("/")
    if prefix[:1] == ["estimate"]:
        return "/".join([*prefix, "source"])
    latency = figure.startswith("latency_") or figure == "interval_cycles"
    return "/".join([*prefix, "latency_source" if latency else "resources_source"])


# ---------------------------------------------------------------------------------- a scan
@pytest.mark.slow
def test_scan_logs_a_parent_run_and_one_child_per_point(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    write_config(tmp_path, BASE, "base.yaml")
    spec = {
        "name": "tracked",
        "base": "base.yaml",
        "grid": {"student.layers[4].units": [2, 3]},
        "engine": {"kind": "local", "workers": 2, "dashboard_address": ":0"},
        "pareto": {"rate_khz": 3000},
        "tracking": ON,
    }
    (tmp_path / "scan.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    assert run_cli_in(tmp_path, "scan", "scan.yaml") == 0

    client = client_for(tmp_path / "models/tracked")
    runs = runs_of(client, "tracked")
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    parent = parents[0]
    assert parent.data.metrics == {"points": 2.0, "points_done": 2.0, "points_failed": 0.0}
    assert parent.data.params["scan.grid.student.layers.4.units"] == "[2, 3]"
    assert parent.data.params["student.epochs"] == "1"  # the base config's
    assert {"config/scan.yaml", "config/base.yaml", "results/results.csv", "results/scan.md"} <= artifact_paths(
        client, parent.info.run_id
    )
    rows = {r["point"]: r for r in _csv_rows(tmp_path / "models/tracked/results.csv")}
    units = set()
    for child in children:
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        row = rows[child.info.run_name]
        assert child.data.params == {"student.layers.4.units": row["student.layers[4].units"]}
        units.add(child.data.params["student.layers.4.units"])
        assert child.data.tags["status"] == "done" and child.data.metrics["bit_exact"] == 1
        assert child.data.metrics["parameters"] == float(row["parameters"])
        assert child.data.metrics["efficiency/3000kHz/dijet"] == pytest.approx(float(row["efficiency@3000kHz:dijet"]))
        assert child.data.tags["latency_source"].startswith("not available")
        assert "report/report.json" in artifact_paths(client, child.info.run_id)
    assert units == {"2", "3"}


def _csv_rows(path) -> list[dict]:
    import csv

    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))
