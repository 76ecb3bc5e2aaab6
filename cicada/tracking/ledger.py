"""What a build (or scan) last logged, so that a rerun that changed nothing logs nothing new.

``tracking.json`` in the build's folder holds the store, the experiment, the run id and a key
of what was logged (the stage fingerprints and the report's hash for a build, the results
for a scan). The same key to the same store and experiment is the same run again.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core.files import write_json
from .store import Store

LEDGER_FILE = "tracking.json"


def logged_run(folder: Path, store: Store, key: str) -> str | None:
    """The id of the run logged with ``key`` to ``store`` (None: not logged there yet, or its
    local database is gone)."""
    try:
        last = json.loads((Path(folder) / LEDGER_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(last, dict):
        return None
    same = (last.get("uri"), last.get("experiment"), last.get("key")) == (store.uri, store.experiment, key)
    database = store.local_file()
    if not same or (database is not None and not database.exists()):
        return None
    return last.get("run_id")


def remember(folder: Path, store: Store, run_id: str, key: str) -> None:
    write_json(
        Path(folder) / LEDGER_FILE, {"uri": store.uri, "experiment": store.experiment, "run_id": run_id, "key": key}
    )
