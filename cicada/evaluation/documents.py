"""Where a build's report documents live: ``report.json`` and ``report.md`` in the project folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..core.files import write_json, write_text

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
NOT_A_NUMBER = "not a finite number ({value}) where one was expected: written as null"


def write_documents(project_dir: Path, data: dict, markdown: str) -> dict[str, Path]:
    """Write the report for machines and for people (each atomically); returns their paths."""
    return {
        "json": write_json(Path(project_dir) / REPORT_JSON, finite(data)),
        "markdown": write_text(Path(project_dir) / REPORT_MD, markdown),
    }


def _is_float(value: Any) -> bool:
    # numpy float scalars too (np.float32 is no Python float)
    return isinstance(value, float) or type(value).__name__.startswith("float")


def _bad(item: Any) -> bool:
    return _is_float(item) and not math.isfinite(float(item))


def finite(data: Any) -> Any:
    """A copy of ``data`` without NaN or infinity, which JSON cannot hold (``json`` would write the
    invalid token ``NaN``). Each becomes null with a sibling ``<key>_reason``; in a list, the
    list's key gets the reason, naming the positions."""
    if hasattr(data, "tolist") and not _is_float(data):  # numpy arrays and integer scalars
        data = data.tolist()
    if isinstance(data, dict):
        out: dict = {}
        for key, value in data.items():
            if _bad(value):
                out[key] = None
                out.setdefault(f"{key}_reason", NOT_A_NUMBER.format(value=float(value)))
                continue
            value = finite(value)
            out[key] = value
            if isinstance(value, list):
                bad = [i for i, item in enumerate(_as_list(data[key])) if _bad(item)]
                if bad:
                    out.setdefault(f"{key}_reason", f"items {bad} were not finite numbers: written as null")
        return out
    if isinstance(data, (list, tuple)):
        return [None if _bad(item) else finite(item) for item in data]
    return data


def _as_list(value: Any) -> list:
    return value.tolist() if hasattr(value, "tolist") else list(value)
