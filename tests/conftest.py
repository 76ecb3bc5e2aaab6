"""Shared fixtures: small configs and one small end-to-end build reused by several tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

# Small enough for CI, large enough that every stage has real work to do.
TINY = {
    "name": "tiny",
    "seed": 7,
    "data": {
        "zero_bias_events": 3000,
        "pileup": 60,
        "signals": [
            {"name": "dijet", "kind": "dijet_resonance", "events": 300, "mass_gev": 1000},
            {"name": "egamma", "kind": "isolated_egamma", "events": 300},
        ],
    },
    "teacher": {"epochs": 2, "batch_size": 256, "patience": 2},
    "student": {"epochs": 3, "batch_size": 256, "patience": 2},
    "hls": {
        "reuse_factor": 2,
        "layers": {"conv": {"strategy": "Resource", "parallelization_factor": 21}},
        "csim_events": 1000,
    },
}


def write_config(directory: Path, data: dict, name: str = "config.yaml") -> Path:
    path = Path(directory) / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory):
    """Run `cicada build` once on the tiny config; yields (directory, config path, exit code)."""
    from cicada.cli import main

    directory = tmp_path_factory.mktemp("tiny_build")
    config = write_config(directory, TINY)
    previous = Path.cwd()
    os.chdir(directory)
    try:
        code = main(["build", str(config)])
    finally:
        os.chdir(previous)
    return directory, config, code
