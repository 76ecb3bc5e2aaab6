"""Markdown building blocks shared by the report's sections (the evaluation's and each synthesis backend's)."""

from __future__ import annotations


def fmt(value, digits: int = 4) -> str:
    """A table cell: floats to ``digits`` significant digits, everything else as str()."""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def table(header: list[str], rows: list[list]) -> list[str]:
    """A Markdown table's lines; a ``|`` inside a cell (as in ``|eta|``) is escaped."""
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


def cell(value) -> str:
    return fmt(value).replace("|", "\\|")


def count(value) -> str:
    """A count in a table: thousands separated, no decimals; empty when there is none."""
    if value is None:
        return ""
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def figure(value, spec: str, missing: str = "undefined") -> str:
    """A figure formatted with ``spec``, or ``missing`` when the tool left it undefined."""
    return missing if value is None else format(value, spec)
