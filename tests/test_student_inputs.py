"""What a student reads of a region image (``student.input``): the encodings, their ranges and types,
the config keys and checks, the architectures built on each input, and what the ET-only builds keep."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.config.loader import config_from_mapping
from cicada.config.sections import HlsConfig, StudentConfig
from cicada.core.errors import ConfigError, DataError, ModelError
from cicada.core.tf import seed_everything
from cicada.data.region_bits import CHANNELS, with_bits
from cicada.data.student_inputs import STUDENT_INPUTS, encode, fingerprint_inputs, input_kind
from cicada.models.student import build, import_student, save_student
from cicada.models.students import build_student
from cicada.pipeline.engine import plain


def _images(n: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    et = rng.integers(0, 1024, size=(n, 18, 14)).astype(np.uint16)
    return with_bits(et, rng.integers(0, 2, et.shape).astype(np.uint8), rng.integers(0, 2, et.shape).astype(np.uint8))


def _config(student: dict, **sections):
    return config_from_mapping({"name": "x", "data": {"region_bits": True}, "student": student, **sections})


# ---------------------------------------------------------------------------- encodings
def test_each_region_is_flattened_phi_major_with_its_channels_innermost():
    images = _images()
    phi, eta = 5, 11
    region = images[2, phi, eta]
    et, tau, eg = int(region["et"]), int(region["taubit"]), int(region["egbit"])
    index = phi * 14 + eta
    assert encode(input_kind("et"), images)[2, index] == et
    assert encode(input_kind("packed"), images)[2, index] == et << 2 | tau << 1 | eg
    three = encode(input_kind("channels"), images)
    assert three.shape == (4, 756) and CHANNELS == ("et", "taubit", "egbit")
    assert list(three[2, 3 * index : 3 * index + 3]) == [et, tau, eg]
    # the layout a (18, 14, 3) reshape recovers: what the convolutional students see
    assert np.array_equal(three.reshape(4, 18, 14, 3)[..., 1], images["taubit"])


@pytest.mark.parametrize("name, size", [("et", 252), ("packed", 252), ("channels", 756)])
def test_encodings_are_float32_whole_numbers_inside_their_range(name, size):
    kind = input_kind(name)
    values = encode(kind, _images(50))
    assert values.dtype == np.float32 and values.shape == (50, size) and kind.size == size
    assert np.all(values == np.round(values)) and values.min() >= 0
    assert np.all(values <= kind.maximum()) and np.all(values.max(axis=0) >= 0.9 * kind.maximum())


def test_the_packed_input_gives_back_every_12_bit_code():
    codes = np.zeros(17 * 252, dtype=np.int64)
    codes[:4096] = np.arange(4096)
    shape = (17, 18, 14)
    images = with_bits(
        (codes >> 2).reshape(shape).astype(np.uint16),
        (codes & 1).reshape(shape).astype(np.uint8),  # e/gamma: bit 0
        ((codes >> 1) & 1).reshape(shape).astype(np.uint8),  # tau: bit 1
    )
    assert np.array_equal(encode(input_kind("packed"), images), codes.reshape(17, 252))


def test_ranges_types_and_port_widths_per_input():
    et, packed, three = (input_kind(name) for name in ("et", "packed", "channels"))
    assert (et.precision, packed.precision, three.precision) == ("ap_uint<10>", "ap_uint<12>", "ap_uint<10>")
    assert set(packed.maximum()) == {4095.0} and set(packed.input_bits()) == {12}
    assert list(three.maximum()[:6]) == [1023, 1, 1, 1023, 1, 1] and list(three.input_bits()[:3]) == [10, 1, 1]
    assert three.image_shape == (18, 14, 3) and et.image_shape == (18, 14, 1)
    assert packed.holds("ap_uint<12>") and packed.holds("ap_fixed<14,13>") and not packed.holds("ap_uint<11>")
    assert not et.needs_bits and packed.needs_bits and three.needs_bits
    assert set(STUDENT_INPUTS.names()) == {"et", "packed", "channels"}


def test_an_input_that_reads_bits_refuses_images_without_them():
    plain_images = _images()["et"]
    assert encode(input_kind("et"), plain_images).shape == (4, 252)
    with pytest.raises(DataError, match=r"my file: holds region ET only; .*student.input: packed"):
        encode(input_kind("packed"), plain_images, "my file")


# ------------------------------------------------------------------------------- config
def test_the_input_precision_follows_the_input_unless_set():
    assert config_from_mapping({"name": "x"}).hls.input_precision == "ap_uint<10>"
    assert _config({"input": "packed"}).hls.input_precision == "ap_uint<12>"
    assert _config({"input": "channels"}).hls.input_precision == "ap_uint<10>"
    assert _config({"input": "packed"}, hls={"input_precision": "ap_uint<16>"}).hls.input_precision == "ap_uint<16>"
    written = _config({"input": "packed"}, hls={"reuse_factor": 2})
    assert config_from_mapping(written.model_dump(mode="json")) == written  # a config written out reads back


@pytest.mark.parametrize(
    "mapping, message",
    [
        (
            {"name": "x", "data": {"region_bits": True}, "student": {"input": "packed"}, "hls": {"input_precision": "ap_uint<10>"}},
            r"key 'hls.input_precision': expected a type holding the student's input, packed regions .*0\.\.4095.* e\.g\. ap_uint<12>; got ap_uint<10>",
        ),
        (
            {"name": "x", "student": {"input": "channels"}},
            r"key 'data.region_bits': expected true: student.input 'channels' reads the region e/gamma and tau bits",
        ),
        (
            {"name": "x", "hls": {"input_precision": "ap_uint<9>"}},
            r"key 'hls.input_precision': expected a type holding the student's input, region ET 0\.\.1023",
        ),
        ({"name": "x", "data": {"region_bits": True}, "student": {"input": "pack"}}, r"did you mean 'packed'"),
        ({"name": "x", "student": {"optimizer": "sgd"}}, r"key 'student.optimizer'"),
    ],
)  # fmt: skip
def test_input_mistakes_are_one_config_error_naming_the_key(mapping, message):
    with pytest.raises(ConfigError, match=message):
        config_from_mapping(mapping)


def test_an_et_only_student_section_hashes_as_before_the_input_and_optimizer_keys():
    assert StudentConfig(epochs=3).fingerprint_data() == {
        "architecture": "cicada_v2", "layers": [], "epochs": 3, "batch_size": 1024, "learning_rate": 0.001,
        "patience": 8, "loss": "mae", "sample_weights": {"enabled": False, "bins": 64, "cap": 10.0},
        "outlier_exposure": {"fraction": 0.0, "kinds": ["hot_spots"]},
    }  # fmt: skip
    recipe = StudentConfig(input="packed", optimizer="nadam", lr_patience=10, lr_factor=0.1).fingerprint_data()
    assert (recipe["input"], recipe["optimizer"], recipe["lr_patience"], recipe["lr_factor"]) == (
        "packed",
        "nadam",
        10,
        0.1,
    )
    assert plain(HlsConfig())["input_precision"] == "ap_uint<10>"  # the hls section of an ET build is unchanged
    assert "input" in StudentConfig().plain()  # `cicada check` shows every key
    assert fingerprint_inputs("et") == {} and fingerprint_inputs("packed") == {"student_input": "packed"}


# -------------------------------------------------------------------------- architectures
def test_the_architectures_take_their_input_size_and_shape_from_the_input():
    packed = build(StudentConfig(input="packed"))
    assert packed.input_shape == (None, 252) and packed.get_layer("conv").kernel.shape == (2, 2, 1, 4)
    three = build(StudentConfig(input="channels"))
    assert three.input_shape == (None, 756) and three.get_layer("reshape").output_shape == (None, 18, 14, 3)
    assert three.get_layer("conv").kernel.shape == (2, 2, 3, 4) and three.count_params() == 4080 + 2 * 16
    dense = build(StudentConfig(architecture="cicada_v1", input="channels"))
    assert dense.count_params() == 756 * 16 + 16 + 16
    layers = [
        {"type": "Reshape", "target_shape": [18, 14, 3]},
        {"type": "QConv2D", "filters": 2, "kernel_size": [2, 2], "strides": [2, 2], "use_bias": False,
         "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)"},
        {"type": "Flatten"},
        {"type": "QDense", "units": 1, "use_bias": False, "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)"},
        {"type": "QActivation", "activation": "quantized_relu(16,8)"},
    ]  # fmt: skip
    custom = build(StudentConfig(architecture="custom", input="channels", layers=layers))
    assert custom.input_shape == (None, 756)
    with pytest.raises(ModelError, match="student.layers"):  # the ET input does not reshape to three channels
        build(StudentConfig(architecture="custom", layers=layers))


def test_the_2026_student_is_v2_with_a_batch_normalised_first_dense_layer():
    seed_everything(2)
    model = build_student("cicada_2026", StudentConfig(architecture="cicada_2026", input="packed"))
    v2 = build_student("cicada_v2")
    assert [layer.name for layer in model.layers] == [layer.name for layer in v2.layers]
    kinds = {layer.name: type(layer).__name__ for layer in model.layers}
    assert kinds["dense1"] == "QDenseBatchnorm" and kinds["dense2"] == "QDense" and kinds["conv"] == "QConv2D"
    dense1 = model.get_layer("dense1")
    assert str(dense1.kernel_quantizer_internal) == "quantized_bits(8,1,1,alpha=1)"
    assert str(dense1.bias_quantizer_internal) == "quantized_bits(8,3,1,alpha=1)"
    assert (dense1.folding_mode, dense1.batchnorm.momentum, dense1.batchnorm.epsilon) == (
        "ema_stats_folding",
        0.99,
        0.001,
    )
    # v2's 4,080 plus the batch-norm's gamma, beta, moving mean and variance (16 each) and its step counter
    assert model.count_params() == 4080 + 4 * 16 + 1
    assert StudentConfig(architecture="cicada_2026").weight_layers() == {
        "conv": "conv",
        "dense1": "dense",
        "dense2": "dense",
    }


def test_an_imported_model_must_take_the_configured_input(tmp_path):
    path = tmp_path / "et.h5"
    save_student(build_student("cicada_v2"), path)
    assert import_student(path, "packed").input_shape == (None, 252)  # the same size: packed or ET alike
    with pytest.raises(
        ModelError, match=r"expected 756 values per event: region ET 0\.\.1023 and bits 0\.\.1 .*channels"
    ):
        import_student(path, "channels")
