"""Students compared (``comparison.students``): the config's checks, fingerprints of builds without the
section as they were, and a small build whose report puts a packed-input student beside an ET-only one,
each built, verified and synthesized by the build's own stages."""

from __future__ import annotations

import json

import pytest
import yaml

from cicada.config.comparison import ComparisonConfig, entry_config
from cicada.config.loader import config_from_mapping, load_config
from cicada.core.errors import ConfigError
from cicada.pipeline.build import STAGES, make_context, stages_for
from cicada.pipeline.engine import components

from .conftest import TINY, run_cli_in, write_config

BITS = {**TINY, "data": {**TINY["data"], "region_bits": True}, "student": {**TINY["student"], "input": "packed"}}
V2_ET = {"name": "v2_et", "description": "CICADA v2 on region ET", "architecture": "cicada_v2", "input": "et"}


def _load(tmp_path, data: dict):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


# ------------------------------------------------------------------------------------- config
def test_a_comparison_student_is_the_build_s_student_with_its_keys_replaced():
    config = config_from_mapping({**BITS, "comparison": {"students": [{**V2_ET, "epochs": 5}]}})
    assert config.hls.input_precision == "ap_uint<12>"  # the build's packed student
    derived = entry_config(config, 0)
    assert (derived.student.architecture, derived.student.input, derived.student.epochs) == ("cicada_v2", "et", 5)
    assert derived.student.batch_size == config.student.batch_size  # left out: the build's own student's
    assert derived.hls.input_precision == "ap_uint<10>"  # follows the entry's input
    assert derived.data == config.data and derived.teacher == config.teacher
    assert not derived.comparison.active()


@pytest.mark.parametrize(
    "comparison, expected",
    [
        ({"students": [{**V2_ET, "architecture": "cicada_v3"}]}, "comparison.students[0].architecture"),
        ({"students": [{**V2_ET, "inptu": "et"}]}, "comparison.students[0].inptu': unknown key; did you mean 'input'"),
        ({"students": [{**V2_ET, "epochs": 0}]}, "comparison.students[0].epochs': expected a value >= 1, got 0"),
        ({"students": [V2_ET, V2_ET]}, "comparison.students[1].name': expected a name no other"),
        ({"students": [{"description": "no name"}]}, "comparison.students[0].name': missing"),
        ({"students": [{**V2_ET, "start_from": "s.h5"}]}, "comparison.students[0].start_from': unknown key"),
        ({"students": [{**V2_ET, "architecture": "custom"}]}, "comparison.students[0].layers': expected a list"),
        ({"students": [V2_ET], "rate_khz": 2.0}, "comparison.rate_khz': expected one of rates.target_rates_khz"),
        # the build's hls.layers name a convolution that cicada_v1 has not
        ({"students": [{**V2_ET, "architecture": "cicada_v1"}]}, "comparison student 'v2_et', key 'hls.layers.conv'"),
    ],
)
def test_bad_comparison_entries_are_one_line_errors(tmp_path, comparison, expected):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, {**BITS, "comparison": comparison})
    text = str(caught.value)
    assert "\n" not in text and expected in text, text


def test_a_comparison_student_needs_what_its_input_reads(tmp_path):
    with pytest.raises(ConfigError, match="comparison student 'p', key 'data.region_bits': expected true"):
        _load(tmp_path, {**TINY, "comparison": {"students": [{"name": "p", "input": "packed"}]}})


def test_the_comparison_section_fingerprint_omits_defaults(tmp_path):
    """A build without comparison students has the stages and the fingerprints it had before the section."""
    assert ComparisonConfig().fingerprint_data() == {}

    def parts(config: dict) -> tuple[list[str], dict]:
        context = make_context(config_from_mapping(config), tmp_path / "config.yaml", tmp_path)
        stages = stages_for(context)
        return [s.name for s in stages], {
            s.name: components(s, context, {u: "upstream" for u in s.upstream}) for s in stages
        }

    names, plain = parts(TINY)
    assert names == [s.name for s in STAGES] and "comparison" not in names
    assert "comparison" not in json.dumps(plain["report"]["inputs"])
    assert parts({**TINY, "comparison": {}}) == (names, plain)
    assert parts({**TINY, "comparison": {"students": [], "rate_khz": 1.0}}) == (names, plain)
    compared_names, compared = parts(
        {**TINY, "comparison": {"students": [{"name": "v1", "architecture": "cicada_v2"}]}}
    )
    assert compared_names == [*names[:-1], "comparison", "report"]
    assert "comparison" in compared["report"]["upstream"]
    assert {name: compared[name] for name in names[:-1]} == {name: plain[name] for name in names[:-1]}


# ----------------------------------------------------------------------------------- a build
#: A small build: a custom student on the packed regions beside the same layers on region ET (small enough for
#: Yosys in seconds), the ET-only CICADA teacher on images with bits.
LAYERS = [
    {"type": "Reshape", "target_shape": [18, 14, 1]},
    {"type": "QConv2D", "filters": 2, "kernel_size": [3, 3], "strides": [3, 2], "use_bias": False,
     "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)"},
    {"type": "QActivation", "activation": "quantized_relu(8,4)"},
    {"type": "Flatten"},
    {"type": "QDense", "units": 3, "kernel_quantizer": "quantized_bits(6,1,1,alpha=1)",
     "bias_quantizer": "quantized_bits(6,3,1,alpha=1)"},
    {"type": "QActivation", "activation": "quantized_relu(8,4)"},
    {"type": "QDense", "units": 1, "use_bias": False, "kernel_quantizer": "quantized_bits(8,2,1,alpha=1)"},
    {"type": "QActivation", "activation": "quantized_relu(16,8)"},
]  # fmt: skip
COMPARED = {
    "name": "compared",
    "seed": 5,
    "data": {
        "zero_bias_events": 2000,
        "region_bits": True,
        "signals": [{"name": "dijet", "kind": "dijet_resonance", "events": 200}],
    },
    "teacher": {"epochs": 1, "batch_size": 256, "patience": 1},
    "student": {"architecture": "custom", "input": "packed", "epochs": 2, "batch_size": 256, "layers": LAYERS},
    "verify": {"csim_events": 200},
    # the RTL flow's Verilator (bit for bit, the cycles) and alkaid's LUT estimate: Yosys is tests/test_rtl.py's
    "synthesis": {"rtl": {"simulate_events": 200, "tradeoff": [], "yosys": False}},
    "comparison": {"students": [{"name": "et_only", "description": "the same layers on region ET", "input": "et"}]},
}


@pytest.fixture(scope="module")
def compared_build(tmp_path_factory):
    directory = tmp_path_factory.mktemp("compared")
    config = write_config(directory, COMPARED)
    return directory, config, run_cli_in(directory, "build", str(config))


@pytest.mark.slow  # trains a teacher and two students, compiles two firmwares, simulates two RTLs
def test_the_report_compares_the_students_row_by_row(compared_build):
    directory, config, code = compared_build
    assert code == 0
    report = json.loads((directory / "hls_projects/compared/report.json").read_text())
    table = report["comparison"]
    assert table["rate_khz"] == 1.0
    own, other = table["rows"]
    assert (own["name"], own["kind"], own["input"]) == ("compared", "build student", "packed")
    assert (other["name"], other["kind"], other["input"]) == ("et_only", "comparison student", "et")
    for row in (own, other):
        assert set(row["auc"]) == set(row["efficiency"]) == {"dijet"}
        e = row["efficiency"]["dijet"]
        assert e["low"] <= e["value"] <= e["high"]
        assert row["pure_rate_khz"] is not None and row["pure_rate_khz"] <= row["measured_rate_khz"] + 1e-9
        assert row["LUT"] > 0 and row["LUT_source"].startswith("estimate: alkaid")
        assert row["latency_cycles"] >= 1 and row["latency_bx"] == pytest.approx(row["latency_ns"] / 25.0)
        assert row["latency_source"].startswith("measured in RTL simulation")
        assert any(check.startswith("RTL == QKeras") for check in row["verified"])
    # the build's own row is the build's own figures
    assert own["auc"]["dijet"] == report["auc"]["dijet"]["firmware"]
    assert own["LUT"] == report["estimates"]["rtl"]["LUT"]  # alkaid's estimate: Yosys did not run
    # the comparison student was built, verified and synthesized in its own folder from the same teacher
    built = directory / "models/compared/comparison/et_only"
    assert (built / "student.h5").is_file() and not (built / "teacher.h5").exists()
    ports = json.loads((directory / "hls_projects/compared/comparison/et_only/rtl/ports.json").read_text())
    widths = {port["width"] for port in (ports["inputs"] if isinstance(ports, dict) else ports)}
    assert widths - {0} == {10}  # region ET ports (0: a region the convolution's stride never reads)
    text = (directory / "hls_projects/compared/report.md").read_text()
    section = text[text.index("## Students compared") :]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    assert lines[1].startswith("| compared (build student) | packed") and lines[2].startswith("| et_only")
    assert "estimate: alkaid" in section and "measured in RTL simulation" in section

    # a second build reuses everything, the comparison students' builds included
    assert run_cli_in(directory, "build", str(config)) == 0
    assert "comparison" in json.loads((directory / "hls_projects/compared/report.json").read_text())


def test_a_row_of_another_kind_of_firmware_renders_with_what_it_lacks():
    """The row record names no student type: an encoder-only firmware without a synthesis is a row too."""
    import dataclasses

    from cicada.core.synthesis_figures import Estimate, Figures, Latency
    from cicada.evaluation.comparison import ComparedRow, markdown, with_synthesis, with_working_point
    from cicada.evaluation.efficiency import efficiency
    from cicada.evaluation.rates import working_point

    point = working_point([1.0, 2.0, 3.0, 4.0], 1.0, 0.25, [0.1, 0.2, 0.3, 0.4])
    point.signal_efficiency_interval = {"ttbar": efficiency([True, False, False, True])}
    student = with_working_point(ComparedRow("s", "a student", "build student", input="packed"), point, "rates")
    figures = Figures(
        latency=Latency(source="measured in RTL simulation: V", clock_ns=6.25, cycles=8, ns=50.0, bx=2.0,
                        interval_cycles=1, interval_ns=6.25, one_event_per_crossing=True),
        estimate=Estimate("estimate: alkaid", {"LUT": 1234.0}),
    )  # fmt: skip
    student = with_synthesis(student, figures, "done", None)
    student.auc = {"ttbar": 0.9}
    encoder = with_synthesis(
        ComparedRow("vae_encoder", "the VAE's encoder", "encoder firmware"), None, "skipped", "n/a"
    )
    encoder.auc = {"ttbar": 0.8}
    rows = [dataclasses.asdict(student), dataclasses.asdict(encoder)]
    text = "\n".join(markdown({"rate_khz": 1.0, "rows": rows}))
    assert student.LUT == 1234.0 and student.latency_bx == 2.0 and student.efficiency["ttbar"].passed == 2
    assert "| s (build student) | packed | n/a | 0.900 | 0.500 [" in text
    assert "1,234 (estimate) | 8 (measured in RTL simulation) | 2 (measured in RTL simulation) |" in text
    assert "| vae_encoder (encoder firmware) | n/a | n/a | 0.800 | n/a | n/a | n/a | n/a | n/a |" in text
    assert "LUT missing or limited: n/a" in text
    assert markdown({}) == [] and markdown({"rate_khz": 1.0, "rows": []}) == []
