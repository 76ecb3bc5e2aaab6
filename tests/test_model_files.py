"""Bring-your-own model files are inspected before they are loaded: no code from them runs."""

from __future__ import annotations

import pytest

from cicada.cli import main
from cicada.core.errors import ModelError
from cicada.models.model_file import check_model_file
from cicada.models.student import import_student

from .conftest import BYO, make_student_file, write_config


def _lambda_model(path, marker):
    """A model whose Lambda layer writes ``marker`` when it runs (as loading a model runs it)."""
    from cicada.core.tf import tensorflow

    tf = tensorflow()

    def leaves_a_mark(tensor, marker=str(marker)):
        open(marker, "w").write("code from the model file ran")
        return tensor

    inputs = tf.keras.layers.Input((252,))
    x = tf.keras.layers.Lambda(leaves_a_mark, name="evil")(inputs)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(x))
    model.save(path, save_format="h5" if str(path).endswith(".h5") else None)
    marker.unlink(missing_ok=True)  # building the model above ran it once, here
    return path


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_lambda_layer_is_refused_before_its_code_runs(tmp_path, suffix):
    marker = tmp_path / "marker"
    model = _lambda_model(tmp_path / f"lambda{suffix}", marker)
    with pytest.raises(ModelError, match="layer 'evil' is a Lambda, which stores Python code"):
        import_student(model)
    assert not marker.exists()


def test_the_convert_command_refuses_it_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "marker"
    model = _lambda_model(tmp_path / "lambda.h5", marker)
    config = write_config(tmp_path, BYO)
    assert main(["convert", str(config), "--model", str(model)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert [line for line in err if line.startswith("error: ")] == err[-1:] and "Lambda" in err[-1]
    assert "Traceback" not in "\n".join(err)
    assert not marker.exists() and not (tmp_path / "models").exists() and not (tmp_path / "hls_projects").exists()


def test_an_unknown_custom_layer_is_refused(tmp_path):
    import h5py

    model = make_student_file(tmp_path / "student.h5")
    with h5py.File(model, "r+") as handle:  # rename one layer's class, as a custom layer would be stored
        handle.attrs["model_config"] = handle.attrs["model_config"].replace('"QDense"', '"MyCleverDense"', 1)
    with pytest.raises(ModelError, match="class 'MyCleverDense', which is not a Keras or QKeras layer"):
        check_model_file(model)


def test_a_qkeras_student_passes_the_inspection(tmp_path):
    layers = check_model_file(make_student_file(tmp_path / "student.h5"))
    assert ("conv", "QConv2D") in layers and ("outputs", "QActivation") in layers


def test_a_folder_or_a_weights_only_file_is_one_clear_error(tmp_path):
    import h5py

    with pytest.raises(ModelError, match="a folder"):
        check_model_file(tmp_path)
    weights = tmp_path / "weights.h5"
    with h5py.File(weights, "w") as handle:
        handle.create_dataset("w", data=[1.0])
    with pytest.raises(ModelError, match="no model config stored"):
        check_model_file(weights)
