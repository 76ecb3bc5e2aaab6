"""Good-run lists: inline run numbers, or a file of them (text, JSON or YAML).

A text file holds run numbers separated by spaces, commas or new lines (``#`` starts a comment).
A JSON or YAML file holds a list of run numbers, or a mapping whose ``runs`` or ``goodRuns`` key
holds one (``goodRuns`` is the key of the CICADA 2026 production's ``params.yaml``). A CMS
certification JSON (run -> luminosity-section ranges) is refused rather than read as whole runs:
it certifies sections, and keeping whole runs would keep uncertified ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import yaml

from ...core.errors import DataError
from ...core.files import check_regular_file

#: Mapping keys that hold a run list in JSON or YAML files.
RUN_KEYS = ("runs", "goodRuns")
#: A run-list file is a few thousand numbers at most; anything far larger is not one.
MAX_BYTES = 16 << 20


def good_runs(runs: tuple[int, ...] | str, base_dir: Path) -> np.ndarray:
    """The sorted, distinct run numbers of an inline list or of a run-list file (relative to ``base_dir``)."""
    if isinstance(runs, str):
        path = Path(runs).expanduser()
        numbers = read_run_file(path if path.is_absolute() else Path(base_dir) / path)
    else:
        numbers = list(runs)
    return np.unique(np.asarray(numbers, dtype=np.int64))


def run_file(runs: tuple[int, ...] | str | None, base_dir: Path) -> Path | None:
    """The run-list file ``runs`` names (for fingerprints), or None for inline runs."""
    if not isinstance(runs, str):
        return None
    path = Path(runs).expanduser()
    return path if path.is_absolute() else Path(base_dir) / path


def read_run_file(path: Path) -> list[int]:
    info = check_regular_file(
        path, DataError, "a run-list file (text, JSON or YAML)", missing="run-list file not found"
    )
    if info.st_size > MAX_BYTES:
        raise DataError(f"{path}: {info.st_size:,} bytes, expected a run-list file under {MAX_BYTES:,} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot read the run list ({err})") from None
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        return _structured(path, text)
    return _plain_text(path, text)


def _plain_text(path: Path, text: str) -> list[int]:
    runs = []
    for number, line in enumerate(text.splitlines(), start=1):
        for word in re.split(r"[\s,]+", line.split("#", 1)[0].strip()):
            if not word:
                continue
            if not word.isdigit():
                raise DataError(f"{path}: line {number}: {word!r} is not a run number, expected integers >= 0")
            runs.append(int(word))
    if not runs:
        raise DataError(f"{path}: no run numbers, expected at least one")
    return runs


def _structured(path: Path, text: str) -> list[int]:
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise DataError(f"{path}: not valid {path.suffix[1:].upper()}: {err}") from None
    if isinstance(data, dict):
        key = next((k for k in RUN_KEYS if k in data), None)
        if key is None:
            if data and all(str(k).isdigit() for k in data):
                raise DataError(
                    f"{path}: a certification JSON (run -> luminosity sections); cicada keeps whole runs, so give "
                    "the run numbers as a list (or a mapping with 'runs')"
                )
            raise DataError(f"{path}: a mapping without 'runs' or 'goodRuns', expected a list of run numbers")
        data = data[key]
    if not isinstance(data, list) or not data:
        raise DataError(f"{path}: expected a non-empty list of run numbers, got {type(data).__name__}")
    for run in data:
        if isinstance(run, bool) or not isinstance(run, int) or run < 0:
            raise DataError(f"{path}: {run!r} is not a run number, expected integers >= 0")
    return data
