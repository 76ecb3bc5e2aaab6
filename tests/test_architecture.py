"""The architecture's promises: fingerprints follow the code a stage really runs, and every
extension point takes a new entry through its registry alone."""

from __future__ import annotations

import json
import shutil
from typing import Literal

import numpy as np
import pytest

from cicada.cli import main
from cicada.config.loader import config_from_mapping, load_config
from cicada.config.model import Number, option
from cicada.config.reference import json_schema, schema_reference
from cicada.core import geometry as geo
from cicada.core.errors import ConfigError
from cicada.data.datasets import read_dataset
from cicada.data.signals import SIGNAL_KINDS, SignalSample, synthetic_signal
from cicada.pipeline import fingerprint
from cicada.pipeline.build import STAGE_NAMES, build
from cicada.synthesis import BACKENDS, BackendSettings, SynthesisBackend, SynthesisResult, synthesis_backend

from .conftest import TINY, write_config


def _status(config, capsys) -> dict[str, str]:
    assert main(["status", str(config)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    return {line.split()[0]: line.split(None, 1)[1] for line in lines}


@pytest.fixture
def tiny_copy(tiny_build, tmp_path, monkeypatch):
    directory, config, code = tiny_build
    assert code == 0
    work = tmp_path / "copy"
    shutil.copytree(directory, work, symlinks=True)
    monkeypatch.chdir(work)
    return work, config


def _edited(module: str):
    """A module_source that shows ``module`` with one more line, as if someone had edited it."""
    original = fingerprint.module_source

    def source(name: str) -> str:
        text = original(name)
        return text + "\n# edited\n" if name == module else text

    return source


# ----------------------------------------------------------------------------- fingerprints
def test_editing_a_module_reruns_the_stages_that_import_it_and_their_downstream(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    assert set(_status(config, capsys).values()) == {"up to date"}
    # cicada/data/outliers.py is imported (inside a function) only by the student's training code
    monkeypatch.setattr(fingerprint, "module_source", _edited("cicada.data.outliers"))
    status = _status(config, capsys)
    assert status["data"] == status["teacher"] == "up to date"
    assert status["student"] == "code changed: cicada/data/outliers.py"
    after = STAGE_NAMES[STAGE_NAMES.index("student") + 1 :]
    assert all(status[name] != "up to date" for name in after), status


def test_editing_a_module_no_stage_imports_reruns_nothing(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    monkeypatch.setattr(fingerprint, "module_source", _edited("cicada.data.show"))  # `cicada show` only
    assert set(_status(config, capsys).values()) == {"up to date"}


def test_a_rates_edit_touches_only_what_uses_rates(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    monkeypatch.setattr(fingerprint, "module_source", _edited("cicada.evaluation.rates"))
    status = _status(config, capsys)
    changed = {name for name, state in status.items() if state != "up to date"}
    assert changed == {"quality", "rates", "report"}
    assert status["rates"] == "code changed: cicada/evaluation/rates.py"


def test_a_new_hls4ml_version_reruns_conversion_but_not_the_teacher(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    real = fingerprint.library_version

    def newer_hls4ml(name: str):
        return "9.9.9" if name == "hls4ml" else real(name)

    monkeypatch.setattr(fingerprint, "library_version", newer_hls4ml)
    status = _status(config, capsys)
    assert status["teacher"] == "up to date"
    assert "hls4ml 1.3.0 -> 9.9.9" in status["student"]  # the student is checked with hls4ml before training
    assert status["convert"].startswith("pending")
    assert all(status[name] != "up to date" for name in ("convert", "verify", "scores", "report"))


def test_a_new_compiler_reruns_the_stages_that_compile(tiny_copy, monkeypatch, capsys):
    _, config = tiny_copy
    real = fingerprint.tool_version

    def other_compiler(command):
        return "g++ (hypothetical) 99.1" if command[0] == "g++" else real(command)

    monkeypatch.setattr(fingerprint, "tool_version", other_compiler)
    status = _status(config, capsys)
    assert "g++" in status["verify"] and "99.1" in status["verify"]
    assert status["convert"] == "up to date"  # conversion writes C++ but does not compile it


def test_closure_follows_function_level_imports_and_skips_type_checking():
    modules, libraries = fingerprint.import_closure("cicada.pipeline.stages.teacher")
    assert "cicada.models.teachers.cicada" in modules and "cicada.core.tf" in modules
    assert "tensorflow" in libraries  # imported inside cicada.core.tf.tensorflow()
    assert "cicada.config.sections" not in modules  # only under `if TYPE_CHECKING:`
    assert "hls4ml" not in libraries and "cicada.firmware.convert" not in modules


def test_an_unreadable_stamp_counts_as_absent(tiny_copy, capsys):
    work, config = tiny_copy
    stamp = work / "models/tiny/.stamps/rates.json"
    stamp.write_text(stamp.read_text()[:50])
    assert _status(config, capsys)["rates"] == "never run"


# ------------------------------------------------------------------------------ registries
class ToyRing(SignalSample):
    """A ring of equal deposits around the detector at one eta (a toy kind for the registry test)."""

    kind: Literal["toy_ring"] = option("signal kind")
    et_gev: Number = option("ET of each of the 72 towers of the ring (GeV)", 5.0, gt=0.0)


@pytest.fixture
def toy_kind():
    @synthetic_signal("toy_ring", ToyRing)
    def add_ring(towers, sample, rng):
        towers[:, :, geo.N_TOWER_ETA // 2] += sample.et_gev

    yield
    SIGNAL_KINDS.unregister("toy_ring")


def test_a_signal_kind_added_through_the_registry_alone(toy_kind, in_tmp, capsys):
    assert "kind toy_ring: A ring of equal deposits" in schema_reference()
    assert "toy_ring" in json.dumps(json_schema())
    with pytest.raises(ConfigError, match="key 'data.signals\\[0\\].et_gv': unknown key; did you mean 'et_gev'"):
        config_from_mapping({"name": "x", "data": {"signals": [{"name": "r", "kind": "toy_ring", "et_gv": 3}]}})
    data = {**TINY["data"], "zero_bias_events": 50, "signals": [{"name": "ring", "kind": "toy_ring", "events": 20}]}
    path = write_config(in_tmp, {"name": "toy", "data": data})
    context, _ = build(load_config(path), path, until="data")
    assert context.results["data"].datasets["ring"].events == 20
    images = read_dataset(context.data_dir, "ring")
    # 5 GeV in each of the 4 towers of a region's ring = 40 LSB on top of pileup, in every phi region
    central = images[:, :, geo.N_ETA // 2]
    assert np.all(central >= 40)


class ToySettings(BackendSettings):
    """A toy synthesis backend for the registry test."""

    luts_per_parameter: Number = option("LUTs claimed per parameter", 3.0, ge=0.0)


@pytest.fixture
def toy_backend():
    @synthesis_backend
    class Toy(SynthesisBackend):
        name = "toy"
        description = "toy backend"
        settings = ToySettings

        def run(self, job):
            figure = job.settings.luts_per_parameter * 100
            return SynthesisResult(self.name, "done", tool="toy 0.1", details={"LUT": figure, "source": "toy"})

    yield
    BACKENDS.unregister("toy")


def test_a_synthesis_backend_added_through_the_registry_alone(toy_backend, tiny_copy, capsys):
    work, config = tiny_copy
    text = schema_reference()
    assert "toy:" in text and "luts_per_parameter: LUTs claimed per parameter" in text
    with pytest.raises(ConfigError, match="key 'synthesis.toy.luts_per_paramter': unknown key; did you mean"):
        config_from_mapping({"name": "x", "synthesis": {"toy": {"luts_per_paramter": 1}}})
    changed = write_config(
        work, {**TINY, "synthesis": {**TINY["synthesis"], "toy": {"luts_per_parameter": 2}}}, "toy.yaml"
    )
    context, outcomes = build(load_config(changed), changed)
    assert [o.name for o in outcomes if not o.reused] == ["synthesis", "report"]
    toy = context.results["synthesis"].backends["toy"]
    assert toy.status == "done" and toy.details["LUT"] == 200
    report = json.loads((work / "hls_projects/tiny/report.json").read_text())
    assert report["synthesis"]["toy"]["details"]["LUT"] == 200


def test_every_command_is_listed_in_help(capsys):
    from cicada.commands import COMMANDS

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
