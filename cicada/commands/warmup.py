"""``cicada warmup``: kept so that scripts and habits that call it still work; nothing is left to warm up."""

from __future__ import annotations

from . import Command, command

#: What the command says: the one thing it does.
MESSAGE = (
    "no warm-up is needed any more: the open-source RTL flow solves its adder graphs with alkaid, "
    "whose solver is compiled C++ shipped in its wheel (nothing is compiled on first use)"
)


@command
class Warmup(Command):
    name = "warmup"
    help = "does nothing any more: alkaid's solver needs no compilation (kept for old scripts)"
    description = (
        "Earlier versions compiled da4ml's solver with numba here, ahead of the first build. The open-source RTL "
        "flow now uses alkaid, whose solver is compiled C++ in its wheel, so there is nothing to compile: this "
        "command only says so and exits with status 0."
    )

    def run(self, args) -> int:
        from ..core.progress import log

        log.info(MESSAGE)
        return 0
