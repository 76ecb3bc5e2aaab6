"""``cicada warmup``: compile, once per Python environment, what the first build would compile."""

from __future__ import annotations

from . import Command, command


@command
class Warmup(Command):
    name = "warmup"
    help = "compile da4ml's solver for this Python environment ahead of the first build (minutes, once)"
    description = (
        "The open-source RTL flow solves its adder graphs with da4ml, whose solver numba compiles on first use in a "
        "Python environment and caches (several minutes on 2 cores; seconds afterwards). This command does that "
        "compilation now, so that the first build does not; `make install` runs it. Running it again is quick."
    )

    def run(self, args) -> int:
        from ..core.progress import log
        from ..synthesis.rtl.solver_cache import compile_solver, solver_is_compiled

        if solver_is_compiled():
            log.info("da4ml's solver is compiled in this environment; loading it to check")
        else:
            log.info("compiling da4ml's solver with numba (once per Python environment; several minutes on 2 cores)")
        seconds = compile_solver()
        log.info(f"da4ml's solver ready in {seconds:.0f} s")
        return 0
