"""Console output: the ``cicada`` logger and progress bars for long loops.

Messages go to stderr through the ``cicada`` logger; the final build summary goes to
stdout. Progress bars are tqdm's: silent for work that finishes within a couple of
seconds, redrawn in place on a terminal, and one plain line every few seconds otherwise
(CI logs, files), so a log never fills with carriage returns.
"""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

log = logging.getLogger("cicada")

#: Work shorter than this shows no bar at all.
QUIET_SECONDS = 2.0
#: How often a bar is redrawn on a terminal, and how often a line is written elsewhere.
TERMINAL_INTERVAL_SECONDS = 0.2
LOG_INTERVAL_SECONDS = 5.0


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (it may be replaced, e.g. by pytest)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def setup_logging(verbose: bool = False) -> None:
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


class _LineWriter:
    """A file for tqdm that turns each redraw into one line (for logs that are not terminals)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").replace("\x1b[A", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress(total: int, label: str, unit: str = "events") -> tqdm:
    """A progress bar: ``with progress(n, "zero-bias") as bar: bar.update(k)``."""
    stream = sys.stderr
    terminal = stream.isatty()
    return tqdm(
        total=int(total),
        desc=f"  {label}",
        unit=f" {unit}",
        unit_scale=False,
        delay=QUIET_SECONDS,
        mininterval=TERMINAL_INTERVAL_SECONDS if terminal else LOG_INTERVAL_SECONDS,
        file=stream if terminal else _LineWriter(stream),
        dynamic_ncols=terminal,
        ncols=None if terminal else 100,
        leave=True,
    )
