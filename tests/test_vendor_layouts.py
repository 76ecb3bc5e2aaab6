"""Finding the vendor reports of a run: the top, the layout (project tree, Vitis unified, flat),
several solutions, text-only and Vivado-only sets; and what the build's report says about them.

The report files are real (tests/data/hls_reports, see its README); the trees around them are
built here the way the tools lay them out.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cicada.core.errors import ToolError
from cicada.evaluation.report import firmware_figures
from cicada.evaluation.report_markdown import _latency_section
from cicada.synthesis import SynthesisResult
from cicada.synthesis.vendor import FlowSteps, labelled_figures
from cicada.synthesis.vendor_reports.locate import find_top
from cicada.synthesis.vendor_reports.read import read_reports

REPORTS = Path(__file__).parent / "data" / "hls_reports"
ACCELERATOR = REPORTS / "vivado_accelerator_2019.2"
VITIS_2023 = REPORTS / "vitis_hls_2023.1" / "myproject_prj" / "solution1"
VITIS_2024 = REPORTS / "vitis_hls_2024.1" / "myproject_prj" / "solution1"
VIVADO_2020 = REPORTS / "vivado_hls_2020.1"


def hls_app(top: str, solutions: tuple[str, ...] = ("solution1",)) -> str:
    """An hls.app as Vitis HLS writes it (see the reference sets)."""
    listed = "".join(f'        <solution name="{s}" status=""/>\n' for s in solutions)
    return (
        '<AutoPilot:project xmlns:AutoPilot="com.autoesl.autopilot.project" projectType="C/C++" '
        f'name="myproject_prj" top="{top}">\n    <solutions>\n{listed}    </solutions>\n</AutoPilot:project>\n'
    )


def place(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def vendor_markdown(figures) -> str:
    result = SynthesisResult("vendor", "done", tool="vitis-run", figures=figures)
    return "\n".join(_latency_section(firmware_figures({"vendor": result})))


# ----- VivadoAccelerator: the AXI wrapper is the top


def test_accelerator_project_reads_the_wrapper_and_says_which_report():
    reports = read_reports(ACCELERATOR)
    csynth, layout = reports["csynth"], reports["layout"]
    assert csynth["top"] == "myproject_axi" and csynth["latency_worst_cycles"] == 2885133  # inner: 2885127
    assert csynth["resources"]["BRAM_18K"] == 94  # inner: 86
    assert (
        layout["csynth_report"] == str(ACCELERATOR / "myproject_prj/solution1/syn/report/myproject_axi_csynth.xml")
        and layout["top_found_in"] == "myproject_prj/vivado_hls.app (top of the HLS project)"
    )
    figures = labelled_figures("Vivado", reports, FlowSteps())
    assert figures.latency.hls.top == "myproject_axi"
    assert figures.latency.hls.report.endswith("myproject_axi_csynth.xml")
    assert figures.latency.source == (
        "vendor HLS synthesis estimate: Vivado HLS 2019.2.1 (C synthesis report "
        f"{ACCELERATOR}/myproject_prj/solution1/syn/report/myproject_axi_csynth.xml, top myproject_axi)"
    )
    markdown = vendor_markdown(figures)
    assert "Vendor reports read: top `myproject_axi` (from myproject_prj/vivado_hls.app (top of the HLS project))" in (
        markdown
    )
    assert f"C synthesis `{ACCELERATOR}/myproject_prj/solution1/syn/report/myproject_axi_csynth.xml`" in markdown


@pytest.mark.parametrize(
    "remove, found_in",
    [
        (("myproject_prj/vivado_hls.app",), "build_prj.tcl (set_top)"),
        (
            ("myproject_prj/vivado_hls.app", "build_prj.tcl"),
            "hls4ml_config.yml (ProjectName, wrapped by the VivadoAccelerator backend)",
        ),
        (
            ("myproject_prj/vivado_hls.app", "build_prj.tcl", "hls4ml_config.yml", "project.tcl"),
            "myproject_prj/solution1/syn/report: myproject_axi_csynth beside myproject_csynth "
            "(hls4ml's VivadoAccelerator wrapper is the top)",
        ),
    ],
)
def test_accelerator_top_from_each_source(tmp_path, remove, found_in):
    project = tmp_path / "prj"
    shutil.copytree(ACCELERATOR, project)
    for name in remove:
        (project / name).unlink()
    reports = read_reports(project)
    assert reports["layout"]["top"] == "myproject_axi" and reports["layout"]["top_found_in"] == found_in
    assert reports["csynth"]["latency_worst_cycles"] == 2885133


def test_build_prj_tcl_top_with_hls4ml_project_variables(tmp_path):
    """hls4ml 1.x writes ``set_top ${project_name}_axi`` and the name into project.tcl."""
    (tmp_path / "project.tcl").write_text('variable project_name\nset project_name "cicada_v2"\n')
    (tmp_path / "build_prj.tcl").write_text("open_project ${project_name}_prj\nset_top ${project_name}_axi\n")
    assert find_top(tmp_path).name == "cicada_v2_axi"
    (tmp_path / "project.tcl").unlink()  # the variable cannot be resolved: not a guess
    assert find_top(tmp_path) is None


# ----- layouts that were not found before


def test_vitis_unified_layouts(tmp_path):
    # hls4ml VitisUnified: vitis_workspace/<name>/vitis_unified_project/hls/syn/report, top in its config
    hls4ml = tmp_path / "hls4ml_prj"
    place(
        VITIS_2024 / "syn/report/myproject_csynth.xml",
        hls4ml / "vitis_workspace/myproject/vitis_unified_project/hls/syn/report/myproject_csynth.xml",
    )
    (hls4ml / "hls_kernel_config_csim.cfg").write_text("part=xcu250-figd2104-2L-e\n\n[hls]\nsyn.top=myproject\n")
    reports = read_reports(hls4ml)
    assert reports["csynth"]["latency_worst_cycles"] == 395
    assert reports["layout"]["top_found_in"] == "hls_kernel_config_csim.cfg (syn.top)"
    assert reports["layout"]["solution"] == "vitis_workspace/myproject/vitis_unified_project/hls"
    # a Vitis unified component of one's own: <work>/hls/syn/report, with its co-simulation beside
    own = tmp_path / "component"
    place(VITIS_2023 / "syn/report/myproject_csynth.xml", own / "hls/syn/report/myproject_csynth.xml")
    place(VITIS_2023 / "sim/report/myproject_cosim.rpt", own / "hls/sim/report/myproject_cosim.rpt")
    (own / "hls_config.cfg").write_text("syn.top = myproject\nclock=5ns\n")
    reports = read_reports(own)
    assert reports["csynth"]["latency_worst_cycles"] == 695 and reports["cosim"]["verdict"] == "Fail"


def test_a_solution_not_called_solution1(tmp_path):
    project = tmp_path / "prj"
    place(
        VITIS_2023 / "syn/report/myproject_csynth.xml", project / "myproject_prj/fast/syn/report/myproject_csynth.xml"
    )
    (project / "myproject_prj/hls.app").write_text(hls_app("myproject", ("fast",)))
    reports = read_reports(project)
    assert reports["layout"]["solution"] == "myproject_prj/fast" and reports["csynth"]["interval_cycles"] == 578


def _two_solutions(project: Path, with_text_reports: bool) -> None:
    """solution1: the Vivado HLS 2020.1 run (dated 2023-03-18); solution2: the Vitis HLS 2023.1 run (2026-05-06)."""
    (project / "myproject_prj").mkdir(parents=True)
    (project / "myproject_prj/hls.app").write_text(hls_app("myproject", ("solution1", "solution2")))
    for solution, xml in (
        ("solution1", VIVADO_2020 / "myproject_csynth.xml"),
        ("solution2", VITIS_2023 / "syn/report/myproject_csynth.xml"),
    ):
        report = place(xml, project / f"myproject_prj/{solution}/syn/report/myproject_csynth.xml")
        if with_text_reports:
            place(xml.with_suffix(".rpt"), report.with_suffix(".rpt"))


def test_two_solutions_newest_by_the_reports_date_field(tmp_path):
    _two_solutions(tmp_path, with_text_reports=True)
    old = tmp_path / "myproject_prj/solution2/syn/report/myproject_csynth.xml"
    os.utime(old, (1_000_000_000, 1_000_000_000))  # file times lie after a copy; the report's date does not
    reports = read_reports(tmp_path)
    assert reports["layout"]["solution"] == "myproject_prj/solution2" and reports["csynth"]["tool_version"] == "2023.1"
    assert reports["layout"]["notes"] == [
        "2 C-synthesis runs of myproject (myproject_prj/solution1, myproject_prj/solution2): read "
        "myproject_prj/solution2 because its report's Date field is the newest (2026-05-06 12:33:09)"
    ]


def test_two_solutions_newest_by_file_time_without_dates(tmp_path):
    _two_solutions(tmp_path, with_text_reports=False)
    os.utime(tmp_path / "myproject_prj/solution2/syn/report/myproject_csynth.xml", (1_000_000_000, 1_000_000_000))
    reports = read_reports(tmp_path)
    assert reports["layout"]["solution"] == "myproject_prj/solution1" and reports["csynth"]["tool_version"] == "2020.1"
    assert "read myproject_prj/solution1 because its report file is the newest" in reports["layout"]["notes"][0]
    markdown = vendor_markdown(labelled_figures("Vitis", reports, FlowSteps()))
    assert "- 2 C-synthesis runs of myproject" in markdown


@pytest.mark.parametrize(
    "source, name, cycles, estimated",
    [
        (VITIS_2023 / "syn/report/myproject_csynth.rpt", "myproject_csynth.rpt", 695, 3.649),
        (VITIS_2024 / "syn/report/csynth.rpt", "csynth.rpt", 395, None),  # Vitis's synthesis summary
        (VIVADO_2020 / "myproject_csynth.rpt", "csynth.rpt", 10, 4.049),  # Vivado HLS's csynth.rpt is the classic one
    ],
)
def test_sets_with_only_a_text_report(tmp_path, source, name, cycles, estimated):
    place(source, tmp_path / "myproject_prj/solution1/syn/report" / name)
    (tmp_path / "myproject_prj/hls.app").write_text(hls_app("myproject"))
    reports = read_reports(tmp_path)
    csynth = reports["csynth"]
    assert csynth["latency_worst_cycles"] == cycles and csynth["target_clock_ns"] == 5.0
    assert csynth["estimated_clock_ns"] == (None if estimated is None else pytest.approx(estimated))
    assert reports["layout"]["csynth_report"].endswith(name)
    figures = labelled_figures("Vitis", reports, FlowSteps())
    assert figures.latency.cycles == cycles and figures.resources.count("LUT") == csynth["resources"]["LUT"]
    json.dumps(figures.as_json(), allow_nan=False)


def test_vivado_report_without_a_csynth_report():
    """A Vitis 2022.2 project whose C-synthesis reports are gone but whose Vivado utilisation is there."""
    folder = REPORTS / "vitis_hls_2022.2_vivado_only"
    reports = read_reports(folder)
    assert reports["csynth"] is None and reports["vivado"]["resources"]["LUT"]["used"] == 179437
    assert "no C-synthesis report for top 'myproject'" in reports["csynth_reason"]
    assert (
        reports["layout"]["notes"][0]
        == "solution myproject_prj/solution1 has no C-synthesis reports (syn/report missing)"
    )
    vendor = labelled_figures("Vitis", reports, FlowSteps())
    assert vendor.latency is None and vendor.latency_reason == reports["csynth_reason"]
    assert vendor.resources.count("LUT") == 179437 and vendor.resources.count("BRAM_18K") == 502  # 251 tiles
    assert vendor.resources.source.startswith(
        f"vendor synthesis: Vivado 2022.2 (post-synthesis utilisation {folder}/vivado_synth.rpt)"
    )
    figures = firmware_figures({"vendor": SynthesisResult("vendor", "done", figures=vendor)})
    assert figures["latency"]["vendor"] == {"available": False, "reason": reports["csynth_reason"]}
    assert figures["resources"]["vendor"]["available"] is True
    markdown = "\n".join(_latency_section(figures))
    assert "- vendor: not available: no C-synthesis report" in markdown and "| vendor | 179,437 |" in markdown


def test_reports_for_another_top_are_refused(tmp_path):
    place(VITIS_2024 / "syn/report/myproject_csynth.xml", tmp_path / "myproject_prj/solution1/syn/report/csynth.xml")
    (tmp_path / "myproject_prj/hls.app").write_text(hls_app("cicada_v2"))
    with pytest.raises(
        ToolError, match=r"csynth.xml: the report is for 'myproject' but the project's top is 'cicada_v2'"
    ):
        read_reports(tmp_path)


def test_no_top_and_no_reports(tmp_path):
    with pytest.raises(ToolError, match="cannot tell the HLS top function"):
        read_reports(tmp_path)
    with pytest.raises(ToolError, match="not a folder"):
        read_reports(tmp_path / "absent")


# ----- what the figures and the report say


def test_undefined_latency_and_timing_violation_in_the_figures_and_report(tmp_path):
    xml = (VITIS_2023 / "syn/report/myproject_csynth.xml").read_text()
    project = tmp_path / "slow"
    report = project / "myproject_prj/solution1/syn/report/myproject_csynth.xml"
    report.parent.mkdir(parents=True)
    report.write_text(xml.replace("<EstimatedClockPeriod>3.649<", "<EstimatedClockPeriod>5.400<"))
    figures = labelled_figures("Vitis", read_reports(project), FlowSteps())
    latency = figures.latency
    assert latency.timing_violation is True and latency.ns == pytest.approx(3475.0)
    assert latency.hls.ns_at_estimated_clock == pytest.approx(3753.0)
    assert latency.hls.bx_at_estimated_clock == pytest.approx(150.12)
    markdown = vendor_markdown(figures)
    assert (
        "**TIMING VIOLATION (vendor)**: the estimated clock period 5.4 ns exceeds the target 5 ns. Latency at the "
        "estimated clock: 3753.0 ns = 150.12 BX (at the target clock: 3475.0 ns = 139.00 BX)"
    ) in markdown
    undefined = project.parent / "undef"
    report = undefined / "myproject_prj/solution1/syn/report/myproject_csynth.xml"
    report.parent.mkdir(parents=True)
    report.write_text(xml.replace("<Worst-caseLatency>695<", "<Worst-caseLatency>undef<"))
    figures = labelled_figures("Vitis", read_reports(undefined), FlowSteps())
    latency = figures.latency.as_json()
    for key, value in latency.items():  # every null figure says why
        assert value is not None or f"{key}_reason" in latency, key
    assert latency["cycles"] is None and "Worst-caseLatency undefined" in latency["cycles_reason"]
    assert figures.latency.reason("cycles") == latency["cycles_reason"]
    assert latency["interval_cycles"] == 578 and latency["one_event_per_crossing"] is False
    json.dumps(figures.as_json(), allow_nan=False)
    markdown = vendor_markdown(figures)
    assert "| vendor | undefined | undefined | undefined | 5 | 578 |" in markdown
    assert "vendor: latency undefined: Worst-caseLatency undefined in the C-synthesis report" in markdown


def test_synthesis_summary_lines(tmp_path):
    from cicada.commands.summary import _synthesis_lines

    reports = read_reports(ACCELERATOR)
    result = SynthesisResult("vendor", "done", figures=labelled_figures("Vivado", reports, FlowSteps()))
    lines = _synthesis_lines({"vendor": result})
    assert lines[0].startswith("  latency     vendor: 2885133 cycles = 14425665.0 ns = 577026.60 BX, II 2885101")
    assert lines[-1] == (
        "  reports     vendor: top myproject_axi (from myproject_prj/vivado_hls.app (top of the HLS project)): "
        f"{ACCELERATOR}/myproject_prj/solution1/syn/report/myproject_axi_csynth.xml"
    )
    slow = tmp_path / "myproject_csynth.xml"
    slow.write_text(
        (VITIS_2023 / "syn/report/myproject_csynth.xml")
        .read_text()
        .replace("<EstimatedClockPeriod>3.649<", "<EstimatedClockPeriod>5.400<")
    )
    result = SynthesisResult("vendor", "done", figures=labelled_figures("Vitis", read_reports(tmp_path), FlowSteps()))
    assert (
        "  timing      vendor: VIOLATION: estimated clock 5.4 ns > target 5 ns; 3753.0 ns = 150.12 BX at the estimated clock"
        in (_synthesis_lines({"vendor": result}))
    )


def test_labels_name_the_tool_that_wrote_the_report():
    from cicada.synthesis.vendor import hls_tool
    from cicada.synthesis.vendor_reports.csynth_xml import read_csynth

    # the text report says which tool wrote it; a pre-2020.1 XML can only be Vivado HLS
    assert hls_tool("Vitis", read_csynth(VIVADO_2020 / "myproject_csynth.rpt")) == "Vivado HLS 2020.1"
    assert hls_tool("Vitis", read_csynth(ACCELERATOR / "myproject_prj/solution1/syn/report/myproject_csynth.xml")) == (
        "Vivado HLS 2019.2.1"
    )
    assert hls_tool("Vivado", read_csynth(VITIS_2024 / "syn/report/myproject_csynth.xml")) == "Vitis HLS 2024.1"
    assert hls_tool("Vivado", read_csynth(VIVADO_2020 / "myproject_csynth.xml")) == "Vivado HLS 2020.1"  # both existed
    vivado = labelled_figures("Vitis", read_reports(REPORTS / "vitis_hls_2024.1"), FlowSteps()).vivado
    assert vivado.label == (
        f"vendor synthesis: Vivado 2024.1 (post-synthesis utilisation {REPORTS}/vitis_hls_2024.1/vivado_synth.rpt)"
    )
