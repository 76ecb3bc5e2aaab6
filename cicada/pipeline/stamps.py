"""A stage's record: the one module that knows where stamps live and how they are laid out.

After a stage succeeds its stamp is written to ``models/<name>/.stamps/<stage>.json``:
the fingerprint and its components (see :mod:`.fingerprint`), the time it took, the
content hash of each output and the stage's typed result. A stamp that cannot be read
(truncated by a crash, edited by hand) counts as absent: the stage reruns.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..core.files import write_json
from ..core.progress import log

STAMP_DIR = ".stamps"
STAMP_FORMAT = 2


@dataclass
class Stamp:
    stage: str
    fingerprint: str
    components: dict
    seconds: float
    finished: str
    outputs: dict[str, str]
    result: Any


def stamp_dir(model_dir: Path) -> Path:
    return Path(model_dir) / STAMP_DIR


def stamp_path(model_dir: Path, stage: str) -> Path:
    return stamp_dir(model_dir) / f"{stage}.json"


def read_stamp(model_dir: Path, stage: str, result_type: type) -> Stamp | None:
    """The stamp of ``stage``, or None when there is none or it cannot be read (it then reruns)."""
    path = stamp_path(model_dir, stage)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("format") != STAMP_FORMAT:
            return None  # written by an older cicada: its fingerprint cannot match anyway
        result: Any = TypeAdapter(result_type).validate_python(data["result"])
        return Stamp(
            stage=data["stage"],
            fingerprint=data["fingerprint"],
            components=data["components"],
            seconds=float(data["seconds"]),
            finished=data["finished"],
            outputs=dict(data["outputs"]),
            result=result,
        )
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        log.warning(f"  ignoring unreadable stamp {path} ({reason}); the stage reruns")
        return None


def write_stamp(model_dir: Path, stamp: Stamp) -> Path:
    record = {
        "format": STAMP_FORMAT,
        "stage": stamp.stage,
        "fingerprint": stamp.fingerprint,
        "components": stamp.components,
        "seconds": stamp.seconds,
        "finished": stamp.finished,
        "outputs": stamp.outputs,
        "result": dataclasses.asdict(stamp.result),
    }
    return write_json(stamp_path(model_dir, stamp.stage), record)


def remove_stamp(model_dir: Path, stage: str) -> None:
    stamp_path(model_dir, stage).unlink(missing_ok=True)


def has_stamp(model_dir: Path, stage: str) -> bool:
    return stamp_path(model_dir, stage).exists()


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def stage_times(model_dir: Path, stages: list[str]) -> dict[str, dict]:
    """Seconds each stage took when it last ran, and when it finished, from the stamps."""
    times = {}
    for name in stages:
        path = stamp_path(model_dir, name)
        try:
            data = json.loads(path.read_text())
            times[name] = {"seconds": round(float(data["seconds"]), 2), "finished": data["finished"]}
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return times
