"""Each synthesis backend's own part of the build report: the registry of report sections.

A backend whose figures go beyond latency, resources and an estimate (which the report shows for
every backend) registers a :class:`ReportSection` under its name, in a module beside it (the
vendor flow's in :mod:`.vendor_section`, the RTL flow's in :mod:`.rtl.section`). The report
(:mod:`cicada.evaluation.report`, :mod:`cicada.evaluation.report_markdown`) and the build's summary
ask for every registered backend's section, in the backends' order, and name none.

No backend imports its section: the report stage's fingerprint holds the sections (it imports
this package), the synthesis stage's does not, so a change to a section's wording reruns the
report and not the synthesis. The section reads the backend's figures record, which the backend
writes (:mod:`.vendor_figures`, :mod:`.rtl.figures`).
"""

from __future__ import annotations

from typing import Any

from ..core.registry import Registry


class ReportSection:
    """A backend's own part of the build report. Every hook does nothing by default: a backend whose
    figures are only latency, resources and an estimate (which the report shows for every backend)
    needs none.

    report.json: :meth:`report_json` gives the top-level keys this backend owns (every key, None when
    the backend did not run). report.md: :meth:`latency_notes` after the latency table and
    :meth:`markdown` after the resources table, both read from report.json's content, so that
    report.md renders report.json. The build's summary: :meth:`summary_lines` from the figures.
    """

    def report_json(self, figures: Any) -> dict:
        """``figures``: the backend's figures, None when it did not run."""
        return {}

    def latency_notes(self, report: dict) -> list[str]:
        return []

    def markdown(self, report: dict) -> list[str]:
        return []

    def summary_lines(self, name: str, figures: Any) -> list[str]:
        return []


REPORT_SECTIONS: Registry[ReportSection] = Registry("report section")


def report_section(backend: str):
    """Class decorator registering (an instance of) a backend's report section under the backend's name."""

    def decorator(cls):
        REPORT_SECTIONS.register(backend, cls())
        return cls

    return decorator


def section_of(backend: str) -> ReportSection:
    """The report section of ``backend``; one that adds nothing when it registered none."""
    return REPORT_SECTIONS.get(backend) if backend in REPORT_SECTIONS else ReportSection()


# The built-in sections register themselves.
# isort: off
from . import vendor_section  # noqa: E402,F401
from .rtl import section as rtl_section  # noqa: E402,F401
# isort: on
