"""The bad-input catalogue: every case ends in exactly one ``error:`` line and exit code 2,
with no traceback, and nothing written outside the build folders (``models/``, ``hls_projects/``).

Each case is (id, setup, argv): ``setup(directory)`` writes the bad input into an empty working
folder and returns the substrings the error line must contain; ``argv`` is the command line, in
which ``{config}`` stands for ``config.yaml`` in that folder. Cases run in-process (one
TensorFlow import for all) and need no training, conversion or compiler.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from cicada.cli import main

BUILD_FOLDERS = ("models", "hls_projects")

BASE = {
    "name": "bad",
    "seed": 1,
    "data": {"zero_bias_events": 200, "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 50}]},
    "synthesis": {"rtl": {"run": "off"}},
}


def config_with(**changes) -> dict:
    """BASE with dotted-path changes, e.g. config_with(**{"teacher.learning_rate": 1})."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def write_yaml(directory: Path, data, name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ------------------------------------------------------------------ configs
def config_case(data, *expected):
    def setup(directory: Path):
        write_yaml(directory, data)
        return expected

    return setup


def text_case(text: str, *expected):
    def setup(directory: Path):
        (directory / "config.yaml").write_text(text)
        return expected

    return setup


def bytes_case(data: bytes, *expected):
    def setup(directory: Path):
        (directory / "config.yaml").write_bytes(data)
        return expected

    return setup


def fifo_config(directory: Path):
    os.mkfifo(directory / "config.yaml")
    return ("config.yaml", "FIFO")


def directory_config(directory: Path):
    (directory / "config.yaml").mkdir()
    return ("config.yaml", "folder")


ANCHOR_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    + "name: bomb\ndata:\n  signals: [*i]\n"
)

CONFIG_CASES = [
    ("config-missing", lambda d: ("config.yaml",), ["check", "{config}"]),
    ("config-directory", directory_config, ["check", "{config}"]),
    ("config-fifo", fifo_config, ["check", "{config}"]),
    ("config-binary", bytes_case(bytes(range(256)) * 4, "config.yaml"), ["check", "{config}"]),
    ("config-latin1", bytes_case("name: caf\xe9\n".encode("latin-1"), "UTF-8"), ["check", "{config}"]),
    ("config-empty", text_case("", "empty"), ["check", "{config}"]),
    ("config-comments-only", text_case("# nothing here\n# at all\n", "empty"), ["check", "{config}"]),
    ("config-anchor-bomb", text_case(ANCHOR_BOMB, "alias"), ["check", "{config}"]),
    ("config-deep-nesting", text_case("name: " + "[" * 5000 + "]" * 5000 + "\n", "nest"), ["check", "{config}"]),
    ("config-duplicate-key", text_case("name: a\nseed: 1\nname: b\n", "twice", "name"), ["check", "{config}"]),
    (
        "config-nan",
        config_case(config_with(**{"teacher.learning_rate": float("nan")}), "learning_rate"),
        ["check", "{config}"],
    ),
    (
        "config-inf",
        config_case(config_with(**{"student.learning_rate": float("inf")}), "learning_rate"),
        ["check", "{config}"],
    ),
    ("config-top-level-list", text_case("- name: a\n", "mapping"), ["check", "{config}"]),
    ("config-scalar", text_case("just words\n", "mapping"), ["check", "{config}"]),
    ("config-syntax", text_case("name: [unclosed\n", "config.yaml"), ["check", "{config}"]),
    ("config-tab-indent", text_case("data:\n\tpileup: 60\n", "config.yaml"), ["check", "{config}"]),
    ("config-unknown-key", config_case({**BASE, "teachr": {}}, "teachr", "teacher"), ["check", "{config}"]),
    ("config-unknown-nested", config_case(config_with(**{"data.pilup": 60}), "pilup", "pileup"), ["check", "{config}"]),
    (
        "config-wrong-type",
        config_case(config_with(**{"data.zero_bias_events": "many"}), "zero_bias_events"),
        ["check", "{config}"],
    ),
    (
        "config-negative-events",
        config_case(config_with(**{"data.zero_bias_events": -5}), "zero_bias_events"),
        ["check", "{config}"],
    ),
    ("config-bad-name", config_case({**BASE, "name": "../escape"}, "name"), ["check", "{config}"]),
    ("config-seed-string", config_case({**BASE, "seed": "seven"}, "seed"), ["check", "{config}"]),
    (
        "config-signal-kind",
        config_case(config_with(**{"data.signals": [{"name": "x", "kind": "unicorn"}]}), "unicorn"),
        ["check", "{config}"],
    ),
    ("config-no-signals", config_case(config_with(**{"data.signals": []}), "signals"), ["check", "{config}"]),
    (
        "config-architecture",
        config_case(config_with(**{"student.architecture": "cicada_v9"}), "cicada_v9"),
        ["check", "{config}"],
    ),
    (
        "config-quantizer",
        config_case(
            config_with(
                **{
                    "student.architecture": "custom",
                    "student.layers": [
                        {"type": "Flatten"},
                        {"type": "QDense", "units": 1, "kernel_quantizer": "quantized_bits(8,2"},
                    ],
                }
            ),
            "kernel_quantizer",
        ),
        ["check", "{config}"],
    ),
    (
        "config-layer-type",
        config_case(
            config_with(**{"student.architecture": "custom", "student.layers": [{"type": "LSTM", "units": 4}]}), "LSTM"
        ),
        ["check", "{config}"],
    ),
    ("config-reuse-zero", config_case(config_with(**{"hls.reuse_factor": 0}), "reuse_factor"), ["check", "{config}"]),
    (
        "config-precision",
        config_case(config_with(**{"hls.default_precision": "ap_fixed<8"}), "default_precision"),
        ["check", "{config}"],
    ),
    (
        "config-no-targets",
        config_case(config_with(**{"rates.target_rates_khz": []}), "target_rates_khz"),
        ["check", "{config}"],
    ),
    (
        "config-negative-target",
        config_case(config_with(**{"rates.target_rates_khz": [-1]}), "target_rates_khz"),
        ["check", "{config}"],
    ),
    (
        "config-split",
        config_case(config_with(**{"data.split": {"train": 0.9, "val": 0.9, "test": 0.9}}), "split"),
        ["check", "{config}"],
    ),
    (
        "config-files-without-files",
        config_case(config_with(**{"data.generator": "files"}), "zero_bias_files"),
        ["check", "{config}"],
    ),
    ("config-generator", config_case(config_with(**{"data.generator": "herwig"}), "herwig"), ["check", "{config}"]),
    (
        "config-synthesis-backend",
        config_case(config_with(**{"synthesis": {"quartus": {}}}), "quartus"),
        ["check", "{config}"],
    ),
    (
        "config-synthesis-run",
        config_case(config_with(**{"synthesis": {"rtl": {"run": "maybe"}}}), "run"),
        ["check", "{config}"],
    ),
    ("config-pileup-range", config_case(config_with(**{"data.pileup": 1000}), "pileup"), ["check", "{config}"]),
    ("config-too-large", text_case("name: big\n" + "# padding\n" * 200_000, "bytes"), ["check", "{config}"]),
    ("config-build-unknown-key", config_case({**BASE, "teachr": {}}, "teachr"), ["build", "{config}"]),
]


# ------------------------------------------------------------------ zero-bias data files
def data_case(make_file, *expected, name: str = "zb.h5"):
    """A config reading zero-bias events from ``name``, made by ``make_file(path)``."""

    def setup(directory: Path):
        make_file(directory / name)
        write_yaml(directory, config_with(**{"data.generator": "files", "data.zero_bias_files": [name]}))
        return (name, *expected)

    return setup


def signal_case(make_file, *expected, name: str = "signal.h5"):
    """A config whose signal sample comes from ``name`` (with its AcceptanceFlag used)."""

    def setup(directory: Path):
        make_file(directory / name)
        signal = {"name": "mine", "kind": "files", "files": [name], "use_acceptance": True}
        write_yaml(directory, config_with(**{"data.signals": [signal]}))
        return (name, *expected)

    return setup


def bits_data_case(make_file, *expected, name: str = "zb.h5"):
    """A config with region bits reading zero-bias events from ``name``, made by ``make_file(path)``."""

    def setup(directory: Path):
        make_file(directory / name)
        changes = {"data.generator": "files", "data.zero_bias_files": [name], "data.region_bits": True}
        write_yaml(directory, config_with(**changes))
        return (name, *expected)

    return setup


def compound_images(n: int = 300, fields=("et", "egbit", "taubit"), **values) -> np.ndarray:
    """Images in the 2025 compound layout (good values unless ``values`` sets a field)."""
    dtype = np.dtype([(f, "<u2" if f == "et" else "u1") for f in fields])
    images = np.zeros((n, 18, 14), dtype=dtype)
    if "et" in fields:
        images["et"] = good_images(n)
    for field, value in values.items():
        images[field][:, 3, 4] = value  # in every event: a build reads only the events it uses
    return images


def regions_file(images, key: str = "CaloRegions", **extra):
    def make(path: Path):
        with h5py.File(path, "w") as handle:
            handle.create_dataset(key, data=images)
            for k, v in extra.items():
                handle.create_dataset(k, data=v)

    return make


def good_images(n: int = 300) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 20, size=(n, 18, 14)).astype(np.uint16)


def soft_link(path: Path):
    with h5py.File(path, "w") as handle:
        handle.create_dataset("Other", data=good_images())
        handle["CaloRegions"] = h5py.SoftLink("/Missing")  # dangling: a KeyError once


def external_link(path: Path):
    regions_file(good_images())(path.with_name("elsewhere.h5"))
    with h5py.File(path, "w") as handle:
        handle["CaloRegions"] = h5py.ExternalLink("elsewhere.h5", "/CaloRegions")


def truncated(path: Path):
    regions_file(good_images(2000))(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def group_instead(path: Path):
    with h5py.File(path, "w") as handle:
        handle.create_group("CaloRegions")


def make_fifo(path: Path):
    os.mkfifo(path)


def make_directory(path: Path):
    path.mkdir()


DATA_CASES = [
    ("data-missing", data_case(lambda p: None, "not"), ["data", "{config}"]),
    ("data-directory", data_case(make_directory, "folder"), ["data", "{config}"]),
    ("data-fifo", data_case(make_fifo, "FIFO"), ["data", "{config}"]),
    ("data-not-hdf5", data_case(lambda p: p.write_text("hello"), "HDF5"), ["data", "{config}"]),
    ("data-truncated", data_case(truncated), ["data", "{config}"]),
    ("data-no-regions", data_case(regions_file(good_images(), key="Other"), "CaloRegions"), ["data", "{config}"]),
    ("data-regions-group", data_case(group_instead, "CaloRegions"), ["data", "{config}"]),
    ("data-dangling-soft-link", data_case(soft_link, "CaloRegions", "link"), ["data", "{config}"]),
    ("data-external-link", data_case(external_link, "CaloRegions", "link"), ["data", "{config}"]),
    (
        "data-wrong-shape",
        data_case(regions_file(np.zeros((300, 18, 13), np.uint16)), "shape", "18, 14"),
        ["data", "{config}"],
    ),
    ("data-flat", data_case(regions_file(np.zeros((300, 252), np.uint16)), "shape"), ["data", "{config}"]),
    ("data-too-large", data_case(regions_file(np.full((300, 18, 14), 2000, np.uint16)), "1023"), ["data", "{config}"]),
    ("data-negative", data_case(regions_file(-good_images().astype(np.int32) - 1), "1023"), ["data", "{config}"]),
    ("data-nan", data_case(regions_file(np.full((300, 18, 14), np.nan)), "NaN"), ["data", "{config}"]),
    ("data-fractional", data_case(regions_file(good_images() + 0.5), "fractional"), ["data", "{config}"]),
    ("data-strings", data_case(regions_file(np.array([b"abc"] * 10)), "CaloRegions"), ["data", "{config}"]),
    ("data-empty", data_case(regions_file(np.zeros((0, 18, 14), np.uint16)), "events"), ["data", "{config}"]),
    (
        "data-compound-missing-field",
        data_case(regions_file(compound_images(fields=("et", "taubit"))), "no field 'egbit'", "et, egbit, taubit"),
        ["data", "{config}"],
    ),
    (
        "data-compound-bit-2",
        data_case(regions_file(compound_images(egbit=2)), "'egbit'", "0 or 1"),
        ["data", "{config}"],
    ),
    (
        "data-compound-et-1024",
        data_case(regions_file(compound_images(et=1024)), "'et'", "0..1023"),
        ["data", "{config}"],
    ),
    (
        "data-compound-float-et",
        data_case(
            regions_file(compound_images().astype([("et", "<f4"), ("egbit", "u1"), ("taubit", "u1")])),
            "field 'et'",
            "integer region ET",
        ),
        ["data", "{config}"],
    ),
    (
        "data-pv-npvs-length",
        data_case(regions_file(compound_images(), PV_npvs=np.arange(7)), "PV_npvs", "(300,)"),
        ["data", "{config}"],
    ),
    (
        "data-plain-with-region-bits",
        bits_data_case(regions_file(good_images()), "region ET only", "egbit"),
        ["data", "{config}"],
    ),
    (
        "signal-acceptance-shape",
        signal_case(regions_file(good_images(), AcceptanceFlag=np.ones(7, bool)), "AcceptanceFlag"),
        ["data", "{config}"],
    ),
    (
        "signal-file-wrong-shape",
        signal_case(regions_file(np.zeros((30, 14, 18), np.uint16)), "shape"),
        ["data", "{config}"],
    ),
    ("show-missing", lambda d: ("nothing.h5",), ["show", "nothing.h5"]),
    ("show-directory", lambda d: (d / "folder.h5").mkdir() or ("folder.h5", "folder"), ["show", "folder.h5"]),
    ("show-not-hdf5", lambda d: ((d / "text.h5").write_text("x"), ("text.h5",))[1], ["show", "text.h5"]),
]


# ------------------------------------------------------------------ models brought by the user
def model_case(make_model, *expected, name: str = "model.h5"):
    def setup(directory: Path):
        write_yaml(directory, BASE)
        make_model(directory / name)
        return (name, *expected)

    return setup


def keras(build):
    def make(path: Path):
        from cicada.core.tf import tensorflow

        tf = tensorflow()
        model = build(tf)
        model.save(path, save_format="h5")

    return make


def lambda_model(tf):
    inputs = tf.keras.Input((18, 14))
    x = tf.keras.layers.Flatten()(inputs)
    x = tf.keras.layers.Lambda(lambda t: t * 2)(x)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(x))


def float_model(tf):
    inputs = tf.keras.Input((18, 14))
    x = tf.keras.layers.Flatten()(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(x))


def lstm_model(tf):
    inputs = tf.keras.Input((18, 14))
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(tf.keras.layers.LSTM(4)(inputs)))


def batchnorm_model(tf):
    from qkeras import QDense, quantized_bits

    inputs = tf.keras.Input((18, 14))
    x = tf.keras.layers.Flatten()(inputs)
    x = QDense(4, kernel_quantizer=quantized_bits(8, 2, 1, alpha=1), bias_quantizer=quantized_bits(8, 2, 1, alpha=1))(x)
    x = tf.keras.layers.BatchNormalization()(x)
    return tf.keras.Model(inputs, QDense(1, kernel_quantizer=quantized_bits(8, 2, 1, alpha=1))(x))


def wrong_input_model(tf):
    from qkeras import QDense, quantized_bits

    inputs = tf.keras.Input((100,))
    return tf.keras.Model(inputs, QDense(1, kernel_quantizer=quantized_bits(8, 2, 1, alpha=1))(inputs))


def two_outputs_model(tf):
    from qkeras import QDense, quantized_bits

    inputs = tf.keras.Input((18, 14))
    x = tf.keras.layers.Flatten()(inputs)
    x = QDense(2, kernel_quantizer=quantized_bits(8, 2, 1, alpha=1), bias_quantizer=quantized_bits(8, 2, 1, alpha=1))(x)
    return tf.keras.Model(inputs, x)


def dense_only_model(tf):
    from qkeras import QActivation, QDense, quantized_bits

    inputs = tf.keras.Input((18, 14))
    x = tf.keras.layers.Flatten()(inputs)
    x = QDense(1, kernel_quantizer=quantized_bits(8, 2, 1, alpha=1), use_bias=False, name="dense")(x)
    return tf.keras.Model(inputs, QActivation("quantized_relu(16,8)", name="outputs")(x))


def settings_for_a_missing_layer(directory: Path):
    """hls.layers names the convolution of the config's student; the model brought has none."""
    write_yaml(directory, config_with(**{"hls.layers": {"conv": {"strategy": "Resource"}}}))
    keras(dense_only_model)(directory / "model.h5")
    return ("model.h5", "hls.layers.conv", "a layer the model has not")


def truncated_model(path: Path):
    keras(float_model)(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def cicada_v2_student(path: Path):
    from .conftest import make_student_file

    make_student_file(path)


def pf_case(factor: int, *expected):
    def setup(directory: Path):
        write_yaml(
            directory,
            config_with(**{"hls.layers": {"conv": {"strategy": "Resource", "parallelization_factor": factor}}}),
        )
        cicada_v2_student(directory / "model.h5")
        return expected

    return setup


MODEL_CASES = [
    (
        "model-parallelization",
        pf_case(5, "parallelization_factor", "21"),
        ["convert", "{config}", "--model", "model.h5"],
    ),
    ("model-missing", model_case(lambda p: None), ["convert", "{config}", "--model", "model.h5"]),
    ("model-junk", model_case(lambda p: p.write_text("junk"), "Keras"), ["convert", "{config}", "--model", "model.h5"]),
    ("model-directory", model_case(make_directory, "folder"), ["convert", "{config}", "--model", "model.h5"]),
    ("model-fifo", model_case(make_fifo, "FIFO"), ["convert", "{config}", "--model", "model.h5"]),
    ("model-truncated", model_case(truncated_model), ["convert", "{config}", "--model", "model.h5"]),
    ("model-lambda", model_case(keras(lambda_model), "Lambda"), ["convert", "{config}", "--model", "model.h5"]),
    # a float model is no longer bad input: `convert --model` derives its types (tests/test_float_path.py)
    ("model-lstm", model_case(keras(lstm_model), "LSTM"), ["convert", "{config}", "--model", "model.h5"]),
    (
        "model-batchnorm",
        model_case(keras(batchnorm_model), "BatchNormalization"),
        ["convert", "{config}", "--model", "model.h5"],
    ),
    (
        "model-wrong-input",
        model_case(keras(wrong_input_model), "input"),
        ["convert", "{config}", "--model", "model.h5"],
    ),
    ("model-layer-settings", settings_for_a_missing_layer, ["convert", "{config}", "--model", "model.h5"]),
    (
        "model-two-outputs",
        model_case(keras(two_outputs_model), "output"),
        ["convert", "{config}", "--model", "model.h5"],
    ),
]


# ------------------------------------------------------------------ faults: commands out of order, unwritable places
def built_nothing(*expected):
    def setup(directory: Path):
        write_yaml(directory, BASE)
        return expected

    return setup


def models_is_a_file(directory: Path):
    write_yaml(directory, BASE)
    (directory / "models").write_text("a file where the build folder should be")
    return ("models",)


FAULT_CASES = [
    ("vectors-zero-events", built_nothing("--events"), ["vectors", "{config}", "-n", "0"]),
    ("build-folder-is-a-file", models_is_a_file, ["data", "{config}"]),
]

CASES = CONFIG_CASES + DATA_CASES + MODEL_CASES + FAULT_CASES


def snapshot(directory: Path) -> dict[str, int]:
    """Every path outside the build folders, with its size (folders: -1)."""
    found = {}
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if relative.parts[0] in BUILD_FOLDERS:
            continue
        found[str(relative)] = -1 if path.is_dir() else (0 if path.is_fifo() else path.lstat().st_size)
    return found


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 60
    assert len({case_id for case_id, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("case_id, setup, argv", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_error_line(case_id, setup, argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    expected = setup(tmp_path) or ()
    before = snapshot(tmp_path)
    code = main([arg.replace("{config}", "config.yaml") for arg in argv])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert code == 2, captured.err
    assert len(errors) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    for text in expected:
        assert text.lower() in errors[0].lower(), errors[0]
    assert snapshot(tmp_path) == before
    leftovers = [p for folder in BUILD_FOLDERS for p in (tmp_path / folder).rglob("*") if p.name.endswith(".partial")]
    assert not leftovers
