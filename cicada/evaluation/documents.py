"""Where a build's report documents live: ``report.json`` and ``report.md`` in the project folder."""

from __future__ import annotations

from pathlib import Path

from ..core.files import write_json, write_text

REPORT_JSON = "report.json"
REPORT_MD = "report.md"


def write_documents(project_dir: Path, data: dict, markdown: str) -> dict[str, Path]:
    """Write the report for machines and for people (each atomically); returns their paths."""
    return {
        "json": write_json(Path(project_dir) / REPORT_JSON, data),
        "markdown": write_text(Path(project_dir) / REPORT_MD, markdown),
    }
