"""Faults around a build: a second build at once, kills, a full disk, damaged stamps and
checkpoints. Each ends in one clear line and leaves the build resumable."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from cicada.cli import main
from cicada.core.lock import build_lock

from .conftest import write_config

SMALL = {
    "name": "faulty",
    "seed": 2,
    "data": {"zero_bias_events": 300, "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 50}]},
    "synthesis": {"rtl": {"run": "off"}},
}


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


def test_a_second_build_of_the_same_name_stops_with_one_line(in_tmp, capsys):
    config = write_config(in_tmp, SMALL)
    with build_lock(in_tmp / "models" / "faulty", "faulty"):
        assert main(["data", str(config)]) == 2
    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1 and "another cicada process" in errors[0] and f"pid {os.getpid()}" in errors[0]
    assert not (in_tmp / "models" / "faulty" / "data").exists()  # the holder's files were left alone


def test_leftovers_of_an_interrupted_run_are_removed(in_tmp):
    config = write_config(in_tmp, SMALL)
    leftovers = [
        in_tmp / "models" / "faulty" / "data" / ".zero_bias_test.h5.abc.partial",
        in_tmp / "hls_projects" / "faulty" / ".cicada_csim.x1.partial" / "csim",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half")
    assert main(["data", str(config)]) == 0
    assert not any(p.exists() for p in leftovers)
    assert not (in_tmp / "hls_projects" / "faulty" / ".cicada_csim.x1.partial").exists()


def test_an_unreadable_stamp_counts_as_absent(in_tmp, capsys):
    config = write_config(in_tmp, SMALL)
    assert main(["data", str(config)]) == 0
    stamp = in_tmp / "models" / "faulty" / ".stamps" / "data.json"
    stamp.write_text(stamp.read_text()[:20])  # cut short
    capsys.readouterr()
    assert main(["status", str(config)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    data_line = next(
        line for line in out.out.splitlines() if "data" in line.split(":")[0] or line.lstrip().startswith("data")
    )
    assert "up to date" not in data_line
    assert main(["data", str(config)]) == 0  # and redone


def test_a_truncated_training_checkpoint_is_ignored(tmp_path, caplog):
    from cicada.models.training import TrainingState, _load_checkpoint, _save_checkpoint

    path = tmp_path / "teacher.ckpt.npz"
    state = TrainingState(key="k")
    _save_checkpoint(path, state, [np.ones(3)], [np.ones(3)], [np.zeros(2)])
    assert _load_checkpoint(path, "k") is not None
    path.write_bytes(path.read_bytes()[:100])
    assert _load_checkpoint(path, "k") is None
    assert "ignoring unreadable checkpoint" in caplog.text


def _cicada(args: list[str], cwd: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "cicada", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_sigterm_stops_cleanly_and_the_next_run_resumes(tmp_path):
    config = write_config(tmp_path, {**SMALL, "data": {**SMALL["data"], "zero_bias_events": 400_000}})
    process = _cicada(["data", str(config)], tmp_path)
    lock = tmp_path / "models" / "faulty" / ".lock"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not lock.exists() and process.poll() is None:
        time.sleep(0.2)
    time.sleep(3.0)  # well inside the data stage: 400,000 events take minutes
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode not in (0, None) and "Traceback" not in err, err
    assert "interrupted" in err
    # nothing half-written survives the next run, which takes the lock first
    small = write_config(tmp_path, SMALL)
    rerun = _cicada(["data", str(small)], tmp_path)
    rerun.communicate(timeout=240)
    assert rerun.returncode == 0
    assert not list((tmp_path / "models").glob("**/.*.partial"))


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write then fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_full_disk_is_one_line_naming_the_file(tmp_path):
    config = write_config(tmp_path, {**SMALL, "data": {**SMALL["data"], "zero_bias_events": 20_000}})
    process = _cicada(["data", str(config)], tmp_path, preexec_fn=_limit_file_size)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 2, err
    errors = error_lines(err)
    assert len(errors) == 1 and "Traceback" not in err, err
    assert "too large" in errors[0].lower() or "no space" in errors[0].lower(), errors[0]
    assert "models/faulty" in errors[0]
    assert not list((tmp_path / "models").glob("**/.*.partial"))
