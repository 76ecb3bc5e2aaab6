"""Config keys and report columns as MLflow names, and a config as flat parameters.

MLflow accepts letters, digits, ``_ - . /`` and spaces in a name everywhere (colons only off
Windows), so cicada's key paths and column names are rewritten once, here:
``student.layers[4].units`` -> ``student.layers.4.units``, ``efficiency@1kHz:dijet`` ->
``efficiency/1kHz/dijet``.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: MLflow's longest parameter value.
MAX_PARAM_CHARS = 6000
#: MLflow's longest tag value.
MAX_TAG_CHARS = 8000

_INDEX = re.compile(r"\[(\d+)\]")
_NOT_ALLOWED = re.compile(r"[^\w.\- /]")


def mlflow_name(key: str) -> str:
    """``key`` (a config path or a results column) as a valid MLflow parameter or metric name."""
    name = _INDEX.sub(r".\1", key).replace("@", "/").replace(":", "/")
    return _NOT_ALLOWED.sub("_", name)


def text(value: Any, limit: int = MAX_PARAM_CHARS) -> str:
    """A value as MLflow stores it: strings as they are, anything else as JSON."""
    shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """A config (plain data) as ``{dotted key: value}``: mappings and lists of mappings are walked
    (list entries by index), anything else (numbers, strings, lists of numbers) is one value."""
    items: list[tuple[str, Any]]
    if isinstance(value, dict) and value:
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
        items = [(str(i), v) for i, v in enumerate(value)]
    else:
        return {mlflow_name(prefix): text(value)} if prefix else {}
    flat: dict[str, str] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else key))
    return flat
