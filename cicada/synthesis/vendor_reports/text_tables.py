"""The ``+---+`` / ``| a | b |`` tables of a vendor text report, read by their column names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.errors import ToolError
from .figures import _value


@dataclass
class _Table:
    columns: list[str]
    rows: list[list[str]]

    def named(self, row: list[str]) -> dict[str, str]:
        return dict(zip(self.columns, row))


def _spans(line: str) -> list[tuple[int, int, str]]:
    bars = [i for i, c in enumerate(line) if c == "|"]
    return [(a, b, line[a + 1 : b].strip()) for a, b in zip(bars, bars[1:])]


def _tables(text: str) -> list[_Table]:
    """The ``+---+`` / ``| a | b |`` tables of a vendor report, header rows merged into column names
    (``Latency (cycles)`` over ``min`` gives ``Latency (cycles) min``)."""
    tables: list[_Table] = []
    block: list[str] = []
    for line in text.splitlines() + [""]:
        stripped = line.strip()
        if stripped.startswith(("|", "+")):
            block.append(line)
            continue
        if block:
            table = _table(block)
            if table is not None:
                tables.append(table)
            block = []
    return tables


def _table(block: list[str]) -> _Table | None:
    borders = [i for i, line in enumerate(block) if line.strip().startswith("+")]
    rows = [i for i, line in enumerate(block) if line.strip().startswith("|")]
    if not rows:
        return None
    # header rows: the | rows before the first border that follows a | row
    first_row = rows[0]
    end_header = next((b for b in borders if b > first_row), len(block))
    header = [block[i] for i in rows if i < end_header]
    last = _spans(header[-1])
    columns = []
    for start, end, text in last:
        above = [t for line in header[:-1] for s, e, t in _spans(line) if s <= start and end <= e and t]
        columns.append(" ".join(above + ([text] if text else [])))
    data = [[t for _, _, t in _spans(block[i])] for i in rows if i > end_header]
    return _Table(columns, [r for r in data if len(r) == len(columns)])


def _find_table(tables: list[_Table], *needed: str, first: str | None = None) -> _Table | None:
    for table in tables:
        if all(n in table.columns for n in needed) and (first is None or table.columns[0] == first):
            return table
    return None


def _cell(text: str, report: Path, what: str) -> float | int | None:
    """A number from a text table cell ("5.00 ns", "29 (~0%)", "?"); None when undefined."""
    head = text.strip().split(" ")[0] if text.strip() else ""
    try:
        return _value(head)
    except ValueError:
        raise ToolError(f"{report}: {what} reads {text.strip()!r}, expected a number") from None
