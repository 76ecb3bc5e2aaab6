"""Running external programs (g++, Verilator, Yosys, vendor tools) so that none outlives cicada.

Every child started through :func:`run` is remembered until it ends; :func:`stop_all` kills
the ones still running. The command line calls it when cicada is interrupted (Ctrl-C or
SIGTERM), so a stopped build leaves no compiler or synthesis running behind it.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Sequence

_running: set[subprocess.Popen] = set()
_lock = threading.Lock()


def run(
    command: Sequence[str],
    cwd: Path | str | None = None,
    env: dict | None = None,
    timeout: float | None = None,
    stdout=subprocess.PIPE,
    stderr=subprocess.PIPE,
) -> subprocess.CompletedProcess:
    """``subprocess.run(command, capture_output=True, text=True)``, with the child remembered."""
    with subprocess.Popen(list(command), cwd=cwd, env=env, stdout=stdout, stderr=stderr, text=True) as process:
        with _lock:
            _running.add(process)
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            with _lock:
                _running.discard(process)
    return subprocess.CompletedProcess(list(command), process.returncode, out, err)


def stop_all() -> int:
    """Kill every child still running; returns how many there were."""
    with _lock:
        children = list(_running)
    for process in children:
        try:
            process.kill()
        except OSError:
            pass
    return len(children)
