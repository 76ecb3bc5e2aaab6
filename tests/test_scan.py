"""cicada scan: the scan file's schema, its points, the Dask engines, sharded data, and whole scans.

The whole-scan tests build tiny points (a 2-filter student, a few hundred events) on a
LocalCluster of two workers, with one point failing on purpose and one worker killed while
it builds a point, then again through a separately started `dask scheduler` and `dask worker`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from cicada.config.loader import config_from_mapping
from cicada.config.scan import load_scan
from cicada.core.errors import ConfigError
from cicada.scan.paths import PathError, parse, with_value
from cicada.scan.plots import pareto_front
from cicada.scan.points import expand, point_id

from .conftest import REPO, run_cli_in, write_config

PYTHON = sys.executable
DASK = str(Path(sys.executable).parent / "dask")

#: A small custom student: trains in seconds, converts and compiles quickly.
BASE = {
    "name": "scanbase",
    "seed": 5,
    "data": {
        "zero_bias_events": 1200,
        "signals": [
            {"name": "dijet", "kind": "dijet_resonance", "events": 150},
            {"name": "egamma", "kind": "isolated_egamma", "events": 150},
        ],
    },
    "teacher": {"epochs": 1, "batch_size": 256, "patience": 1},
    "student": {
        "architecture": "custom",
        "epochs": 1,
        "batch_size": 256,
        "patience": 1,
        "layers": [
            {"type": "Reshape", "target_shape": [18, 14, 1]},
            {
                "type": "QConv2D",
                "name": "conv",
                "filters": 2,
                "kernel_size": [3, 3],
                "strides": [3, 2],
                "use_bias": False,
                "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
            },
            {"type": "QActivation", "activation": "quantized_relu(8,4)"},
            {"type": "Flatten"},
            {
                "type": "QDense",
                "name": "dense1",
                "units": 3,
                "kernel_quantizer": "quantized_bits(6,1,1,alpha=1)",
                "bias_quantizer": "quantized_bits(6,3,1,alpha=1)",
            },
            {"type": "QActivation", "activation": "quantized_relu(8,4)"},
            {
                "type": "QDense",
                "name": "dense2",
                "units": 1,
                "use_bias": False,
                "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)",
            },
            {"type": "QActivation", "activation": "quantized_relu(16,8)"},
        ],
    },
    "verify": {"csim_events": 100},
    "synthesis": {"rtl": {"run": "off"}},
    "rates": {"target_rates_khz": [1000, 3000]},
}

#: The accumulator proven too narrow at conversion: the point fails after training its student.
FAILING = {"hls.layers.conv.accum_precision": "ap_fixed<6,2>"}


def scan_file(directory: Path, engine: dict, **more) -> Path:
    """The CI-size scan: 6 grid points, one through the open-source RTL flow (Verilator, no Yosys), one failing."""
    write_config(directory, BASE, "base.yaml")
    spec = {
        "name": "ci",
        "base": "base.yaml",
        "grid": {"student.layers[4].units": [2, 3, 4], "hls.reuse_factor": [1, 2]},
        "points": [
            {
                "student.layers[4].units": 3,
                "synthesis.rtl.run": "on",
                "synthesis.rtl.yosys": False,
                "synthesis.rtl.simulate_events": 100,
                "synthesis.rtl.tradeoff": [],
            },
            FAILING,
        ],
        "engine": engine,
        "retries": 2,
        "pareto": {"rate_khz": 3000},
        **more,
    }
    path = directory / "scan.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


# ------------------------------------------------------------------------ schema
def write_scan(directory: Path, spec: dict) -> Path:
    write_config(directory, BASE, "base.yaml")
    path = directory / "scan.yaml"
    path.write_text(yaml.safe_dump({"base": "base.yaml", "pareto": {"rate_khz": 3000}, **spec}, sort_keys=False))
    return path


def test_jobqueue_specs_are_validated_and_make_job_scripts(tmp_path):
    from cicada.scan.cluster import jobqueue_cluster

    htcondor = {
        "kind": "htcondor",
        "jobs": 4,
        "memory": "4 GB",
        "disk": "10 GB",
        "job_extra_directives": {"+JobFlavour": '"workday"'},
        "job_script_prologue": ["source /opt/venv/bin/activate"],
        "interface": "lo",
    }
    slurm = {
        "kind": "slurm",
        "jobs": 2,
        "memory": "8 GiB",
        "walltime": "1-02:00:00",
        "queue": "short",
        "interface": "lo",
    }
    for engine, expected in (
        (htcondor, ['+JobFlavour = "workday"', "source /opt/venv/bin/activate", "MY.DaskWorkerDisk = 10000000000"]),
        (slurm, ["#SBATCH -p short", "#SBATCH -t 1-02:00:00", "#SBATCH --mem=8G"]),
    ):
        spec = load_scan(write_scan(tmp_path, {"grid": {"seed": [1]}, "engine": engine}))
        assert spec.engine.kind == engine["kind"]
        with jobqueue_cluster(spec.engine) as cluster:  # builds the job script; submits nothing
            script = cluster.job_script()
        for text in expected:
            assert text in script, text

    bad = [
        ({**htcondor, "disk": None}, "key 'engine.disk': expected a string"),
        ({k: v for k, v in htcondor.items() if k != "disk"}, "key 'engine.disk': missing"),
        ({**slurm, "memory": "lots"}, "key 'engine.memory': expected a string matching"),
        ({**slurm, "walltime": "2h"}, "key 'engine.walltime'"),
        ({**slurm, "jobs": 0}, "key 'engine.jobs': expected a value >= 1"),
        ({**slurm, "kind": "slurn"}, "did you mean 'slurm'"),
        ({**slurm, "cpus": 4}, "key 'engine.cpus': unknown key"),
        ({"kind": "scheduler", "address": "localhost:8786"}, "key 'engine.address'"),
    ]
    for engine, message in bad:
        with pytest.raises(ConfigError, match="scan.yaml: ") as caught:
            load_scan(write_scan(tmp_path, {"grid": {"seed": [1]}, "engine": engine}))
        assert message in str(caught.value), (message, str(caught.value))


def test_scan_file_mistakes_are_one_line(tmp_path):
    cases = [
        ({}, "expected at least one of grid, random or points"),
        ({"grid": {"name": ["x"]}}, "key 'grid': expected a key other than name"),
        ({"grid": {"student..units": [1]}}, "expected key paths like"),
        ({"grid": {"seed": []}}, "key 'grid.seed': expected a list of at least one value"),
        ({"random": {"samples": 2, "keys": {"seed": {"uniform": [2, 1]}}}}, "low <= high"),
        ({"random": {"samples": 2, "keys": {"seed": {"uniform": [1, 2], "choice": [1]}}}}, "exactly one of"),
        ({"grid": {"seed": [1]}, "retries": -1}, "key 'retries': expected a value >= 0"),
    ]
    for spec, message in cases:
        with pytest.raises(ConfigError) as caught:
            load_scan(write_scan(tmp_path, spec))
        assert message in str(caught.value) and "\n" not in str(caught.value)


# ------------------------------------------------------------------------ points
def test_key_paths():
    assert parse("student.layers[4].units") == ("student", "layers", 4, "units")
    data = {"student": {"layers": [{"units": 1}, {"units": 2}]}}
    assert with_value(data, "student.layers[1].units", 7)["student"]["layers"][1]["units"] == 7
    assert data["student"]["layers"][1]["units"] == 2  # a copy
    assert with_value(data, "hls.layers.dense1.reuse_factor", 4)["hls"] == {"layers": {"dense1": {"reuse_factor": 4}}}
    with pytest.raises(PathError, match=r"student.layers has 2 entries, so \[5\] does not exist"):
        with_value(data, "student.layers[5].units", 1)
    with pytest.raises(PathError, match="not a list"):
        with_value(data, "student[0]", 1)


def test_points_grid_random_and_explicit(tmp_path):
    base = config_from_mapping(dict(BASE))
    spec = load_scan(
        write_scan(
            tmp_path,
            {
                "grid": {"student.layers[4].units": [2, 3], "hls.reuse_factor": [1, 2, 4]},
                "random": {
                    "samples": 3,
                    "seed": 9,
                    "keys": {
                        "student.learning_rate": {"log_uniform": [1e-4, 1e-2]},
                        "student.layers[1].filters": {"int_uniform": [1, 3]},
                    },
                },
                "points": [{"student.layers[4].units": 2, "hls.reuse_factor": 1}],  # repeats a grid point
            },
        )
    )
    points = expand(spec, base, Path("scan.yaml"))
    assert len(points) == 6 + 3
    assert [p.config.student.layers[4].units for p in points[:6]] == [2, 2, 2, 3, 3, 3]
    assert [p.config.hls.reuse_factor for p in points[:6]] == [1, 2, 4, 1, 2, 4]
    assert all(p.config.name == f"scan-{p.id}" for p in points)
    assert len({p.id for p in points}) == 9 and points[0].id == point_id(
        {"hls.reuse_factor": 1, "student.layers[4].units": 2}
    )
    drawn = points[6:]
    assert all(1e-4 <= p.config.student.learning_rate <= 1e-2 for p in drawn)
    assert all(p.config.student.layers[1].filters in (1, 2, 3) for p in drawn)
    again = expand(spec, base, Path("scan.yaml"))
    assert [p.values for p in again] == [p.values for p in points]  # seeded
    assert len({p.shared_id for p in points}) == 1  # no key touches data or teacher

    seeds = load_scan(write_scan(tmp_path, {"grid": {"seed": [1, 2], "student.epochs": [1, 2]}}))
    assert len({p.shared_id for p in expand(seeds, base, Path("s.yaml"))}) == 2


def test_whole_layer_list_replaced(tmp_path):
    base = config_from_mapping(dict(BASE))
    smaller = [layer for i, layer in enumerate(BASE["student"]["layers"]) if i not in (4, 5)]
    spec = load_scan(write_scan(tmp_path, {"points": [{"student.layers": smaller}]}))
    (point,) = expand(spec, base, Path("scan.yaml"))
    assert [layer.type for layer in point.config.student.layers] == [layer["type"] for layer in smaller]


def test_invalid_point_names_point_and_key(tmp_path):
    base = config_from_mapping(dict(BASE))
    cases = [
        ({"grid": {"student.layers[4].units": [2, 0]}}, "key 'student.layers[4].units': expected a value >= 1"),
        ({"grid": {"student.layers[4].unitz": [2]}}, "unknown key; did you mean 'units'?"),
        ({"grid": {"student.layers[12].units": [2]}}, "student.layers has 8 entries, so [12] does not exist"),
        ({"grid": {"hls.layers.dense9.reuse_factor": [2]}}, "key 'hls.layers.dense9'"),
        ({"grid": {"seed": [1]}, "pareto": {"rate_khz": 1.0}}, "key 'pareto.rate_khz': expected one of"),
    ]
    for spec, message in cases:
        scan = load_scan(write_scan(tmp_path, spec))
        with pytest.raises(ConfigError) as caught:
            expand(scan, base, Path("scan.yaml"))
        text = str(caught.value)
        assert text.startswith("scan.yaml: point p") and message in text, text


@pytest.mark.parametrize("name", ["student_width", "cicada_v2_neighbours", "cicada_v2_lean"])
def test_shipped_scan_files_are_valid(name):
    from cicada.config.loader import load_config
    from cicada.scan.run import base_config_path, shared_folders

    path = REPO / "configs/scans" / f"{name}.yaml"
    spec = load_scan(path)
    base = load_config(base_config_path(spec, path))
    points = expand(spec, base, path)
    assert len(points) >= 4
    if name == "cicada_v2_neighbours":  # every point borrows the cicada_v2 build's data and teacher
        assert set(shared_folders(spec, base, {p.shared_id for p in points}).values()) == {"cicada_v2"}
        widths = {p.config.student.layers[1].filters * 100 + p.config.student.layers[5].units for p in points}
        assert widths == {416, 824}
    if name == "cicada_v2_lean":  # every point fine-tunes the cicada_v2 student, one without penalties
        assert {p.config.student.start_from for p in points} == {"../models/cicada_v2/student.h5"}
        assert [p.config.student.adder_cost.active() for p in points].count(False) == 1
        assert all(p.config.synthesis["rtl"].tradeoff[0].delay_constraint == 2 for p in points)


def test_scan_summary_lists_keys_every_point_shares_once():
    from cicada.scan.points import ScanPoint
    from cicada.scan.summary import _varying_and_common

    layers = [{"type": "Flatten"}]
    points = [
        ScanPoint("p1", {"student.layers": layers, "hls.reuse_factor": 1}, None, "s1"),
        ScanPoint("p2", {"student.layers": layers, "hls.reuse_factor": 2}, None, "s1"),
        ScanPoint("p3", {"student.layers": layers, "hls.reuse_factor": 2, "seed": 3}, None, "s2"),
    ]
    assert _varying_and_common(points) == (["hls.reuse_factor", "seed"], {"student.layers": layers})
    assert _varying_and_common(points[:1]) == (["student.layers", "hls.reuse_factor"], {})


def test_pareto_front():
    costs = [10, 20, 30, 15, 40]
    gains = [0.5, 0.7, 0.6, 0.4, 0.9]
    assert pareto_front(costs, gains) == [0, 1, 4]


def test_version_mismatch_message():
    from cicada.scan.cluster import cicada_identity, mismatch

    here = cicada_identity()
    assert mismatch(here, dict(here), "worker w") is None
    text = mismatch(here, {**here, "source": "0123"}, "worker tcp://1.2.3.4:5")
    assert "worker tcp://1.2.3.4:5 runs cicada source" in text and "install the same cicada on every worker" in text


# -------------------------------------------------------------- sharded datasets
def test_sharded_generation_same_events_for_one_and_two_workers(tmp_path):
    from dask.distributed import Client, LocalCluster

    from cicada.data.hdf5 import IMAGES_KEY, read_regions
    from cicada.scan.shards import ShardPlan, generate_sharded

    data = config_from_mapping(dict(BASE)).data
    plan = ShardPlan(events=2500, shard_events=1000)
    assert [s[1:] for s in plan.shards()] == [(0, 1000), (1000, 1000), (2000, 500)]
    images = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster:
            with Client(cluster) as client:
                path = generate_sharded(client, data, 5, tmp_path, plan, tmp_path / f"w{workers}" / "sample.h5")
        images[workers] = read_regions(path)
        assert not list(path.parent.glob(".*"))  # shard files removed
        import h5py

        with h5py.File(path) as handle:
            assert handle[IMAGES_KEY].chunks[0] == 2500 and handle[IMAGES_KEY].compression == "lzf"
    assert images[1].shape == (2500, 18, 14)
    assert np.array_equal(images[1], images[2])
    assert images[1].sum() > 0 and not np.array_equal(images[1][:1000], images[1][1000:2000])


# ---------------------------------------------------------------- whole scans
class ScanProcess:
    """`cicada scan` in a subprocess, its stderr collected line by line."""

    def __init__(self, path: Path, cwd: Path):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [PYTHON, "-m", "cicada", "scan", str(path)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in self.lines:
                if text in line:
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no line with {text!r}:\n{''.join(self.lines)}")

    def finish(self, timeout: float) -> int:
        code = self.process.wait(timeout)
        self.reader.join(5)
        return code

    @property
    def output(self) -> str:
        return "".join(self.lines)


def kill_a_worker_building_a_point(address: str, spared: str, timeout: float = 300) -> str:
    """SIGKILL the worker process that is building a point other than ``spared`` (the point that
    fails on purpose: it must not be the one whose rerun is checked); returns the point's id."""
    from dask.distributed import Client

    with Client(address, timeout="20s") as client:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for worker, keys in client.processing().items():
                points = [k for k in keys if str(k).startswith("cicada-point-") and spared not in str(k)]
                if points:
                    time.sleep(3)  # well inside its build
                    if points[0] not in client.processing().get(worker, ()):
                        break
                    pid = client.run(os.getpid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    return str(points[0]).split("-")[2]
            time.sleep(0.5)
    raise AssertionError("no worker was building a point")


def stamp_times(model_dir: Path) -> dict[str, str]:
    return {p.name: json.loads(p.read_text())["finished"] for p in sorted((model_dir / ".stamps").glob("*.json"))}


@pytest.fixture(scope="module")
def local_scan(tmp_path_factory):
    """The CI-size scan on a LocalCluster of two workers, one of them killed while building a point."""
    directory = tmp_path_factory.mktemp("scan")
    path = scan_file(
        directory,
        {"kind": "local", "workers": 2, "dashboard_address": ":0"},
        rate_sample={"events": 3000, "shard_events": 1000},
    )
    started = time.monotonic()
    scan = ScanProcess(path, directory)
    address = scan.wait_for("Dask scheduler tcp://", 120).split("Dask scheduler ")[1].split(";")[0]
    try:
        killed = kill_a_worker_building_a_point(address, spared=point_id(FAILING))
    except Exception as err:
        scan.process.kill()
        raise AssertionError(f"{err}\nthe scan's output:\n{scan.output}") from err
    code = scan.finish(1200)
    return directory, path, code, scan.output, killed, time.monotonic() - started


def read_rows(directory: Path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    rows = pq.read_table(directory / "models/ci/results.parquet").to_pylist()
    return {row["point"]: row for row in rows}


@pytest.mark.slow
def test_scan_on_local_cluster(local_scan):
    directory, path, code, output, killed, seconds = local_scan
    print(f"CI-size scan: {seconds:.0f} s")
    assert code == 1, output  # one point failed on purpose
    assert "dashboard http://" in output
    rows = read_rows(directory)
    assert len(rows) == 8
    failed = [r for r in rows.values() if r["status"] != "done"]
    assert len(failed) == 1 and failed[0]["hls.layers.conv.accum_precision"] == "ap_fixed<6,2>"
    assert failed[0]["error"].startswith("ConversionError: ") and "ap_fixed<6,2> would overflow" in failed[0]["error"]
    assert killed in rows
    assert rows[killed]["status"] == "done", rows[killed]["error"]  # its task ran again on the restarted worker
    done = [r for r in rows.values() if r["status"] == "done"]
    for row in done:
        assert row["bit_exact"] and row["bit_exact_events"] > 0
        assert row["parameters"] > 0 and 0 <= row["auc:dijet"] <= 1 and 0 <= row["auc:egamma"] <= 1
        assert row["rate_sample_events"] == 3000 and row["zero_bias_events"] == 3000
        assert row["rate@3000kHz"] <= 3000 and row["threshold@3000kHz"] is not None
        assert 0 <= row["efficiency@3000kHz:dijet"] <= 1
        assert row["wall_seconds"] > 0
    params = {
        (r["student.layers[4].units"], r["hls.reuse_factor"]): r["parameters"] for r in done if r["hls.reuse_factor"]
    }
    assert params[(2, 1)] < params[(3, 1)] < params[(4, 1)] and params[(3, 1)] == params[(3, 2)]
    (rtl,) = [r for r in done if r.get("synthesis.rtl.run") == "on"]
    assert rtl["latency_cycles"] > 0 and rtl["latency_source"].startswith("measured in RTL simulation")
    assert rtl["LUT"] > 0 and rtl["resources_source"].startswith("estimate: alkaid") and rtl["rtl_bit_exact"]
    others = [r for r in done if r is not rtl]
    assert all(r["LUT"] is None and r["latency_source"].startswith("not available") for r in others)

    scan_dir = directory / "models/ci"
    assert len(list((scan_dir / "shared").iterdir())) == 1  # one data set and one teacher for all
    csv_lines = (scan_dir / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 9 and csv_lines[0].startswith("point,status,error,shared,student.layers[4].units")
    assert (scan_dir / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    markdown = (scan_dir / "scan.md").read_text()
    assert "8 point(s): 7 done, 1 failed" in markdown and "## Failures" in markdown
    assert f"`{rtl['point']}`" in markdown.split("## Pareto front")[1]

    # the sharded firmware scoring of the rate sample equals the emulator on the whole sample at once
    from cicada.data.hdf5 import read_regions
    from cicada.firmware.emulator import FirmwareEmulator
    from cicada.scan.shards import read_scores_file

    sample = read_regions(next((scan_dir / "shared").iterdir()) / "rate_sample.h5")
    scores = read_scores_file(scan_dir / rtl["point"] / "rate_sample_scores.h5")
    whole = FirmwareEmulator(directory / "hls_projects/ci" / rtl["point"]).predict(sample)[:, 0]
    assert np.array_equal(scores, whole)


@pytest.mark.slow
def test_rerun_builds_only_the_missing_points(local_scan):
    directory, path, _, _, _, _ = local_scan
    before = read_rows(directory)
    times = {p: stamp_times(directory / "models/ci" / p) for p in before}
    rerun = ScanProcess(path, directory)
    rerun.wait_for(": done (ran nothing: up to date)", 600)
    assert set(read_rows(directory)) == set(before)  # the last run's rows stay until their points finish
    assert rerun.finish(600) == 1, rerun.output
    after = read_rows(directory)
    assert set(after) == set(before)
    for point, row in after.items():
        if before[point]["status"] == "done":
            assert row["status"] == "done" and not row["stages_run"], row
            assert stamp_times(directory / "models/ci" / point) == times[point]
        else:  # the failed point is tried again: its trained student is reused, its conversion fails again
            assert row["status"] == "failed"
            log = (directory / "models/ci" / point / "scan.log").read_text().split("teacher: up to date")[-1]
            assert "student: up to date, reused" in log and "convert: converting" in log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_scan_through_a_running_scheduler(local_scan, tmp_path):
    """The same scan file against `dask scheduler` + `dask worker` started apart; one point's build
    removed first, so the external worker builds it; then a worker with other cicada code is refused."""
    directory, path, _, _, _, _ = local_scan
    rows = read_rows(directory)
    gone = next(p for p, r in rows.items() if r["status"] == "done")
    shutil.rmtree(directory / "models/ci" / gone)
    shutil.rmtree(directory / "hls_projects/ci" / gone)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    spec = yaml.safe_load(path.read_text())
    spec["engine"] = {"kind": "scheduler", "address": address}
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = []
    try:
        started.append(
            subprocess.Popen(
                [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        worker = [
            DASK,
            "worker",
            address,
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
        ]
        started.append(subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        scan = ScanProcess(path, directory)
        assert scan.finish(900) == 1, scan.output
        assert f"Dask scheduler {address}" in scan.output and "1 worker(s)" in scan.output
        after = read_rows(directory)
        assert after[gone]["status"] == "done" and after[gone]["stages_run"].startswith("student convert verify")
        assert all(not r["stages_run"] for p, r in after.items() if p != gone and r["status"] == "done")

        # a worker whose cicada differs (one edited module) is refused before anything runs
        other = tmp_path / "other"
        shutil.copytree(REPO / "cicada", other / "cicada", ignore=shutil.ignore_patterns("__pycache__"))
        edited = other / "cicada/scan/points.py"
        edited.write_text(edited.read_text() + "\n# edited\n")
        other_env = {**os.environ, "PYTHONPATH": str(other)}
        started.append(
            subprocess.Popen(worker, env=other_env, cwd=other, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        from dask.distributed import Client

        with Client(address, timeout="20s") as client:
            client.wait_for_workers(2, timeout=120)
        refused = ScanProcess(path, directory)
        assert refused.finish(300) == 2
        assert "error: worker tcp://127.0.0.1:" in refused.output and "runs cicada source" in refused.output
        assert "install the same cicada on every worker" in refused.output
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


# ------------------------------------------------------- pipeline: shared stages
def test_a_build_borrows_data_and_teacher_and_never_runs_them(tmp_path):
    from cicada.pipeline.build import make_context, shared_stages
    from cicada.pipeline.engine import SharedStageNotReady, run_stages

    config = config_from_mapping(dict(BASE))
    shared = tmp_path / "models/scan/shared/s1"
    context = make_context(config, tmp_path / "base.yaml", tmp_path, folder="scan/p1", shared_dir=shared)
    assert context.model_dir == tmp_path / "models/scan/p1"
    assert context.project_dir == tmp_path / "hls_projects/scan/p1"
    assert context.data_dir == shared / "data" and context.teacher_dir == shared
    assert context.borrows("data") and context.borrows("teacher") and not context.borrows("student")
    assert [s.name for s in shared_stages()] == ["data", "teacher"]
    with pytest.raises(SharedStageNotReady, match=r"stage 'data' is shared from models/scan/shared/s1 .*never run"):
        run_stages(shared_stages(), context, force=True)
    assert not shared.exists()  # nothing written in the shared folder
    alone = make_context(config, tmp_path / "base.yaml", tmp_path)
    assert alone.model_dir == tmp_path / "models/scanbase" and alone.data_dir == alone.model_dir / "data"
    assert alone.teacher_dir == alone.model_dir and not alone.borrows("data")


def test_base_build_lends_its_data_and_teacher_to_the_scan(tmp_path):
    """With base_build, the points with the base config's data and teacher settings use the base
    build's (never rerun by the scan); a scan before that build is one error saying what to run."""
    from cicada.config.loader import load_config
    from cicada.scan.cluster import cicada_identity
    from cicada.scan.run import _job, check_base_build, prepare, shared_folders
    from cicada.scan.tasks import run_shared

    path = write_scan(
        tmp_path,
        {"name": "lean", "grid": {"hls.reuse_factor": [1, 2]}, "points": [{"teacher.epochs": 2}], "base_build": True},
    )
    spec = load_scan(path)
    base_path, points = prepare(spec, path)
    with pytest.raises(
        ConfigError, match=r"key 'base_build': .* models/scanbase .*data: never run.* --until teacher` first"
    ):
        check_base_build(spec, path, base_path, load_config(base_path), tmp_path)

    assert run_cli_in(tmp_path, "build", "base.yaml", "--until", "teacher") == 0
    check_base_build(spec, path, base_path, load_config(base_path), tmp_path)
    teacher_stamp = tmp_path / "models/scanbase/.stamps/teacher.json"
    stamped = teacher_stamp.read_text()
    folders = shared_folders(spec, load_config(base_path), {p.shared_id for p in points})
    lent = {p.id: folders[p.shared_id] for p in points}
    assert sorted(lent.values()) == sorted(["scanbase", "scanbase", f"lean/shared/{points[2].shared_id}"])

    group = points[0].shared_id
    job = _job(spec, None, points[0].config, tmp_path, base_path, cicada_identity(), group, folders)
    assert job.folder == f"lean/shared/{group}" and job.shared_folder == "scanbase"
    assert run_shared(job) == {"error": None, "ran": [], "seconds": pytest.approx(0, abs=60)}
    assert teacher_stamp.read_text() == stamped  # reused, not run again
    point_job = _job(spec, points[0], points[0].config, tmp_path, base_path, cicada_identity(), group, folders)
    assert point_job.folder == f"lean/{points[0].id}" and point_job.shared_folder == "scanbase"


def test_unreachable_scheduler_is_one_clear_error():
    from cicada.config.scan import SchedulerEngine
    from cicada.scan.cluster import EngineError, open_engine

    engine = SchedulerEngine(kind="scheduler", address=f"tcp://127.0.0.1:{free_port()}", connect_timeout_s=2)
    with pytest.raises(EngineError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+"):
        with open_engine(engine, 0):
            pass


def test_a_local_cluster_lets_workers_stay_silent_for_long_solver_calls():
    """A call that holds Python's lock silences a worker's heartbeat (da4ml 0.5's numba solver did for
    minutes on a v2-size student): Dask's default five minutes restarted such workers again and again."""
    from cicada.config.scan import LocalEngine
    from cicada.scan.cluster import open_engine

    engine = LocalEngine(kind="local", workers=1, dashboard_address=":0")
    with open_engine(engine, 0, worker_silence_s=5400) as client:
        assert client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.worker_ttl) == 5400


def test_workers_declare_their_memory_and_points_ask_for_theirs(tmp_path):
    """Each worker the scan starts advertises its memory as a Dask resource, each build asks for
    memory_per_point; a worker set too small is refused before anything runs."""
    from cicada.config.scan import LocalEngine, SchedulerEngine
    from cicada.scan.cluster import EngineError, jobqueue_cluster, memory_resources, open_engine

    gib = 2**30
    local = LocalEngine(kind="local", workers=1, memory_per_worker="6 GiB", dashboard_address=":0")
    assert memory_resources(local, "4 GiB") == ({"memory": 6 * gib}, {"memory": 4 * gib})
    with pytest.raises(EngineError, match=r"each worker would have 2\.00 GiB but a point's build needs 4 GiB"):
        memory_resources(local.model_copy(update={"memory_per_worker": "2 GiB"}), "4 GiB")
    auto, task = memory_resources(local.model_copy(update={"memory_per_worker": None}), "4 GiB")
    assert task == {"memory": 4 * gib} and auto["memory"] >= 4 * gib  # Dask's "auto" is never refused
    assert memory_resources(SchedulerEngine(kind="scheduler", address="tcp://127.0.0.1:1"), "4 GiB") == (None, None)
    slurm = {"kind": "slurm", "jobs": 1, "processes": 2, "memory": "16 GiB", "walltime": "01:00:00"}
    spec = load_scan(write_scan(tmp_path, {"grid": {"seed": [1]}, "engine": slurm}))
    workers, _ = memory_resources(spec.engine, spec.memory_per_point)
    assert workers == {"memory": 8 * gib} and spec.memory_per_point == "4 GB"
    with jobqueue_cluster(spec.engine, workers) as cluster:
        assert f"--resources memory={8 * gib}" in cluster.job_script()
    with open_engine(local, 0, worker_resources={"memory": 6 * gib}) as client:
        (found,) = client.run_on_scheduler(
            lambda dask_scheduler: [w.resources for w in dask_scheduler.workers.values()]
        )
        assert found == {"memory": 6 * gib}
        assert client.submit(sum, [1, 2], resources={"memory": 4 * gib}).result() == 3


def test_pareto_plot_marks_cicada_v2_and_the_reference(tmp_path):
    from cicada.scan.plots import plot_pareto, read_reference, reference_architecture_points

    report = {
        "name": "cicada_v2",
        "student": {"architecture": "cicada_v2"},
        "parameter_count": 4080,
        "auc": {"dijet": {"firmware": 0.9}},
        "rates": {
            "zero_bias_events": 100,
            "working_points": [
                {
                    "target_khz": 1.0,
                    "threshold": 40.0,
                    "rate_khz": 0.9,
                    "statistics_limited": False,
                    "signal_efficiency": {"dijet": 0.6},
                }
            ],
        },
        "latency": {"rtl": {"available": True, "cycles": 9, "ns": 56.25, "bx": 2.25, "source": "measured"}},
        "resources": {"rtl": {"available": True, "LUT": 70000, "FF": 28000, "DSP": 0, "BRAM": 0, "source": "Yosys"}},
        "estimates": {},
        "bit_accuracy": {
            "csim_vs_qkeras": {"bit_exact": True, "events": 10},
            "emulator_vs_csim": {"bit_exact": True, "events": 10},
            "firmware_vs_qkeras_all_test_events": {"dijet": {"bit_exact": True, "events": 10}},
        },
        "stage_seconds": {"student": {"seconds": 3.0}},
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    reference = read_reference(path, "scan.yaml: key 'reference'")
    assert reference["point"] == "reference: cicada_v2" and reference["LUT"] == 70000
    assert reference["efficiency@1kHz:dijet"] == 0.6 and reference["latency_bx"] == 2.25
    rows = [
        {"point": "a", "status": "done", "LUT": 100, "latency_ns": 20.0, "efficiency@1kHz:dijet": 0.3},
        {
            "point": "b",
            "status": "done",
            "LUT": 300,
            "latency_ns": 30.0,
            "efficiency@1kHz:dijet": 0.5,
            "architecture": "cicada_v2",
        },
        {"point": "c", "status": "failed"},
    ]
    plot = plot_pareto(rows, 1.0, tmp_path / "pareto.png", "test", [reference])
    # CICADA v2 among other architectures is marked; in a scan of CICADA v2 alone no point is
    assert reference_architecture_points(rows[:2]) == [1]
    assert reference_architecture_points([rows[1], rows[1]]) == []
    assert plot.read_bytes()[:4] == b"\x89PNG"
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"scan.yaml: key 'reference': .*bad.json is not a cicada report.json"):
        read_reference(tmp_path / "bad.json", "scan.yaml: key 'reference'")
    with pytest.raises(ConfigError, match="not found"):
        read_reference(tmp_path / "none.json", "scan.yaml: key 'reference'")
