"""The two compatibility measures of the current stack, and models written by the old stack.

* Keras 2 for QKeras: cicada sets TF_USE_LEGACY_KERAS=1 before TensorFlow is imported
  (``cicada/__init__.py``) and ``cicada.core.tf`` checks that ``tf.keras`` is tf_keras.
* hls4ml 1.3.0 picks its Keras 3 converter when ``import keras`` gives Keras 3;
  ``cicada.firmware.hls4ml_compat`` makes it give tf_keras while cicada converts. These tests fail
  when hls4ml changes: a new version, or a conversion that no longer needs the switch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.tf import tensorflow
from cicada.firmware.hls4ml_compat import HLS4ML_VERSION, hls4ml_on_current_stack

OLD_STACK = Path(__file__).parent / "data" / "old_stack"
REPO = Path(__file__).resolve().parents[1]


def tiny_qkeras_model():
    from qkeras import QActivation, QDense

    tf = tensorflow()
    inputs = tf.keras.layers.Input((8,))
    x = QDense(2, kernel_quantizer="quantized_bits(6,1,1,alpha=1)", bias_quantizer="quantized_bits(6,1,1,alpha=1)")(
        inputs
    )
    return tf.keras.Model(inputs, QActivation("quantized_relu(8,4)")(x))


def test_tf_keras_is_keras_2_and_keras_is_keras_3():
    import keras
    import tf_keras

    tf = tensorflow()
    assert tf.keras.layers.Layer is tf_keras.layers.Layer
    assert int(keras.__version__.split(".")[0]) >= 3  # what hls4ml would see without the switch


def test_tensorflow_imported_before_cicada_is_one_clear_error():
    environment = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    probe = (
        "import tensorflow as tf; tf.keras.layers; import cicada.core.tf as t\n"
        "try:\n    t.tensorflow()\nexcept Exception as e:\n    print(type(e).__name__, e)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, cwd=REPO)
    assert "CicadaError" in done.stdout and "TF_USE_LEGACY_KERAS=1" in done.stdout


def test_hls4ml_is_the_release_the_keras_switch_was_made_for():
    import hls4ml

    assert hls4ml.__version__ == HLS4ML_VERSION, (
        f"hls4ml {hls4ml.__version__} is installed; cicada.firmware.hls4ml_compat.py was made for {HLS4ML_VERSION}: "
        "check whether its converter still chooses Keras 3 by `import keras`, then update HLS4ML_VERSION"
    )


def test_hls4ml_converts_a_qkeras_model_only_with_the_switch(tmp_path):
    import hls4ml

    model = tiny_qkeras_model()
    with pytest.raises(Exception):  # noqa: B017  (hls4ml's Keras 3 parser fails in its own way)
        hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
    with hls4ml_on_current_stack():
        config = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
        converted = hls4ml.converters.convert_from_keras_model(
            model, hls_config=config, output_dir=str(tmp_path / "p"), backend="Vitis"
        )
    assert [layer.class_name for layer in converted.get_layers()][:2] == ["Input", "Dense"]
    import keras

    assert int(keras.__version__.split(".")[0]) >= 3  # the switch puts Keras 3 back afterwards


def old_student():
    from cicada.models.student import load_student

    expected = np.load(OLD_STACK / "expected.npz")
    return load_student(OLD_STACK / "student_tf2.15.h5"), expected["images"], expected["scores"]


def test_a_student_saved_by_tensorflow_2_15_scores_the_same_bits():
    model, images, scores = old_student()
    assert np.array_equal(model.predict(images.astype(np.float32), verbose=0), scores)


@pytest.mark.slow
def test_a_student_saved_by_tensorflow_2_15_converts_bit_exactly(tmp_path):
    from cicada.core.fixedpoint import FixedType
    from cicada.firmware import csim
    from cicada.firmware.convert import convert_student
    from cicada.firmware.integer_model import IntegerModel

    model, images, scores = old_student()
    result = convert_student(model, config_from_mapping({"name": "old"}).hls, tmp_path / "prj")
    assert result.proof.proven
    lsb = FixedType.parse(result.layer_precisions[-1]["result"]).lsb
    firmware = csim.run_testbench(tmp_path / "prj", images.astype(np.float32), scores)
    assert csim.compare_bits(scores, firmware, lsb).bit_exact
    integer = IntegerModel.build(model, result.layer_precisions).predict(images)
    assert np.array_equal(integer.reshape(scores.shape), scores)


def test_numpy_product_exists_for_hls4ml_only_while_it_converts():
    """hls4ml 1.3.0 writes power-of-two weights with np.product (tests/test_foreign_models.py
    converts such a model); numpy 2 has no such name outside the block."""
    assert not hasattr(np, "product")
    with hls4ml_on_current_stack():
        assert np.product is np.prod
    assert not hasattr(np, "product")
