"""Console output: logging set-up and a progress bar for long loops.

Messages go to stderr through the ``cicada`` logger; the final build summary goes to
stdout. The progress bar stays silent for work that finishes within a couple of
seconds, redraws in place on a terminal and prints a line every few seconds otherwise
(CI logs).
"""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("cicada")


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


class Progress:
    """``with Progress(total, "zero-bias") as bar: bar.advance(n)``."""

    def __init__(self, total: int, label: str, unit: str = "events", quiet_seconds: float = 2.0):
        self.total = max(int(total), 1)
        self.label = label
        self.unit = unit
        self.quiet_seconds = quiet_seconds
        self.done = 0
        self.stream = sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def __enter__(self) -> "Progress":
        self.start = time.monotonic()
        return self

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        elapsed = now - self.start
        interval = 0.2 if self.tty else 5.0
        if elapsed >= self.quiet_seconds and now - self.last_draw >= interval and self.done < self.total:
            self._draw(elapsed)
            self.last_draw = now

    def _draw(self, elapsed: float, final: bool = False) -> None:
        rate = self.done / elapsed if elapsed > 0 else 0.0
        fraction = min(self.done / self.total, 1.0)
        width = 24
        bar = "#" * int(width * fraction) + "-" * (width - int(width * fraction))
        if final:
            tail = f"{elapsed:.1f} s"
        else:
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            tail = f"{eta:.0f} s left"
        text = f"  {self.label} [{bar}] {self.done:,}/{self.total:,} {self.unit}, {rate:,.0f}/s, {tail}"
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K" + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.drawn = True

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.drawn and exc_type is None:
            self._draw(time.monotonic() - self.start, final=True)
        elif self.drawn and self.tty:
            self.stream.write("\n")
