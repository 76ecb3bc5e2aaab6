"""Key paths into a build config: ``student.layers[4].units`` read and written in plain data.

A path is keys joined by dots, with ``[i]`` for entry ``i`` of a list. Setting a value walks
the full config (every default filled in, so ``data.signals[0]`` exists even when the file
left the signals out): a missing mapping key is created (the schema then says whether it
may exist), a list index must already exist.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_PART = re.compile(r"\.?([A-Za-z0-9_-]+)|\[(\d+)\]")


class PathError(ValueError):
    """A key path that does not fit the config it is applied to (the message says why)."""


def parse(path: str) -> tuple[str | int, ...]:
    """``"student.layers[4].units"`` -> ``("student", "layers", 4, "units")``."""
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        match = _PART.match(path, position)
        if match is None or (position == 0 and path.startswith(".")):
            raise PathError(f"cannot read {path!r} at character {position + 1}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    if not parts:
        raise PathError("empty key path")
    return tuple(parts)


def _shown(parts: tuple[str | int, ...]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def with_value(data: dict, path: str, value: Any) -> dict:
    """A deep copy of ``data`` with ``value`` at ``path``."""
    parts = parse(path)
    result = copy.deepcopy(data)
    node: Any = result
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = _shown(parts[:depth]) or "the config"
        if isinstance(part, int):
            if not isinstance(node, list):
                raise PathError(f"{here} is {_kind(node)}, not a list: [{part}] does not apply")
            if part >= len(node):
                raise PathError(f"{here} has {len(node)} entries, so [{part}] does not exist")
        elif not isinstance(node, dict):
            raise PathError(f"{here} is {_kind(node)}, not a mapping: .{part} does not apply")
        if last:
            node[part] = copy.deepcopy(value)
        else:
            if isinstance(node, dict) and node.get(part) is None:
                node[part] = [] if isinstance(parts[depth + 1], int) else {}
            node = node[part]
    return result


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a value ({value!r})"
