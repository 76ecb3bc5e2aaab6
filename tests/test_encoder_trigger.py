"""The VAE teacher's encoder as a trigger: the model, and its firmware on the float path."""

from __future__ import annotations

import numpy as np
import pytest

from cicada.core.errors import ModelError


def small_vae():
    from cicada.config.teacher_section import TeacherConfig
    from cicada.core.tf import tensorflow
    from cicada.models.teachers.cicada_2026_vae import Cicada2026Vae

    tensorflow().keras.utils.set_random_seed(4)
    return Cicada2026Vae(TeacherConfig(architecture="cicada_2026_vae", latent_size=2)).build()


def images(events: int, hot: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    et = np.floor(rng.exponential(3, (events, 18, 14)))
    et[:, 5, 5] += hot * rng.integers(0, 500, events)
    bits = (rng.random((events, 18, 14, 2)) < 0.05).astype(float)
    return np.concatenate([np.clip(et, 0, 1023)[..., None], bits], axis=-1)


def test_the_trigger_scores_the_sum_of_squared_latent_means_and_refuses_kl():
    from cicada.models.encoder_trigger import encoder_trigger, et_shift_for, float_encoder_score

    vae = small_vae()
    x = images(64, 1)
    unscaled = encoder_trigger(vae, et_shift=0)
    np.testing.assert_allclose(unscaled.predict(x, verbose=0)[:, 0], float_encoder_score(vae, x), rtol=1e-4)
    assert et_shift_for(x[..., 0]) >= 1  # ET's variance over the regions reaches beyond 1
    with pytest.raises(ModelError, match="no logarithm layer"):
        encoder_trigger(vae, "kl")


@pytest.mark.slow
def test_the_encoder_trigger_becomes_firmware_with_labelled_types(tmp_path):
    from cicada.config.sections import HlsConfig
    from cicada.firmware.float_convert import convert_float_model, output_lsb
    from cicada.firmware.float_verify import check_csim
    from cicada.models.encoder_trigger import encoder_trigger, et_shift_for

    vae = small_vae()
    zero_bias, signal = images(3000, 0), images(3000, 1, seed=1)
    model = encoder_trigger(vae, et_shift=et_shift_for(np.concatenate([zero_bias, signal])[..., 0]))
    hls = HlsConfig(float_types={"calibration_events": 2000, "tolerance": 2**-4})
    result = convert_float_model(
        model,
        hls,
        tmp_path / "encoder",
        {"zero_bias": zero_bias, "signal": signal},
        "zero_bias",
        0,
        np.tile([1023, 1, 1], 252),
    )
    assert result.share_within >= 0.999
    labels = {(t.layer, t.role): t.label for t in result.derivation.derived}
    assert labels[("encoder_norm", "result")].startswith("calibrated on 2000 events")
    assert labels[("encoder_conv_1", "accum")] == "proven" and labels[("encoder_squares", "result")] == "proven"
    test = np.concatenate([zero_bias[-200:], signal[-200:]]).reshape(400, -1)
    comparison, _ = check_csim(tmp_path / "encoder", test, output_lsb(result))
    assert comparison.bit_exact


def test_a_report_becomes_a_typed_comparison_row():
    from cicada.evaluation.firmware_row import FirmwareRow

    report = {
        "name": "vae_encoder",
        "precision_proof": {"proven": False},
        "float_types": {"types": [{"label": "proven"}, {"label": "calibrated on 4000 events, margin 0.25"}]},
        "auc": None,
        "bit_accuracy": {"float_agreement": {"events": 600, "signals": [{"signal": "dijet", "auc_firmware": 0.91}]}},
        "rates": {
            "working_points": [
                {
                    "target_khz": 1.0,
                    "rate_khz": 0.98,
                    "signal_efficiency_interval": {"dijet": {"value": 0.5, "low": 0.45, "high": 0.55}},
                }
            ]
        },
        "resources": {"rtl": {"available": False, "reason": "the open-source RTL flow cannot build this float model"}},
        "latency": {"vendor": {"source": "vendor synthesis", "bx": 2.5}},
    }
    row = FirmwareRow.from_report(report)
    assert row.types == "derived (float model: 1 proven, 1 calibrated)"
    assert row.auc == {"dijet": 0.91} and "600 test events" in row.auc_source
    assert row.efficiency_1khz["dijet"].low == 0.45 and row.rate_1khz == 0.98
    assert row.lut is None and "cannot build this float model" in row.reasons["lut"]
    assert row.latency_bx == 2.5 and "latency_bx" not in row.reasons


VAE = {
    "name": "vae",
    "seed": 3,
    "data": {
        "zero_bias_events": 2000,
        "region_bits": True,
        "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 300}],
    },
    "teacher": {"architecture": "cicada_2026_vae", "latent_size": 2, "epochs": 1, "batch_size": 256, "patience": 1},
    "student": {"epochs": 1, "batch_size": 256, "patience": 1},
    "synthesis": {"rtl": {"run": "off"}},
}


@pytest.mark.slow
def test_cicada_encoder_writes_the_trigger_model(tmp_path):
    """``cicada encoder`` trains (or reuses) the teacher only and writes the trigger a float-path ``cicada convert
    --model`` takes (that conversion: tests/test_float_path.py and the comparison build below)."""
    from cicada.models.encoder_trigger import PRESCALE, SCORE
    from cicada.models.student import load_student

    from .conftest import run_cli_in, write_config

    vae = write_config(tmp_path, VAE, "vae.yaml")
    assert run_cli_in(tmp_path, "encoder", str(vae), "-o", str(tmp_path / "encoder.h5")) == 0
    assert not (tmp_path / "models/vae/student.h5").exists()  # the teacher only: no student trained
    trigger = load_student(tmp_path / "encoder.h5")
    names = [layer.name for layer in trigger.layers]
    assert names[1] == PRESCALE and names[-1] == SCORE and "encoder_latent_mean" in names
    assert trigger.input_shape[1:] == (18, 14, 3) and trigger.output_shape[1:] == (1,)
    assert run_cli_in(tmp_path, "encoder", str(vae), "-o", str(tmp_path / "again.h5")) == 0  # the teacher reused
    np.testing.assert_array_equal(trigger.get_weights()[0], load_student(tmp_path / "again.h5").get_weights()[0])


def test_the_teacher_encoder_keys_are_checked():
    from cicada.config.sections import BuildConfig, StudentConfig

    base = {"name": "x", "data": {"region_bits": True}, "teacher": {"architecture": "cicada_2026_vae"}}
    BuildConfig(**base, student={"firmware": "teacher_encoder", "input": "channels"})
    for student, key in (
        ({"firmware": "teacher_encoder"}, "expected channels"),
        ({"firmware": "teacher_encoder", "input": "channels", "encoder_score": "kl"}, "logarithm"),
    ):
        with pytest.raises(Exception, match=key.replace(".", "\\.")):
            BuildConfig(**base, student=student)
    with pytest.raises(Exception, match="cicada_2026_vae"):
        BuildConfig(name="x", student={"firmware": "teacher_encoder", "input": "channels"}, data={"region_bits": True})
    assert "firmware" not in StudentConfig().fingerprint_data()  # a trained student's build hashes as before


@pytest.mark.slow
def test_a_build_compares_its_student_with_the_teacher_s_encoder_as_firmware(tmp_path):
    """``comparison.students`` with ``firmware: teacher_encoder`` builds the VAE's encoder beside the trained
    student (encoder stage, derived types, C simulation == emulator, agreement, rates) and the report puts the
    two side by side, the encoder's missing LUT and latency with their reason."""
    import json

    from cicada.pipeline.stages.encoder import EncoderResult
    from cicada.pipeline.stamps import read_stamp

    from .conftest import run_cli_in, write_config
    from .test_comparison import LAYERS

    build = {
        **VAE,
        "name": "vae_trigger",
        "student": {"architecture": "custom", "layers": LAYERS, "epochs": 1, "batch_size": 256, "patience": 1},
        # per-layer settings of the student's convolution: the encoder's build leaves them out (its layers differ)
        "hls": {
            "layers": {"layer1": {"strategy": "Resource"}},
            "float_types": {"tolerance": 0.25, "fraction": 0.99, "calibration_events": 1000},
        },
        "verify": {"csim_events": 300},
        "synthesis": {"rtl": {"run": "auto", "yosys": False, "simulate_events": 100, "tradeoff": []}},
        "comparison": {"students": [{"name": "vae_encoder", "firmware": "teacher_encoder", "input": "channels"}]},
    }
    config = write_config(tmp_path, build)
    assert run_cli_in(tmp_path, "build", str(config)) == 0
    encoder_dir = tmp_path / "models/vae_trigger/comparison/vae_encoder"
    encoder = read_stamp(encoder_dir, "encoder", EncoderResult).result
    assert encoder.et_shift >= 1 and encoder.spearman_vs_unscaled > 0.5
    assert not (encoder_dir / "teacher.h5").exists()  # the build's own teacher, not another

    report = json.loads((tmp_path / "hls_projects/vae_trigger/report.json").read_text())
    own, other = report["comparison"]["rows"]
    assert (own["kind"], other["kind"]) == ("build student", "comparison encoder")
    assert other["input"] == "channels" and "teacher's encoder" in other["description"]
    assert 0.0 <= other["auc"]["dijet"] <= 1.0
    low, high = other["auc_interval"]["dijet"]
    assert low <= other["auc"]["dijet"] <= high and "Poisson bootstrap" in other["auc_source"]
    assert other["efficiency"]["dijet"]["low"] <= other["efficiency"]["dijet"]["value"]
    assert other["LUT"] is None and "cannot build this float model" in other["notes"]["LUT"]
    assert other["verified"][0].startswith("C simulation == emulator library") and "calibrated" in other["verified"][1]
    assert f"Spearman {encoder.spearman_vs_unscaled:.3f}" in other["verified"][3]
    assert own["LUT"] is not None and own["verified"][0].startswith("C simulation == QKeras")
    markdown = (tmp_path / "hls_projects/vae_trigger/report.md").read_text()
    assert "| vae_encoder (comparison encoder) | channels |" in markdown
