"""One build at a time per build folder, and what an interrupted build left behind.

``cicada build`` (and every command that builds) holds an exclusive lock on
``models/<name>/.lock`` while it works. A second process asking for the same build in the same
folder stops at once with a line naming the process that holds it, instead of both writing
the same files. Holding the lock also means that any half-written file (``.*.partial``) or
folder still lying in the build's folders belongs to an earlier, interrupted run: it is removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path
from typing import Iterator

from .errors import CicadaError
from .progress import log

LOCK_FILE = ".lock"


class BuildBusy(CicadaError):
    """Another process is building the same build in the same folder."""


@contextlib.contextmanager
def build_lock(model_dir: Path, name: str) -> Iterator[None]:
    """Hold the build's lock for the duration of the block (released even if the process dies)."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / LOCK_FILE
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildBusy(
                f"{path}: another cicada process (pid {holder}) is building '{name}' in this folder; wait for it "
                "to finish, or build in another folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def remove_leftovers(*folders: Path) -> int:
    """Remove half-written files and folders (``.*.partial``, ``.*.old``) an interrupted run left;
    call with the build's lock held. Returns how many were removed."""
    removed = 0
    for folder in folders:
        if not Path(folder).exists():
            continue
        for item in sorted(Path(folder).rglob(".*"), key=lambda p: len(p.parts), reverse=True):
            if not (item.name.endswith(".partial") or item.name.endswith(".old")):
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info(f"  removed {removed} half-written file(s) left by an interrupted run")
    return removed
