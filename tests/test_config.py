"""The config schema: valid configs load, and each kind of mistake gets a clear message."""

from __future__ import annotations

import pytest

from cicada.config.loader import load_config
from cicada.config.reference import schema_reference
from cicada.core.errors import ConfigError

from .conftest import REPO, TINY, write_config


@pytest.mark.parametrize("name", ["quickstart", "cicada_v2"])
def test_shipped_configs_are_valid(name):
    config = load_config(REPO / "configs" / f"{name}.yaml")
    assert config.name == name
    assert config.student.architecture == "cicada_v2"
    assert config.hls.backend == "Vitis"
    assert config.hls.part == "xc7vx690tffg1927-2"
    assert config.hls.clock_period_ns == 6.25


def test_cicada_v2_config_carries_the_deployment_settings():
    config = load_config(REPO / "configs" / "cicada_v2.yaml")
    conv = config.hls.layers["conv"]
    assert (conv.strategy, conv.parallelization_factor, conv.accum_precision) == ("Resource", 21, "ap_fixed<30,22>")
    # CICADA deployed <26,14> on dense1, which overflows (configs/cicada_v2.yaml says why)
    assert config.hls.layers["dense1"].accum_precision == "ap_fixed<26,16>"
    assert config.hls.layers["dense2"].accum_precision == "ap_fixed<26,14>"
    assert config.hls.reuse_factor == 2 and config.hls.strategy == "Latency"


def test_defaults_fill_missing_sections(tmp_path):
    config = load_config(write_config(tmp_path, {"seed": 3}, "minimal.yaml"))
    assert config.name == "minimal"  # from the file name
    assert config.data.pileup == 60.0
    assert [s.kind for s in config.data.signals] == ["dijet_resonance", "isolated_egamma", "soft_spray"]
    assert config.rates.target_rates_khz == (0.25, 0.5, 1.0, 1.6, 3.0)


def _error(tmp_path, data) -> str:
    path = write_config(tmp_path, data, "bad.yaml")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)), message  # every message names the file
    return message


BAD_CONFIGS = [
    # (what is wrong, the config, pieces the message must contain)
    ("unknown top-level key", {"teachr": {}}, ["key 'teachr'", "unknown key", "did you mean 'teacher'"]),
    ("unknown nested key", {"teacher": {"epoch": 3}}, ["key 'teacher.epoch'", "did you mean 'epochs'"]),
    ("wrong type", {"teacher": {"epochs": "many"}}, ["key 'teacher.epochs'", "expected an integer", "'many'"]),
    ("boolean is not a number", {"data": {"pileup": True}}, ["key 'data.pileup'", "expected a number"]),
    ("impossible value", {"student": {"epochs": 0}}, ["key 'student.epochs'", "expected a value >= 1", "got 0"]),
    ("negative pileup", {"data": {"pileup": -5}}, ["key 'data.pileup'", ">= 0.0"]),
    (
        "split does not add up",
        {"data": {"split": {"train": 0.5, "val": 0.3, "test": 0.4}}},
        ["key 'data.split'", "train + val + test = 1", "1.2"],
    ),
    ("unknown choice", {"hls": {"backend": "Quartus"}}, ["key 'hls.backend'", "one of 'Vitis', 'Vivado'", "'Quartus'"]),
    (
        "unknown signal kind",
        {"data": {"signals": [{"name": "x", "kind": "higgs"}]}},
        ["key 'data.signals[0].kind'", "dijet_resonance"],
    ),
    (
        "signal parameter of another kind",
        {"data": {"signals": [{"name": "x", "kind": "isolated_egamma", "mass_gev": 5}]}},
        ["key 'data.signals[0].mass_gev'", "unknown key"],
    ),
    (
        "duplicate signal names",
        {"data": {"signals": [{"name": "a", "kind": "soft_spray"}, {"name": "a", "kind": "soft_spray"}]}},
        ["key 'data.signals[1].name'", "unique"],
    ),
    (
        "bad precision string",
        {"hls": {"layers": {"dense1": {"accum_precision": "float32"}}}},
        ["key 'hls.layers.dense1.accum_precision'", "fixed-point type", "'float32'"],
    ),
    (
        "layer not in the student",
        {"hls": {"layers": {"dense9": {"reuse_factor": 2}}}},
        ["key 'hls.layers.dense9'", "conv, dense1, dense2"],
    ),
    (
        "parallelization on a dense layer",
        {"hls": {"layers": {"dense1": {"parallelization_factor": 3}}}},
        ["key 'hls.layers.dense1.parallelization_factor'", "convolution layers (conv)"],
    ),
    ("empty target rates", {"rates": {"target_rates_khz": []}}, ["key 'rates.target_rates_khz'", "at least one"]),
    ("HT beyond the regions", {"rates": {"seeds": {"htt_eta_max": 4}}}, ["key 'rates.seeds.htt_eta_max'", "3"]),
    ("seed response zero", {"rates": {"seeds": {"response": 0}}}, ["key 'rates.seeds.response'", "0"]),
    ("unknown seed", {"rates": {"seeds": {"single_eg_gev": 36}}}, ["key 'rates.seeds.single_eg_gev'"]),
    ("section not a mapping", {"teacher": [1, 2]}, ["key 'teacher'", "expected a mapping"]),
    ("bad build name", {"name": "my build!"}, ["key 'name'", "expected a string matching"]),
]


@pytest.mark.parametrize("label, data, pieces", BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_config_is_rejected_with_a_clear_message(tmp_path, label, data, pieces):
    message = _error(tmp_path, data)
    for piece in pieces:
        assert piece in message, f"{label}: {piece!r} not in {message!r}"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nteacher: {epochs: 3\n")
    with pytest.raises(ConfigError, match=r"broken.yaml: not valid YAML at line \d+"):
        load_config(path)


def test_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping of sections"):
        load_config(path)


def test_merge_keys_share_settings_and_duplicates_are_still_refused(tmp_path):
    path = tmp_path / "merged.yaml"
    path.write_text(
        "name: merged\n"
        "teacher: &training {epochs: 3, batch_size: 64, patience: 2}\n"
        "student:\n  <<: *training\n  epochs: 5\n"
    )
    config = load_config(path)
    assert (config.teacher.epochs, config.teacher.batch_size) == (3, 64)
    assert (config.student.epochs, config.student.batch_size, config.student.patience) == (5, 64, 2)
    path.write_text("name: merged\nteacher: &t {epochs: 3}\nstudent:\n  <<: *t\n  epochs: 5\n  epochs: 6\n")
    with pytest.raises(ConfigError, match=r"merged.yaml: key 'epochs' appears twice in one mapping \(lines 5 and 6\)"):
        load_config(path)


def test_numbers_written_without_a_dot_are_accepted(tmp_path):
    # YAML 1.1 reads 1e-3 as a string; the schema still takes it as a number
    config = load_config(write_config(tmp_path, {"teacher": {"learning_rate": "1e-3"}}))
    assert config.teacher.learning_rate == pytest.approx(1e-3)


def test_schema_reference_documents_every_section():
    text = schema_reference()
    for key in ("seed:", "zero_bias_events:", "mass_gev:", "accum_precision:", "target_rates_khz:", "csim_events:"):
        assert key in text


def test_tiny_test_config_is_valid(tmp_path):
    assert load_config(write_config(tmp_path, TINY)).data.zero_bias_events == 3000


def test_json_schema_validates_the_shipped_configs_and_catches_mistakes(capsys):
    import json

    import jsonschema
    import yaml

    from cicada.cli import main

    assert main(["schema", "--json"]) == 0
    schema = json.loads(capsys.readouterr().out)
    validator = jsonschema.Draft202012Validator(schema)
    for name in ("quickstart", "cicada_v2"):
        raw = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
        assert not list(validator.iter_errors(raw)), name
    bad = {"name": "x", "teacher": {"epochs": 0}, "data": {"signals": [{"name": "s", "kind": "higgs"}]}}
    messages = " ".join(e.message for e in validator.iter_errors(bad))
    assert "0 is less than the minimum of 1" in messages
    assert not validator.is_valid({"name": "x", "hls": {"backend": "Quartus"}})
    assert not validator.is_valid({"name": "x", "teachr": {}})


def test_yaml_on_and_off_are_read_as_the_synthesis_run_setting(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("synthesis:\n  vendor: {run: off}\n")
    assert load_config(path).synthesis["vendor"].run == "off"
    path.write_text("synthesis:\n  vendor: {run: sometimes}\n")
    with pytest.raises(ConfigError, match="key 'synthesis.vendor.run': expected one of 'auto', 'on', 'off'"):
        load_config(path)
