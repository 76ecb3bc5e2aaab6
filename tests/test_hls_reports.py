"""The vendor report reader, on real Vivado HLS 2020.1 and Vitis HLS 2023.1 reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cicada.config.loader import config_from_mapping
from cicada.core.errors import ToolError
from cicada.synthesis import BACKENDS, SynthesisJob, run_backend
from cicada.synthesis.hls_reports import find_csynth_report, read_csynth, timing
from cicada.synthesis.vendor import missing_tool_reason

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
    return {"status": result.status, "reason": result.reason, **result.details}


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
    from cicada.synthesis.hls_reports import read_cosim, read_reports, read_vivado_utilisation

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
    from cicada.synthesis.hls_reports import read_cosim, read_reports, read_vivado_utilisation

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
    with pytest.raises(ToolError, match="no myproject_csynth.xml"):
        read_reports(tmp_path)
