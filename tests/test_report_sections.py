"""What the synthesis backends put in the build report, against what the report held before their
figures were typed records (tests/data/report_sections, see its README): report.json's content,
report.md's latency section and the build's summary, for the vendor backend on every recorded
report set and for the RTL flow on a recorded run, also after a trip through the stage's stamp."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from cicada.commands.summary import _synthesis_lines
from cicada.evaluation.report import firmware_figures
from cicada.evaluation.report_markdown import _latency_section
from cicada.pipeline.stages.synthesis import SynthesisStageResult
from cicada.synthesis import BACKENDS, SynthesisResult
from cicada.synthesis.sections import section_of
from cicada.synthesis.vendor import FlowSteps, labelled_figures
from cicada.synthesis.vendor_reports.read import read_reports

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "report_sections"
REPORTS = DATA / "hls_reports"
V23 = REPORTS / "vitis_hls_2023.1/myproject_prj/solution1/syn/report/myproject_csynth.xml"
HLS_APP = (
    '<AutoPilot:project xmlns:AutoPilot="com.autoesl.autopilot.project" projectType="C/C++" '
    'name="myproject_prj" top="myproject">\n    <solutions>\n        <solution name="solution1" status=""/>\n'
    "    </solutions>\n</AutoPilot:project>\n"
)
CSYNTH = "myproject_prj/solution1/syn/report"

#: recorded set -> (HLS backend, the reports' folder (or how to make it in tmp), the flow's steps)
VENDOR_CASES = {
    "vivado_accelerator_2019.2": ("Vivado", "vivado_accelerator_2019.2", FlowSteps()),
    "vitis_hls_2023.1": ("Vitis", "vitis_hls_2023.1", FlowSteps(cosim=True)),
    "vivado_hls_2020.1": ("Vivado", "vivado_hls_2020.1", FlowSteps(vsynth=True)),
    "vitis_hls_2022.2_vivado_only": ("Vitis", "vitis_hls_2022.2_vivado_only", FlowSteps(vsynth=True)),
    "vitis_hls_2024.1": ("Vitis", "vitis_hls_2024.1", FlowSteps(vsynth=True)),
    "timing_violation": (
        "Vitis",
        ("slow", V23, "<EstimatedClockPeriod>3.649<", "<EstimatedClockPeriod>5.400<"),
        FlowSteps(),
    ),
    "undefined_latency": ("Vitis", ("undef", V23, "<Worst-caseLatency>695<", "<Worst-caseLatency>undef<"), FlowSteps()),
    "vitis_synthesis_summary": (
        "Vitis",
        ("summary", REPORTS / "vitis_hls_2024.1/myproject_prj/solution1/syn/report/csynth.rpt", "", ""),
        FlowSteps(),
    ),
}


def _folder(where, tmp: Path) -> Path:
    if isinstance(where, str):
        return REPORTS / where
    name, source, old, new = where
    report = tmp / name / CSYNTH / source.name
    report.parent.mkdir(parents=True)
    report.write_text(source.read_text().replace(old, new))
    (tmp / name / "myproject_prj/hls.app").write_text(HLS_APP)
    return tmp / name


def _recorded(name: str, tmp: Path | None = None) -> dict:
    text = (RECORDED / f"{name}.json").read_text().replace("{REPORTS}", str(REPORTS))
    return json.loads(text.replace("{TMP}", str(tmp)) if tmp else text)


def _through_a_stamp(results: dict[str, SynthesisResult]) -> dict[str, SynthesisResult]:
    """The results as the next build reads them from the synthesis stage's stamp."""
    written = json.loads(json.dumps(dataclasses.asdict(SynthesisStageResult(results))))
    return TypeAdapter(SynthesisStageResult).validate_python(written).backends


@pytest.mark.parametrize("case", list(VENDOR_CASES))
def test_the_vendor_backend_reports_what_it_always_did(case, tmp_path):
    backend, where, steps = VENDOR_CASES[case]
    expected = _recorded(f"vendor_{case}", tmp_path)
    figures = labelled_figures(backend, read_reports(_folder(where, tmp_path)), steps)
    fresh = {"vendor": SynthesisResult("vendor", "done", tool="vitis-run", figures=figures)}
    for results in (fresh, _through_a_stamp(fresh)):
        assert results["vendor"].figures == figures
        assert results["vendor"].as_json()["details"] == expected["details"]
        report = firmware_figures(results)
        assert report == expected["report"]
        assert _latency_section(report) == expected["markdown"]
        assert _synthesis_lines(results) == expected["summary"]


def test_the_rtl_backend_reports_what_it_always_did():
    """A recorded RTL-flow run (the stage's result as its stamp holds it), against report.json, report.md
    and the summary that the same run gave before (the steps' times differ between the two runs)."""
    recorded = _recorded("rtl_run")
    results = TypeAdapter(SynthesisStageResult).validate_python(recorded["synthesis_stage_result"]).backends
    assert results["rtl"].status == "done" and results["vendor"].status == "unavailable"
    expected = recorded["report"]
    report = firmware_figures(results)
    synthesis = {name: result.as_json() for name, result in results.items()}
    for data in (synthesis, expected["synthesis"]):
        del data["rtl"]["details"]["timings"]
    assert report == {k: v for k, v in expected.items() if k != "synthesis"} and synthesis == expected["synthesis"]
    assert _latency_section(report) == recorded["markdown"]
    assert _synthesis_lines(results) == recorded["summary"]
    assert _through_a_stamp(results) == results


def test_a_backend_without_a_section_reaches_the_tables_only():
    """Every registered backend's section gives its keys (None when it did not run); a toy's figures reach
    the latency and resource tables without any section of its own."""
    from cicada.core.synthesis_figures import Figures, Latency, Resources

    toy = Figures(
        latency=Latency("simulation: toy", 5.0, 3, 15.0, 0.6, 1, 5.0, True),
        resources=Resources("estimate: toy", {"LUT": 7}),
    )
    results = {"toy": SynthesisResult("toy", "done", figures=toy)}
    report = firmware_figures(results)
    assert report["latency"]["toy"]["cycles"] == 3 and report["resources"]["toy"]["LUT"] == 7
    assert {"logic_depth", "tradeoff", "rtl_bit_accuracy", "co_simulation", "vivado", "vendor_reports"} <= set(report)
    assert all(report[key] is None for name in BACKENDS.names() for key in section_of(name).report_json(None))
    markdown = "\n".join(_latency_section(report))
    assert "| toy | 3 | 15.0 | 0.60 | 5 | 1 | yes | simulation: toy |" in markdown and "| toy | 7 |" in markdown
