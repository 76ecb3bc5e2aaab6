"""The vendor report reader, on real Vivado HLS 2020.1 and Vitis HLS 2023.1 reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ToolError
from cicada.synthesis import BACKENDS, SynthesisJob, run_backend
from cicada.synthesis.vendor import missing_tool_reason
from cicada.synthesis.vendor_reports.csynth_xml import read_csynth
from cicada.synthesis.vendor_reports.locate import find_csynth_report
from cicada.synthesis.vendor_reports.timing import timing

REPORTS = Path(__file__).parent / "data" / "hls_reports"


def test_vivado_hls_2020_1_flat_layout():
    report = find_csynth_report(REPORTS / "vivado_hls_2020.1")
    assert report is not None and report.name == "myproject_csynth.xml"
    r = read_csynth(report)
    assert (r["latency_best_cycles"], r["latency_worst_cycles"], r["interval_cycles"]) == (10, 10, 8)
    assert r["resources"] == {"LUT": 2532, "FF": 7969, "DSP": 73, "BRAM_18K": 0, "URAM": 0}
    assert r["target_clock_ns"] == 5.0 and r["estimated_clock_ns"] == pytest.approx(4.049)
    assert r["part_resources"]["DSP"] == 220 and r["utilisation_percent"]["DSP"] == pytest.approx(100 * 73 / 220)
    assert r["latency_worst_ns"] == 50.0 and r["latency_worst_bx"] == 2.0
    assert r["interval_ns"] == 40.0 and r["one_event_per_crossing"] is False  # 40 ns > 25 ns


def test_vitis_hls_2023_1_project_layout():
    report = find_csynth_report(REPORTS / "vitis_hls_2023.1")
    assert report is not None and "solution1/syn/report" in str(report)
    r = read_csynth(report)
    assert (r["latency_worst_cycles"], r["interval_cycles"]) == (695, 578)
    assert r["resources"] == {"LUT": 339116, "FF": 65881, "DSP": 29, "BRAM_18K": 332, "URAM": 0}
    assert r["estimated_clock_ns"] == pytest.approx(3.649)
    assert r["latency_worst_bx"] == pytest.approx(695 * 5.0 / 25)
    assert r["part_resources"]["URAM"] == 80


def test_one_event_per_crossing_at_160_mhz():
    assert timing(30, 30, 4, 6.25)["one_event_per_crossing"] is True  # II 4 x 6.25 ns = 25 ns
    assert timing(30, 30, 5, 6.25)["one_event_per_crossing"] is False


def test_truncated_and_missing_reports(tmp_path):
    source = REPORTS / "vivado_hls_2020.1" / "myproject_csynth.xml"
    truncated = tmp_path / "myproject_csynth.xml"
    truncated.write_text(source.read_text()[:800])
    with pytest.raises(ToolError, match="not a readable XML report"):
        read_csynth(truncated)
    with pytest.raises(ToolError, match="synthesis report not found"):
        read_csynth(tmp_path / "absent.xml")
    cut = tmp_path / "cut" / "myproject_csynth.xml"
    cut.parent.mkdir()
    text = source.read_text()
    cut.write_text(text[: text.index("<SummaryOfOverallLatency>")] + "</PerformanceEstimates></profile>")
    with pytest.raises(ToolError, match="no latency summary"):
        read_csynth(cut)
    assert find_csynth_report(tmp_path / "nowhere") is None


def synthesize(project, backend: str, run: str):
    """The vendor backend on ``project`` as the synthesis stage would run it."""
    config = config_from_mapping({"name": "x", "hls": {"backend": backend}, "synthesis": {"vendor": {"run": run}}})
    job = SynthesisJob(config, config.synthesis["vendor"], project, project)
    result = run_backend(BACKENDS.get("vendor"), job)
    return {"status": result.status, "reason": result.reason, **result.figures.as_json()}


def test_without_vendor_tools_synthesis_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no vitis-run, no vivado_hls
    for backend, tool in (("Vitis", "vitis-run"), ("Vivado", "vivado_hls")):
        summary = synthesize(tmp_path, backend, "auto")
        assert summary["status"] == "unavailable"
        assert f"{tool} (" in summary["reason"] and "not on PATH" in summary["reason"]
        assert missing_tool_reason(backend) == summary["reason"]
    assert synthesize(tmp_path, "Vitis", "off")["status"] == "skipped"


def test_with_a_vendor_tool_on_path_synthesis_runs_and_reads_its_report(tmp_path, monkeypatch):
    """A stand-in vitis-run that writes the reference report where Vitis would."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "vitis-run"
    target = "myproject_prj/solution1/syn/report"
    source = REPORTS / "vitis_hls_2023.1" / "myproject_prj" / "solution1" / "syn" / "report" / "myproject_csynth.xml"
    fake.write_text(f"#!/bin/sh\nmkdir -p {target} && cp '{source}' {target}/\necho \"$@\" > called_with\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    project = tmp_path / "prj"
    project.mkdir()
    summary = synthesize(project, "Vitis", "auto")
    assert summary["status"] == "done" and summary["latency"]["cycles"] == 695
    assert summary["latency"]["source"].startswith("vendor HLS synthesis estimate: Vitis HLS 2023.1")
    assert (project / "called_with").read_text().split() == ["--mode", "hls", "--tcl", "build_prj.tcl"]
    assert "synth      1" in (project / "build_opt.tcl").read_text()
    shutil.rmtree(project)


def test_cosim_and_vivado_reports():
    from cicada.synthesis.vendor_reports.cosim import read_cosim
    from cicada.synthesis.vendor_reports.read import read_reports
    from cicada.synthesis.vendor_reports.vivado import read_vivado_utilisation

    vivado = read_vivado_utilisation(REPORTS / "vivado_hls_2020.1" / "vivado_synth.rpt")
    assert vivado["device"] == "7z020clg400-1"
    assert vivado["resources"]["LUT"] == {"used": 1526.0, "available": 53200.0, "percent": 2.87}
    assert vivado["resources"]["FF"]["used"] == 2428 and vivado["resources"]["DSP"]["percent"] == 30.0
    cosim = read_cosim(REPORTS / "vitis_hls_2023.1/myproject_prj/solution1/sim/report/myproject_cosim.rpt")
    assert cosim["verdict"] == "Fail" and cosim["languages"]["Verilog"]["status"] == "Fail"
    assert cosim["languages"]["VHDL"]["status"] == "NA"
    both = read_reports(REPORTS / "vitis_hls_2023.1")
    assert (
        both["csynth"]["latency_worst_cycles"] == 695 and both["cosim"]["verdict"] == "Fail" and both["vivado"] is None
    )
    flat = read_reports(REPORTS / "vivado_hls_2020.1")
    assert flat["cosim"] is None and flat["vivado"]["resources"]["DSP"]["used"] == 66


def test_truncated_cosim_and_vivado_reports(tmp_path):
    from cicada.synthesis.vendor_reports.cosim import read_cosim
    from cicada.synthesis.vendor_reports.read import read_reports
    from cicada.synthesis.vendor_reports.vivado import read_vivado_utilisation

    cosim = tmp_path / "myproject_cosim.rpt"
    cosim.write_text(
        (REPORTS / "vitis_hls_2023.1/myproject_prj/solution1/sim/report/myproject_cosim.rpt").read_text()[:300]
    )
    with pytest.raises(ToolError, match="no VHDL/Verilog result rows"):
        read_cosim(cosim)
    vivado = tmp_path / "vivado_synth.rpt"
    vivado.write_text((REPORTS / "vivado_hls_2020.1" / "vivado_synth.rpt").read_text()[:700])
    with pytest.raises(ToolError, match="no utilisation table"):
        read_vivado_utilisation(vivado)
    # without a C-synthesis report the Vivado report is read (here: truncated, so an error)
    with pytest.raises(ToolError, match="no utilisation table"):
        read_reports(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "build_prj.tcl").write_text("set_top myproject\n")
    with pytest.raises(ToolError, match="no myproject_csynth.xml"):
        read_reports(empty)


# ----- Vivado report_utilization with the Prohibited column (Vivado 2022.1 and later)


@pytest.mark.parametrize(
    "folder, version, device, lut, ff, dsp, bram_tiles, uram",
    [
        # hls4ml projects synthesized with Vivado 2022.2 (xcu50) and 2024.1 (xcu250)
        (
            "vitis_hls_2022.2_vivado_only",
            "2022.2",
            "xcu50-fsvh2104-2L-e",
            (179437, 871680, 20.59),
            (227971, 1743360, 13.08),
            (2058, 5952, 34.58),
            (251, 1344, 18.68),
            (0, 640, 0.0),
        ),
        (
            "vitis_hls_2024.1",
            "2024.1",
            "xcu250-figd2104-2L-e",
            (8565, 1728000, 0.50),
            (4864, 3456000, 0.14),
            (467, 12288, 3.80),
            (12, 2688, 0.45),
            (0, 1280, 0.0),
        ),
    ],
)
def test_vivado_utilisation_is_read_by_column_name(folder, version, device, lut, ff, dsp, bram_tiles, uram):
    from cicada.synthesis.vendor_reports.vivado import read_vivado_utilisation

    vivado = read_vivado_utilisation(REPORTS / folder / "vivado_synth.rpt")
    assert vivado["tool_version"] == version and vivado["device"] == device
    expected = {"LUT": lut, "FF": ff, "DSP": dsp, "BRAM_36K_tiles": bram_tiles, "URAM": uram}
    for kind, (used, available, percent) in expected.items():
        assert vivado["resources"][kind] == {"used": used, "available": available, "percent": pytest.approx(percent)}


def test_vivado_utilisation_without_the_prohibited_column_still_reads():
    from cicada.synthesis.vendor_reports.vivado import read_vivado_utilisation

    vivado = read_vivado_utilisation(REPORTS / "vivado_hls_2020.1" / "vivado_synth.rpt")
    assert vivado["tool_version"] == "2020.1"
    assert vivado["resources"]["BRAM_36K_tiles"] == {"used": 0, "available": 140, "percent": 0.0}
    assert "URAM" not in vivado["resources"]  # a 7-series part has none


# ----- text C-synthesis reports


@pytest.mark.parametrize(
    "path, version, cycles, interval, clock, estimated, resources, available_lut",
    [
        (
            "vivado_hls_2020.1/myproject_csynth.rpt",
            "2020.1",
            10,
            8,
            5.0,
            4.049,
            {"LUT": 2532, "FF": 7969, "DSP": 73, "BRAM_18K": 0, "URAM": 0},
            53200,
        ),
        (
            "vitis_hls_2023.1/myproject_prj/solution1/syn/report/myproject_csynth.rpt",
            "2023.1",
            695,
            578,
            5.0,
            3.649,
            {"LUT": 339116, "FF": 65881, "DSP": 29, "BRAM_18K": 332, "URAM": 0},
            425280,
        ),
        # 'Available SLR' precedes 'Available' in the 2024.1 table
        (
            "vitis_hls_2024.1/myproject_prj/solution1/syn/report/myproject_csynth.rpt",
            "2024.1",
            395,
            390,
            5.0,
            3.53,
            {"LUT": 17966, "FF": 7123, "DSP": 467, "BRAM_18K": 29, "URAM": 0},
            1728000,
        ),
    ],
)
def test_classic_text_report_matches_the_xml(
    path, version, cycles, interval, clock, estimated, resources, available_lut
):
    text = read_csynth(REPORTS / path)
    xml = read_csynth(REPORTS / path.replace(".rpt", ".xml"))
    assert text["format"] == "text" and text["tool_version"] == version and text["top"] == "myproject"
    assert (text["latency_worst_cycles"], text["interval_cycles"]) == (cycles, interval)
    assert (text["target_clock_ns"], text["estimated_clock_ns"]) == (clock, pytest.approx(estimated))
    assert text["resources"] == resources and text["part_resources"]["LUT"] == available_lut
    for key in (
        "latency_best_cycles",
        "latency_worst_ns",
        "latency_worst_bx",
        "interval_ns",
        "part",
        "resources",
        "part_resources",
        "one_event_per_crossing",
        "timing_violation",
    ):
        assert text[key] == xml[key], key


def test_vitis_synthesis_summary_csynth_rpt():
    """Vitis's csynth.rpt is a one-table summary: no target or estimated clock, latency in cycles and ns."""
    r = read_csynth(REPORTS / "vitis_hls_2024.1/myproject_prj/solution1/syn/report/csynth.rpt")
    assert r["format"] == "summary" and r["top"] == "myproject" and r["tool_version"] == "2024.1"
    assert (r["latency_worst_cycles"], r["interval_cycles"], r["target_clock_ns"]) == (395, 390, 5.0)
    assert r["latency_worst_ns"] == 1975.0 and r["slack_ns"] == 0.12 and r["timing_violation"] is False
    assert (
        r["estimated_clock_ns"] is None and "slack (0.12 ns), not the estimated clock" in r["estimated_clock_ns_reason"]
    )
    assert r["resources"] == {"BRAM_18K": 29, "DSP": 467, "FF": 7123, "LUT": 17966, "URAM": 0}
    json.dumps(r, allow_nan=False)


# ----- undefined latency: null with its reason, never NaN


def _edited(tmp_path, source: Path, replacements: dict[str, str], name: str | None = None) -> Path:
    text = source.read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    target = tmp_path / (name or source.name)
    target.write_text(text)
    return target


VITIS_2023_XML = REPORTS / "vitis_hls_2023.1/myproject_prj/solution1/syn/report/myproject_csynth.xml"
VITIS_2023_RPT = REPORTS / "vitis_hls_2023.1/myproject_prj/solution1/syn/report/myproject_csynth.rpt"


def test_undefined_latency_is_null_with_a_reason(tmp_path):
    undef = {
        "<Best-caseLatency>695<": "<Best-caseLatency>undef<",
        "<Worst-caseLatency>695<": "<Worst-caseLatency>undef<",
        "<Interval-min>578<": "<Interval-min>undef<",
        "<Interval-max>578<": "<Interval-max>undef<",
    }
    xml = read_csynth(_edited(tmp_path, VITIS_2023_XML, undef))
    # the text report prints '?' where the XML says 'undef'
    row = "|      695|      695|  3.475 us|  3.475 us|  578|  578|  dataflow|"
    text = read_csynth(
        _edited(tmp_path, VITIS_2023_RPT, {row: "|        ?|        ?|         ?|         ?|    ?|    ?|  dataflow|"})
    )
    for r in (xml, text):
        for key in (
            "latency_best_cycles",
            "latency_worst_cycles",
            "latency_worst_ns",
            "latency_worst_bx",
            "interval_cycles",
            "interval_min_cycles",
            "interval_ns",
            "one_event_per_crossing",
        ):
            assert r[key] is None and "undefined in the C-synthesis report" in r[f"{key}_reason"], key
        assert "variable trip count" in r["latency_worst_cycles_reason"]
        assert r["estimated_clock_ns"] == pytest.approx(3.649) and r["resources"]["LUT"] == 339116
        assert "NaN" not in json.dumps(r) and json.dumps(r, allow_nan=False)
        for key, value in r.items():  # the rule: every null figure says why
            assert value is not None or f"{key}_reason" in r, key


def test_report_json_never_holds_nan(tmp_path):
    import math

    import numpy as np

    from cicada.evaluation.documents import write_documents

    data = {"auc": {"a": math.nan, "b": 0.5}, "ratios": [1.0, math.inf, np.float32("nan")], "n": np.float64("nan")}
    paths = write_documents(tmp_path, data, "# report\n")

    def refuse(token):
        raise AssertionError(f"report.json holds {token}")

    written = json.loads(paths["json"].read_text(), parse_constant=refuse)
    assert written["auc"] == {"a": None, "a_reason": written["auc"]["a_reason"], "b": 0.5}
    assert "not a finite number (nan)" in written["auc"]["a_reason"]
    assert written["ratios"] == [1.0, None, None] and "items [1, 2]" in written["ratios_reason"]
    assert written["n"] is None and "nan" in written["n_reason"]


# ----- truncated reports and folders: one clear error each


COSIM = REPORTS / "vitis_hls_2023.1/myproject_prj/solution1/sim/report/myproject_cosim.rpt"


def test_truncated_cosim_report_is_an_error_not_a_verdict(tmp_path):
    from cicada.synthesis.vendor_reports.cosim import read_cosim

    text = COSIM.read_text()
    before_verilog = tmp_path / "a" / "myproject_cosim.rpt"
    before_verilog.parent.mkdir()
    before_verilog.write_text(text[: text.index("|   Verilog|")])  # the VHDL row (NA) survives
    with pytest.raises(ToolError, match=r"a/myproject_cosim.rpt: .*incomplete \(no Verilog result row\)"):
        read_cosim(before_verilog)
    unclosed = tmp_path / "b" / "myproject_cosim.rpt"
    unclosed.parent.mkdir()
    unclosed.write_text(text[: text.rindex("\n+") + 1])  # without the closing border
    with pytest.raises(ToolError, match="b/myproject_cosim.rpt: .*no closing line"):
        read_cosim(unclosed)
    assert read_cosim(COSIM)["verdict"] == "Fail"


def test_truncated_vivado_report_is_an_error_not_two_resources(tmp_path):
    from cicada.synthesis.vendor_reports.vivado import read_vivado_utilisation

    for folder in ("vivado_hls_2020.1", "vitis_hls_2024.1"):
        text = (REPORTS / folder / "vivado_synth.rpt").read_text()
        cut = tmp_path / folder / "vivado_synth.rpt"
        cut.parent.mkdir()
        cut.write_text(text[: text.index("1.1 Summary of Registers by Type\n---")])  # LUT and FF only
        with pytest.raises(ToolError, match=rf"{folder}/vivado_synth.rpt: no Block RAM Tile, DSPs rows"):
            read_vivado_utilisation(cut)


def test_a_folder_given_to_a_file_reader(tmp_path):
    from cicada.synthesis.vendor_reports.cosim import read_cosim
    from cicada.synthesis.vendor_reports.csynth_text import read_csynth_text
    from cicada.synthesis.vendor_reports.vivado import read_vivado_utilisation

    folder = tmp_path / "myproject_csynth.xml"
    folder.mkdir()
    for reader in (read_csynth, read_csynth_text, read_cosim, read_vivado_utilisation):
        with pytest.raises(ToolError, match=rf"{folder}: is a folder; expected the .* file itself"):
            reader(folder)


def test_truncated_text_report(tmp_path):
    text = VITIS_2023_RPT.read_text()
    cut = tmp_path / "myproject_csynth.rpt"
    cut.write_text(text[: text.index("== Utilization Estimates")])
    with pytest.raises(ToolError, match="myproject_csynth.rpt: no utilisation summary .*table"):
        read_csynth(cut)
    cut.write_text(text[: text.index("+ Latency:")])
    with pytest.raises(ToolError, match="myproject_csynth.rpt: no latency summary table"):
        read_csynth(cut)


# ----- timing violations: latency at the estimated clock beside the target


def test_timing_violation_gives_the_latency_at_the_estimated_clock(tmp_path):
    r = read_csynth(_edited(tmp_path, VITIS_2023_XML, {"<EstimatedClockPeriod>3.649<": "<EstimatedClockPeriod>5.400<"}))
    assert r["timing_violation"] is True
    assert (r["latency_worst_ns"], r["latency_worst_bx"]) == (pytest.approx(3475.0), pytest.approx(139.0))
    assert r["latency_worst_ns_at_estimated_clock"] == pytest.approx(695 * 5.4)
    assert r["latency_worst_bx_at_estimated_clock"] == pytest.approx(695 * 5.4 / 25)
    assert r["interval_ns_at_estimated_clock"] == pytest.approx(578 * 5.4)
    met = read_csynth(VITIS_2023_XML)
    assert met["timing_violation"] is False and met["latency_worst_ns_at_estimated_clock"] is None
    assert "no timing violation" in met["latency_worst_ns_at_estimated_clock_reason"]


def test_timing_at_160_mhz_with_a_slow_estimate():
    t = timing(30, 30, 4, 6.25, 7.0)
    assert t["one_event_per_crossing"] is True and t["timing_violation"] is True  # fits at 6.25 ns only
    assert t["latency_worst_ns_at_estimated_clock"] == 210.0 and t["latency_worst_bx_at_estimated_clock"] == 8.4
    assert t["interval_ns_at_estimated_clock"] == 28.0 and t["one_event_per_crossing_at_estimated_clock"] is False
