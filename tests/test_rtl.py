"""The open-source RTL flow: exact tracing of every supported layer kind, the pipeline's cycle
count in Verilator, Yosys' reports in both layouts, and labelled figures in a real build."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cicada.core.errors import ToolError
from cicada.core.labels import KINDS
from cicada.synthesis.rtl.yosys import cells_from_stat_json, cells_from_stat_text, family_of

from .conftest import REPO

STATS = REPO / "tests" / "data" / "yosys"


# ----------------------------------------------------------------------------- Yosys reports
@pytest.mark.parametrize("version", ["0.23", "0.70"])
def test_stat_readers_agree_on_both_layouts(version):
    for design in ("flat", "hierarchy"):
        text = cells_from_stat_text((STATS / f"stat_{version}_{design}.txt").read_text())
        data = cells_from_stat_json(json.loads((STATS / f"stat_{version}_{design}.json").read_text()))
        assert text == data == {"BUFG": 1, "CARRY4": 5, "DSP48E1": 1, "FDRE": 17, "LUT2": 16}, (version, design)


def test_stat_text_of_the_whole_student_in_both_layouts():
    old = cells_from_stat_text((STATS / "stat_0.23_flat_student.txt").read_text())
    assert old["LUT2"] == 46981 and old["CARRY4"] == 18580 and old["FDRE"] == 29583 and old["MUXF7"] == 16
    new = cells_from_stat_text((STATS / "stat_0.70_flat_student.txt").read_text())
    assert new["LUT2"] == 39769 and new["CARRY4"] == 16506 and new["INV"] == 3372
    assert "$scopeinfo" not in new  # Yosys' bookkeeping cells are no hardware


def test_family_of_a_part():
    assert family_of("xc7vx690tffg1927-2") == "xc7"
    assert family_of("xcvu13p-flga2577-2-e") == "xcup"
    assert family_of("xcku115-flvb2104-2-e") == "xcu"
    with pytest.raises(ToolError, match="not a Xilinx part"):
        family_of("10AX115N2F45E1SG")


# ------------------------------------------------------------------------------ tracing
def _images(n: int, seed: int = 0) -> np.ndarray:
    """Region images: mostly pileup-like small values, some big deposits, every code 0..1023 reachable."""
    rng = np.random.default_rng(seed)
    images = rng.poisson(6.0, (n, 252)).astype(np.float64)
    hot = rng.random((n, 252)) < 0.02
    images[hot] = rng.integers(0, 1024, hot.sum())
    images[: n // 20] = rng.integers(0, 1024, (n // 20, 252))  # a few images lit up everywhere
    return np.minimum(images, 1023)


def _model(layers, seed: int, first_scale: float = 0.6):
    """A QKeras model on the 252 inputs, with seeded random weights large enough to reach saturation."""
    from qkeras import QActivation, QConv2D, QDense  # noqa: F401  (used by the layer specs)
    from tensorflow.keras import layers as keras_layers
    from tensorflow.keras.models import Model

    from cicada.core.tf import seed_everything

    seed_everything(seed)
    x = inputs = keras_layers.Input((252,))
    for make in layers:
        x = make(x)
    model = Model(inputs, x)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.6, w.shape) for w in model.get_weights()]
    weights[0] *= first_scale / 0.6  # the first layer sees raw ET up to 1023
    weights[-1] = np.abs(weights[-1])  # a positive last layer: scores spread over the output range
    model.set_weights(weights)
    return model


def _layers(kind: str):
    from qkeras import QActivation, QConv2D, QDense
    from tensorflow.keras import layers

    head = [
        lambda x: layers.Flatten()(x),
        lambda x: QDense(
            3, kernel_quantizer="quantized_bits(6,1,1,alpha=1)", bias_quantizer="quantized_bits(6,3,1,alpha=1)"
        )(x),
        lambda x: QActivation("quantized_relu(8,4)")(x),
        lambda x: QDense(1, kernel_quantizer="quantized_bits(8,2,1,alpha=1)", use_bias=False)(x),
        lambda x: QActivation("quantized_relu(16,8)")(x),
    ]
    image = [lambda x: layers.Reshape((18, 14, 1))(x)]
    if kind == "conv_valid_strided":
        body = [
            lambda x: QConv2D(
                2, (3, 3), strides=(3, 2), kernel_quantizer="quantized_bits(8,2,1,alpha=1)", use_bias=False
            )(x),
            lambda x: QActivation("quantized_relu(8,4)")(x),
        ]
    elif kind == "conv_same_bias_pool":
        body = [
            lambda x: QConv2D(
                2,
                (2, 2),
                padding="same",
                kernel_quantizer="quantized_bits(6,1,1,alpha=1)",
                bias_quantizer="quantized_bits(6,3,1,alpha=1)",
            )(x),
            lambda x: QActivation("quantized_relu(10,6)")(x),
            lambda x: layers.AveragePooling2D((2, 2))(x),
        ]
    elif kind == "dense_inline_activation":
        image = []
        body = [
            lambda x: layers.Dropout(0.1)(x),
            lambda x: QDense(
                4,
                kernel_quantizer="quantized_bits(8,0,1,alpha=1)",
                bias_quantizer="quantized_bits(6,2,1,alpha=1)",
                activation="quantized_relu(6,3)",
            )(x),
            lambda x: layers.ReLU()(x),
        ]
    else:
        raise ValueError(kind)
    return image + body + head


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["conv_valid_strided", "conv_same_bias_pool", "dense_inline_activation"])
def test_traced_logic_equals_qkeras_for_each_layer_kind(kind):
    from cicada.models.student import student_scores
    from cicada.synthesis.rtl.trace import trace_model

    model = _model(_layers(kind), seed=3, first_scale=0.01 if kind == "dense_inline_activation" else 0.6)
    traced = trace_model(model, 10, delay_constraint=0)
    images = _images(3000)
    expected = student_scores(model, images)
    assert len(np.unique(expected)) > 50  # a test that can fail: outputs vary
    got = traced.comb.predict(images, n_threads=1)[:, 0]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.slow
@pytest.mark.parametrize("bits, integer", [(10, 6), (8, 3), (16, 8)])
def test_round_half_even_on_every_input_code(bits, integer):
    """The activation alone, traced from a signed fixed-point input with 6 more fractional bits than
    it keeps, on every one of its codes: each tie, each saturation, each negative value."""
    from alkaid.trace import FVArrayInput, trace
    from qkeras import quantized_relu

    from cicada.synthesis.rtl.trace import round_half_even_saturate

    keep = bits - integer
    incoming = keep + 6
    width = integer + 2 + incoming  # one sign bit, one bit of overflow headroom
    codes = np.arange(-(2 ** (width - 1)), 2 ** (width - 1))
    values = codes * 2.0**-incoming
    inputs = FVArrayInput((1,))
    x = inputs.quantize(1, integer + 1, incoming)
    comb = trace(inputs, [round_half_even_saturate(x[0], False, integer, keep)])
    got = comb.predict(values[:, None], n_threads=1)[:, 0]
    expected = quantized_relu(bits, integer)(values.astype(np.float32)).numpy().astype(np.float64)
    np.testing.assert_array_equal(got, expected)


def _round_half_even_saturate(values: np.ndarray, integer: int, fractional: int) -> np.ndarray:
    step = 2.0**-fractional
    return np.clip(np.round(values / step) * step, 0.0, 2.0**integer - step)  # np.round: half to even


def test_round_half_even_on_scaled_sums_and_constants():
    """Sums of two scaled inputs plus a constant (so the rounded variable carries alkaid's scale
    factors and offsets, where its own RND_CONV went wrong), on every input code; and constants."""
    from alkaid.trace import FVariable, FVArrayInput, HWConfig, trace

    from cicada.synthesis.rtl.trace import round_half_even_saturate

    rng = np.random.default_rng(11)
    checked = 0
    while checked < 150:
        signed, integers, fractions = rng.integers(0, 2, 2), rng.integers(1, 6, 2), rng.integers(0, 5, 2)
        weights = rng.integers(-8, 9, 2) / 2.0 ** rng.integers(0, 4, 2)
        offset = rng.integers(-16, 17) / 2.0 ** rng.integers(0, 5)
        integer, fractional = int(rng.integers(0, 6)), int(rng.integers(0, 4))
        if integer + fractional < 1:
            continue
        inputs = FVArrayInput((2,))
        x = inputs.quantize(signed, integers, fractions)
        value = x[0] * weights[0] + x[1] * weights[1] + offset
        if value.low == value.high:
            continue
        comb = trace(inputs, [round_half_even_saturate(value, False, integer, fractional)])
        grids = [np.arange(-k * 2.0**i, 2.0**i, 2.0**-f) for k, i, f in zip(signed, integers, fractions)]
        codes = np.array(np.meshgrid(*grids)).reshape(2, -1).T
        expected = _round_half_even_saturate(codes @ weights + offset, integer, fractional)
        np.testing.assert_array_equal(comb.predict(codes, n_threads=1)[:, 0], expected, err_msg=f"case {checked}")
        checked += 1
    for constant in (0.75, 0.625, 0.3125, 1.5, -0.5, 100.0, 0.0):
        got = round_half_even_saturate(FVariable.from_const(constant, HWConfig(1, 1, -1)), False, 3, 2)
        assert got.low == got.high == float(_round_half_even_saturate(np.array(constant), 3, 2)), constant


@pytest.mark.slow
def test_a_layer_without_a_rule_is_one_error_naming_it():
    from qkeras import QActivation
    from tensorflow.keras import layers

    from cicada.synthesis.rtl.trace import UnsupportedLayer, trace_model

    model = _model(
        [
            lambda x: layers.Reshape((252, 1))(x),
            lambda x: layers.LSTM(2, name="memory")(x),
            lambda x: layers.Dense(1)(x),
        ],
        seed=1,
    )
    with pytest.raises(UnsupportedLayer, match=r"layer 'memory' \(LSTM\): no RTL rule for LSTM layers"):
        trace_model(model)
    odd = _model([lambda x: QActivation("quantized_bits(8,3)", name="odd")(x), lambda x: layers.Dense(1)(x)], seed=1)
    with pytest.raises(UnsupportedLayer, match=r"layer 'odd' \(QActivation\): activation quantized_bits"):
        trace_model(odd)


# ---------------------------------------------------------------------------- RTL in Verilator
@pytest.fixture(scope="module")
def small_trace():
    from cicada.synthesis.rtl.trace import trace_model

    model = _model(_layers("conv_valid_strided"), seed=5)
    return model, trace_model(model, 10, delay_constraint=0)


@pytest.mark.slow
@pytest.mark.parametrize("adders_per_stage, register_input", [(2.0, True), (4.0, False)])
def test_rtl_is_bit_exact_and_its_cycles_are_what_the_generator_built(
    small_trace, tmp_path, adders_per_stage, register_input
):
    from cicada.models.student import student_scores
    from cicada.synthesis.rtl.project import write_project
    from cicada.synthesis.rtl.simulate import simulate

    model, traced = small_trace
    project = write_project(
        traced,
        tmp_path / "rtl",
        "tiny_student",
        adders_per_stage,
        register_input,
        6.25,
        "xc7vx690tffg1927-2",
        "test model",
    )
    assert project.latency_cycles == project.stages + int(register_input)
    assert project.stages == int(np.ceil(project.adder_levels / adders_per_stage)) > 1
    images = _images(500, seed=2)
    simulation = simulate(project, images)
    assert simulation.latency_cycles == simulation.data_path_latency_cycles == project.latency_cycles
    assert simulation.initiation_interval == 1
    np.testing.assert_array_equal(simulation.outputs[:, 0], student_scores(model, images))
    top = (tmp_path / "rtl" / "src" / "tiny_student.v").read_text()
    assert "input in_valid" in top and "output out_valid" in top
    assert ("stage0_inp <= model_inp" in top) == register_input
    for name in ("build_vivado_prj.tcl", "README.md", "ports.json", "src/tiny_student.xdc", "sim/tb_tiny_student.cpp"):
        assert (tmp_path / "rtl" / name).exists(), name
    assert "in_valid" in (tmp_path / "rtl" / "src" / "tiny_student.xdc").read_text()
    # the stages are named after the top (alkaid calls them logic0, logic1... in every design)
    assert project.stage_files == [f"src/tiny_student_stage{i}.v" for i in range(project.stages)]
    assert not list((tmp_path / "rtl" / "src").glob("logic*.v"))
    assert not (tmp_path / "rtl" / "src" / "tiny_student_wrapper.v").exists()
    # only the static modules the stages instantiate are kept, and all of them are in the sources
    stages = "\n".join((tmp_path / "rtl" / f).read_text() for f in project.stage_files)
    static = sorted((tmp_path / "rtl" / "src" / "static").glob("*.v"))
    assert static and all(f"{p.stem} #(" in stages for p in static)
    assert {f"src/static/{p.name}" for p in static} <= set(project.static_files)
    assert 0 < project.adder_graph_lut_estimate


@pytest.mark.slow
def test_yosys_counts_cells_flip_flops_and_depth(small_trace, tmp_path):
    from cicada.synthesis.rtl.project import write_project
    from cicada.synthesis.rtl.yosys import synthesize

    _, traced = small_trace
    project = write_project(
        traced, tmp_path / "rtl", "tiny_student", 3.0, True, 6.25, "xc7vx690tffg1927-2", "test model"
    )
    synthesis = synthesize(project, "xc7vx690tffg1927-2", jobs=2)
    summary = synthesis.resources.summary()
    assert summary["LUT"] > 50 and summary["CARRY"] > 10 and summary["DSP"] == 0 and summary["BRAM"] == 0
    # flip-flops: at most the register bits the RTL declares, and at least the valid pipeline and the output
    assert project.latency_cycles + 16 <= synthesis.flip_flops <= project.register_bits
    assert 1 <= synthesis.depth.lut_levels <= synthesis.depth.max_lut_levels
    assert 0.3 < synthesis.depth.delay_ps / 1000 < 20
    assert synthesis.yosys.startswith("Yosys")


# --------------------------------------------------------------------------- a whole build
def test_every_figure_of_a_build_has_a_known_source(rtl_build):
    directory, _, code = rtl_build
    assert code == 0
    report = json.loads((directory / "hls_projects" / "rtl" / "report.json").read_text())
    latency, resources = report["latency"]["rtl"], report["resources"]["rtl"]
    assert latency["available"] and latency["interval_cycles"] == 1
    assert latency["cycles"] == latency["data_path_cycles"] == latency["stages"] + 1
    assert latency["ns"] == pytest.approx(latency["cycles"] * 6.25) and latency["bx"] == pytest.approx(
        latency["ns"] / 25
    )
    assert resources["DSP"] == 0 and resources["LUT"] > 0 and resources["FF"] > 0
    bits = report["rtl_bit_accuracy"]
    assert bits["vs_qkeras"]["bit_exact"] and bits["vs_csim"]["bit_exact"] and bits["events"] == 400
    labelled = [
        latency["source"],
        resources["source"],
        report["estimates"]["rtl"]["source"],
        report["logic_depth"]["source"],
        *[row["latency_source"] for row in report["tradeoff"]],
        *[row["estimate_source"] for row in report["tradeoff"]],
        *[row["synthesis_source"] for row in report["tradeoff"] if row["synthesis_source"]],
    ]
    assert all(any(label.startswith(kind + ":") for kind in KINDS.values()) for label in labelled), labelled
    assert report["logic_depth"]["source"].startswith("estimate:")
    assert len(report["tradeoff"]) == 2 and {r["adders_per_stage"] for r in report["tradeoff"]} == {2.0, 3.0}
    markdown = (directory / "hls_projects" / "rtl" / "report.md").read_text()
    assert "measured in RTL simulation: Verilator" in markdown and "open-source synthesis: Yosys" in markdown
    assert "Trade-off" in markdown and "Logic depth (RTL)" in markdown
    rtl = Path(directory) / "hls_projects" / "rtl" / "rtl"
    assert (rtl / "src" / "cicada_student.v").exists() and (rtl / "build_vivado_prj.tcl").exists()


# ---------------------- the HLS project with distributed arithmetic (hls4ml 1.3.0's provider is da4ml 0.5.2)
@pytest.mark.slow
def test_hls_project_with_distributed_arithmetic_is_proven_exact_and_costed(small_trace, tmp_path):
    from cicada.config.loader import config_from_mapping
    from cicada.firmware import csim
    from cicada.firmware.convert import convert_student
    from cicada.models.student import student_scores

    model, _ = small_trace
    hls = config_from_mapping({"name": "t", "hls": {"strategy": "distributed_arithmetic"}}).hls
    result = convert_student(model, hls, tmp_path / "prj")
    assert result.proof.proven
    conv = next(layer for layer in result.layer_precisions if layer["class"] == "Conv2D")
    assert conv["strategy"] == "distributed_arithmetic"
    weighted = {layer.name for layer in model.layers if layer.get_weights()}
    assert set(result.distributed_arithmetic_cost) == weighted and len(weighted) == 3
    assert all(cost > 0 for cost in result.distributed_arithmetic_cost.values())
    images = _images(200, seed=4)
    expected = student_scores(model, images)
    firmware = csim.run_testbench(tmp_path / "prj", images, expected)
    assert csim.compare_bits(expected, firmware, 2**-8).bit_exact


def test_distributed_arithmetic_needs_reuse_factor_one(tmp_path):
    from cicada.config.loader import config_from_mapping
    from cicada.core.errors import ConfigError

    with pytest.raises(ConfigError, match="key 'hls.reuse_factor': expected 1 with strategy distributed_arithmetic"):
        config_from_mapping({"name": "t", "hls": {"strategy": "distributed_arithmetic", "reuse_factor": 2}})


def test_warmup_only_says_that_nothing_needs_warming_up():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "cicada", "warmup"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "no warm-up is needed any more" in result.stderr + result.stdout
    assert "alkaid, whose solver is compiled C++" in result.stderr + result.stdout


@pytest.mark.slow
def test_the_rtl_flow_never_imports_da4ml_or_numba(tmp_path):
    """da4ml stays installed for hls4ml's distributed_arithmetic strategy only: tracing, writing and
    the backend's modules must not load it (nor numba, its compiler)."""
    import subprocess
    import sys

    probe = f"""
import sys
import cicada  # first: it sets TF_USE_LEGACY_KERAS before qkeras imports TensorFlow
import numpy as np
from qkeras import QActivation, QDense
from tensorflow.keras import layers, models
import cicada.synthesis.rtl.backend, cicada.synthesis.rtl.simulate, cicada.synthesis.rtl.yosys
from cicada.synthesis.rtl.project import write_project
from cicada.synthesis.rtl.trace import trace_model
x = inputs = layers.Input((252,))
x = QDense(2, kernel_quantizer="quantized_bits(6,1,1,alpha=1)", use_bias=False)(x)
x = QActivation("quantized_relu(16,8)")(x)
model = models.Model(inputs, x)
model.set_weights([np.random.default_rng(0).normal(0, 0.1, (252, 2))])
write_project(trace_model(model), {str(tmp_path / "rtl")!r}, "probe", 2.0, True, 6.25, "xc7vx690tffg1927-2", "probe")
print(sorted(name for name in sys.modules if name.split(".")[0] in ("da4ml", "numba")))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "rtl" / "src" / "probe.v").exists()


@pytest.mark.parametrize(
    "top, why", [("module", "that is not a Verilog keyword"), ("logic3", "other than alkaid's stage names")]
)
def test_a_top_module_name_that_would_clash_is_refused(top, why):
    from cicada.config.loader import config_from_mapping
    from cicada.core.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"key 'synthesis\.rtl\.top': expected a module name {why}"):
        config_from_mapping({"name": "t", "synthesis": {"rtl": {"top": top}}})
