"""Shared fixtures: small configs and one small end-to-end build reused by several tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import cicada  # noqa: F401  (sets TF_USE_LEGACY_KERAS before any test imports TensorFlow)

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
    },
    "verify": {"csim_events": 1000},
    # the RTL flow on the full CICADA v2 student takes minutes: tests/test_rtl.py runs it on a small student
    "synthesis": {"rtl": {"run": "off"}},
}


#: Fixtures that build something: a test using one is slow (`pytest -m "not slow"` skips it).
SLOW_FIXTURES = {"tiny_build", "byo_build", "tiny_copy", "rtl_build", "small_trace"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    _group_tests_that_share_a_build(items)


def _shared_builds(item) -> set[str]:
    """The module- and session-scoped fixtures of this suite (not pytest's: their baseid is empty) a test uses,
    named so that two modules' fixtures of one name stay apart."""
    info = getattr(item, "_fixtureinfo", None)  # pytest's record of the fixtures the test resolves
    if info is None:
        return set()
    names = set()
    for name, definitions in info.name2fixturedefs.items():
        definition = definitions[-1]
        if definition.baseid and definition.scope in ("module", "session"):
            names.add(f"{definition.baseid}::{name}")
    return names


def _group_tests_that_share_a_build(items) -> None:
    """Under pytest-xdist (``-n 2 --dist loadgroup``, the suite's default) the tests that share a built fixture
    run on one worker, so each build is made once and not once per worker; fixtures used together by one test
    join one group."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    builds = {item: sorted(_shared_builds(item)) for item in items}
    for names in builds.values():
        for name in names[1:]:
            parent[root(name)] = root(names[0])
    for item, names in builds.items():
        if names:
            item.add_marker(pytest.mark.xdist_group(root(names[0])))


def write_config(directory: Path, data: dict, name: str = "config.yaml") -> Path:
    path = Path(directory) / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def shift_output_layer_weights(project: Path, by: float = 0.5) -> None:
    """Corrupt an HLS project's firmware: add ``by`` to every weight of its output layer (w10),
    in both files hls4ml writes (the C header and the text file the testbench reads)."""
    for weights in (project / "firmware/weights").glob("w10.*"):
        text = weights.read_text()
        start = text.index("= {") + 3 if weights.suffix == ".h" else 0
        end = text.index("}", start) if weights.suffix == ".h" else len(text.rstrip())
        shifted = ", ".join(f"{float(v) + by:.8f}" for v in text[start:end].split(","))
        weights.write_text(text[:start] + shifted + text[end:])


def run_cli_in(directory: Path, *arguments: str) -> int:
    """``cicada ARGUMENTS`` run in-process with ``directory`` as the working folder; its exit status."""
    from cicada.cli import main

    previous = Path.cwd()
    os.chdir(directory)
    try:
        return main(list(arguments))
    finally:
        os.chdir(previous)


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory):
    """Run `cicada build` once on the tiny config; yields (directory, config path, exit code)."""
    directory = tmp_path_factory.mktemp("tiny_build")
    config = write_config(directory, TINY)
    return directory, config, run_cli_in(directory, "build", str(config))


#: A small custom student through a whole build, with the open-source RTL flow.
RTL_TINY = {
    "name": "rtl",
    "seed": 11,
    "data": {
        "zero_bias_events": 2000,
        "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 200}],
    },
    "teacher": {"epochs": 1, "batch_size": 256, "patience": 1},
    "student": {
        "architecture": "custom",
        "epochs": 2,
        "batch_size": 256,
        "layers": [
            {"type": "Reshape", "target_shape": [18, 14, 1]},
            {
                "type": "QConv2D",
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
                "units": 3,
                "kernel_quantizer": "quantized_bits(6,1,1,alpha=1)",
                "bias_quantizer": "quantized_bits(6,3,1,alpha=1)",
            },
            {"type": "QActivation", "activation": "quantized_relu(8,4)"},
            {"type": "QDense", "units": 1, "use_bias": False, "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)"},
            {"type": "QActivation", "activation": "quantized_relu(16,8)"},
        ],
    },
    "verify": {"csim_events": 300},
    "synthesis": {"rtl": {"simulate_events": 400, "tradeoff": [2.0]}},
}


@pytest.fixture(scope="session")
def rtl_build(tmp_path_factory):
    """`cicada build` of RTL_TINY; yields (directory, config path, exit code)."""
    directory = tmp_path_factory.mktemp("rtl_build")
    config = write_config(directory, RTL_TINY)
    return directory, config, run_cli_in(directory, "build", str(config))


BYO = {
    "name": "byo",
    "seed": 5,
    "data": {
        "zero_bias_events": 2000,
        "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 200}],
    },
    "hls": {"reuse_factor": 2},
    "verify": {"csim_events": 600},
    "synthesis": {"rtl": {"run": "off"}},
}


def make_student_file(path: Path, seed: int = 3, scale: float = 0.2) -> Path:
    """A CICADA v2 student with seeded random weights, saved as a QKeras HDF5 file."""
    from cicada.core.tf import seed_everything
    from cicada.models.student import save_student
    from cicada.models.students import build_student

    seed_everything(seed)
    model = build_student("cicada_v2")
    model.get_layer("conv").set_weights([model.get_layer("conv").get_weights()[0] * scale])
    save_student(model, path)
    return path


@pytest.fixture(scope="session")
def byo_build(tmp_path_factory):
    """`cicada convert` on a model trained elsewhere; yields (directory, config, model file, exit code)."""
    directory = tmp_path_factory.mktemp("byo_build")
    config = write_config(directory, BYO)
    model = make_student_file(directory / "elsewhere.h5")
    return directory, config, model, run_cli_in(directory, "convert", str(config), "--model", str(model))
