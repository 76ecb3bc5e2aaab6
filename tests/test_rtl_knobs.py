"""alkaid's knobs in the RTL flow (synthesis.rtl and each trade-off setting) and a scan's objective: the
settings, the trade-off rows they give and their table, the objective column and the front, Yosys on
an RTL project written earlier, and the warning of scan points that build the same circuit."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from cicada.synthesis.rtl import knobs
from cicada.synthesis.rtl.backend import RTLBackend, RTLSettings
from tests.test_adder_cost import TINY_LAYERS

REPO = Path(__file__).resolve().parents[1]


def test_default_knobs_build_what_cicada_always_built():
    settings = RTLSettings()
    chosen = knobs.knobs_of(settings)
    assert knobs.solver_options(chosen) == {"hard_dc": 0, "search_all_decompose_dc": True}
    assert knobs.hardware(chosen) == (1, 1, -1) and chosen["ternary_fuse"]
    assert settings.plain()["tradeoff"] == [2.0, 4.0]  # a bare number still reads and writes as one
    assert set(settings.plain()) - set(settings.fingerprint_data()) == {
        "method0",
        "method1",
        "decompose_dc",
        "search_all_decompose_dc",
        "binary_lut",
        "adder_size",
        "carry_size",
        "ternary_fuse",
    }
    other = knobs.knobs_of(RTLSettings(method0="mc", binary_lut=False, carry_size=-1, delay_constraint=2))
    assert knobs.solver_options(other) == {
        "hard_dc": 2,
        "search_all_decompose_dc": True,
        "method0": "mc",
        "binary_lut": False,
    }
    assert knobs.hardware(other) == (1, -1, -1)


def test_tradeoff_entries_are_numbers_or_knobs():
    settings = RTLSettings(tradeoff=[2, {"delay_constraint": 2}, {"adders_per_stage": 4, "ternary_fuse": False}])
    assert settings.plain()["tradeoff"] == [
        2.0,
        {"delay_constraint": 2},
        {"adders_per_stage": 4.0, "ternary_fuse": False},
    ]
    assert RTLSettings.model_validate(settings.plain()) == settings
    main = knobs.knobs_of(settings)
    rows = [knobs.resolve(main, entry) for entry in settings.tradeoff]
    assert [r["adders_per_stage"] for r in rows] == [2.0, 3.0, 4.0] and rows[1]["delay_constraint"] == 2
    assert knobs.label(rows[2]) == "adders_per_stage_4-ternary_fuse_off"
    assert knobs.label(rows[0]) == "adders_per_stage_2"  # the folders of number entries keep their names


@pytest.mark.parametrize(
    "tradeoff, key",
    [
        ([{}], "synthesis.rtl.tradeoff[0]"),
        ([{"method0": "fast"}], "method0"),
        ([{"adder_size": 0}], "adder_size"),
        ([{"hard_dc": 1}], "hard_dc"),
        ([{"method0": "dummy"}], "synthesis.rtl.tradeoff[0].method0"),
        ([-1], "adders_per_stage"),
    ],
)
def test_bad_knobs_are_one_line(tmp_path, tradeoff, key):
    from cicada.config.loader import load_config
    from cicada.core.errors import ConfigError

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "c", "synthesis": {"rtl": {"tradeoff": tradeoff}}}))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "\n" not in str(caught.value) and key in str(caught.value), str(caught.value)


@pytest.fixture(scope="module")
def tiny_model():
    from cicada.config.sections import StudentConfig
    from cicada.core.tf import seed_everything
    from cicada.models.student import build

    seed_everything(11)
    return build(StudentConfig(architecture="custom", layers=TINY_LAYERS))


def test_the_knobs_reach_report_json_and_the_table():
    from cicada.synthesis.rtl.figures import RTLTradeoffRow
    from cicada.synthesis.rtl.section import RTLSection

    base = dict(stages=3, cycles=4, ns=25.0, bx=1.0, latency_source="s", LUT_estimate=10.0, FF_registers=5)
    rows = [
        RTLTradeoffRow(adders_per_stage=3.0, estimate_source="e", **base),
        RTLTradeoffRow(adders_per_stage=3.0, estimate_source="e", delay_constraint=2, **base),
        RTLTradeoffRow(adders_per_stage=2.0, estimate_source="e", solver={"method0": "mc"}, **base),
    ]
    report = RTLSection().report_json(SimpleNamespace(logic_depth=None, tradeoff=rows, bit_exact=None, adder_cost={}))
    assert "delay_constraint" not in report["tradeoff"][0] and report["tradeoff"][1]["delay_constraint"] == 2
    assert report["tradeoff"][2]["solver"] == {"method0": "mc"} and "adder_cost" not in report
    assert [RTLTradeoffRow.from_json(row) for row in report["tradeoff"]] == rows
    lines = RTLSection().markdown(report)
    header = next(line for line in lines if line.startswith("| adders per stage"))
    assert header.startswith("| adders per stage | delay constraint | other knobs | stages | cycles |")
    assert any(line.startswith("| 2 | 0 | method0 mc |") for line in lines)
    plain = RTLSection().markdown({"tradeoff": [rows[0].as_json()]})
    assert "delay constraint" not in "\n".join(plain)  # rows of the defaults: the table as it always was


@pytest.mark.slow
def test_the_tradeoff_builds_a_row_per_knob_setting(tiny_model, tmp_path):
    from cicada.synthesis.rtl.section import RTLSection
    from cicada.synthesis.rtl.trace import trace_model

    settings = RTLSettings(
        tradeoff=[2, {"delay_constraint": 2}, {"method0": "dummy", "delay_constraint": -1}, {"ternary_fuse": False}, 3],
        yosys=False,
    )
    job = SimpleNamespace(
        settings=settings, project_dir=tmp_path, config=SimpleNamespace(hls=SimpleNamespace(part="xc7vx690tffg1927-2"))
    )
    traced = trace_model(tiny_model, 10, 0, knobs.knobs_of(settings))
    timings: dict = {}
    rows = RTLBackend()._tradeoff(job, tiny_model, 10, traced, 6.25, "tiny", timings)
    assert len(rows) == 4  # the entry equal to the build's own setting (3) is not repeated
    by_knob = {(row.adders_per_stage, row.delay_constraint, json.dumps(row.solver)): row for row in rows}
    dummy = by_knob[(3.0, -1, '{"method0": "dummy"}')]
    unfused = by_knob[(3.0, 0, '{"ternary_fuse": false}')]
    main_estimate = by_knob[(2.0, 0, "{}")].LUT_estimate
    assert dummy.LUT_estimate > main_estimate  # no sharing of terms: a dearer graph, retraced
    assert unfused.LUT_estimate != main_estimate
    assert (
        tmp_path / "rtl_tradeoff" / "adders_per_stage_3-delay_constraint_-1-method0_dummy" / "project.json"
    ).exists()
    text = "\n".join(RTLSection().markdown({"tradeoff": [row.as_json() for row in rows]}))
    assert "| method0 dummy |" in text and "| ternary_fuse False |" in text


# ------------------------------------------------------------------------------------ the scan
def test_the_objective_column_and_its_front():
    from cicada.scan.front import to_measure, with_measured, with_objective

    rows = [
        {
            "point": "a",
            "status": "done",
            "LUT_estimate": 100.0,
            "efficiency@1kHz:s": 0.30,
            "resources_source": "estimate: alkaid",
        },
        {
            "point": "b",
            "status": "done",
            "LUT_estimate": 200.0,
            "efficiency@1kHz:s": 0.50,
            "resources_source": "estimate: alkaid",
        },
        {
            "point": "c",
            "status": "done",
            "LUT_estimate": 300.0,
            "efficiency@1kHz:s": 0.40,
            "resources_source": "estimate: alkaid",
        },
        {
            "point": "d",
            "status": "done",
            "LUT_estimate": 50.0,
            "efficiency@1kHz:s": 0.10,
            "resources_source": "open-source synthesis: Yosys",
        },
        {"point": "e", "status": "failed"},
    ]
    marked = with_objective(rows, "LUT_estimate", 1.0)
    assert [row["objective"] for row in marked] == [100.0, 200.0, 300.0, 50.0, None]
    assert [row["on_front"] for row in marked] == [True, True, False, True, False]
    assert [row["point"] for row in to_measure(marked)] == ["a", "b"]  # d was synthesized by its build
    figures = {
        "LUT": 90,
        "FF": 10,
        "CARRY": 5,
        "DSP": 0,
        "BRAM": 0,
        "resources_source": "open-source synthesis: Yosys 0.70",
        "cell_delay_ns": 4.0,
        "lut_levels": 3,
        "yosys_seconds": 1.0,
    }
    measured = with_measured(marked[0], figures)
    assert measured["LUT"] == 90 and measured["yosys_on_front"] and measured["objective"] == 100.0


def test_scan_md_has_the_objective_the_intervals_and_every_reference(tmp_path):
    from cicada.config.scan import load_scan
    from cicada.scan.summary import markdown

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"base": "b.yaml", "grid": {"seed": [1]}, "objective": {"cost": "LUT_estimate"}}))
    spec = load_scan(path)
    row = {
        "point": "p1",
        "status": "done",
        "auc:s": 0.9,
        "efficiency@1kHz:s": 0.5,
        "efficiency_low@1kHz:s": 0.49,
        "efficiency_high@1kHz:s": 0.51,
        "objective": 123.0,
        "on_front": True,
        "LUT_estimate": 123.0,
        "adder_terms": 77,
        "CARRY": 9,
        "cell_delay_ns": 4.2,
    }
    references = [dict(row, point="reference: a"), dict(row, point="reference: b", LUT=47850)]
    text = markdown(spec, path, [row], [], None, references)
    assert "objective (LUT_estimate)" in text and "0.500 [0.490, 0.510]" in text
    assert "| reference: a |" in text and "47850" in text and "adder terms" in text


def test_check_warns_of_points_that_build_the_same_circuit(tmp_path, capsys):
    from cicada.cli import main

    base = yaml.safe_load((REPO / "configs/quickstart.yaml").read_text())
    base["synthesis"]["vendor"] = {"run": "off"}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    scan = {"base": "base.yaml", "grid": {"hls.reuse_factor": [1, 2], "student.epochs": [3, 4]}}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scan))
    assert main(["scan", str(tmp_path / "s.yaml"), "--check"]) == 0
    out = capsys.readouterr().out
    warnings = [line for line in out.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and all("(rtl)" in w and "differ only in hls.reuse_factor" in w for w in warnings)
    scan["grid"] = {"student.epochs": [3, 4], "synthesis.rtl.delay_constraint": [0, 2]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scan))
    assert main(["scan", str(tmp_path / "s.yaml"), "--check"]) == 0
    assert "warning" not in capsys.readouterr().out  # every key here changes the circuit


@pytest.mark.slow
def test_yosys_on_a_project_written_earlier_is_kept_beside_it(tiny_model, tmp_path):
    from cicada.scan.front import FRONT_FILE, front_figures
    from cicada.synthesis.rtl.project import read_project, write_project
    from cicada.synthesis.rtl.trace import trace_model

    project = write_project(
        trace_model(tiny_model), tmp_path / "rtl", "tiny", 3.0, True, 6.25, "xc7vx690tffg1927-2", "t"
    )
    assert read_project(tmp_path / "rtl") == project
    figures = front_figures(str(tmp_path / "rtl"), "xc7vx690tffg1927-2", 6.25)
    assert figures["LUT"] > 0 and figures["cell_delay_ns"] > 0
    assert figures["resources_source"].startswith("open-source synthesis: Yosys")
    kept = json.loads((tmp_path / "rtl" / FRONT_FILE).read_text())
    assert kept["figures"] == figures
    kept["figures"]["LUT"] = -1  # a kept result is what the second call returns, while the Verilog is unchanged
    (tmp_path / "rtl" / FRONT_FILE).write_text(json.dumps(kept))
    assert front_figures(str(tmp_path / "rtl"), "xc7vx690tffg1927-2", 6.25)["LUT"] == -1
    assert np.isfinite(figures["lut_levels"])
