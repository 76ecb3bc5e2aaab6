"""A build's results read back from its stamps, for commands that use a build without running it.

``cicada score`` and ``cicada rates`` work on what ``cicada build`` (or ``cicada convert``)
left behind. They need some stages to have run; a stage that has not is one clear error
naming it and the command that runs it. A stage that ran but is no longer up to date (the
config or cicada changed since) is used as it is, with a warning that says so.
"""

from __future__ import annotations

from ..core.errors import CicadaError
from ..core.progress import log
from . import stamps
from .build import stages_for
from .context import BuildContext
from .engine import statuses


class BuildNotRun(CicadaError):
    """A command needs a stage of a build that has not run."""


def build_command(context: BuildContext) -> str:
    """The command that runs the build of ``context``."""
    if context.model_file is not None:
        return f"cicada convert {context.config_path} --model {context.model_file}"
    return f"cicada build {context.config_path}"


def load_results(context: BuildContext, needed: tuple[str, ...]) -> None:
    """Put the results of every stage that has run into ``context.results``; a BuildNotRun
    naming the first of ``needed`` that has not. Warns when one of them is out of date."""
    stages = stages_for(context)
    known = {stage.name: stage for stage in stages}
    for stage in stages:
        stamp = stamps.read_stamp(context.stage_dir(stage.name), stage.name, stage.result)  # borrowed stages too
        if stamp is not None:
            context.results[stage.name] = stamp.result
    for name in needed:
        if name not in known:
            continue  # e.g. teacher stages of an imported model
        if name not in context.results:
            raise BuildNotRun(
                f"{context.config_path}: build '{context.config.name}' has no '{name}' stage result "
                f"({stamps.stamp_path(context.stage_dir(name), name)} missing): run `{build_command(context)}` first"
            )
    stale = [(name, state) for name, state in statuses(stages, context) if name in needed and state != "up to date"]
    if stale:
        name, state = stale[0]
        log.warning(
            f"  build '{context.config.name}' is not up to date (stage {name}: {state}); using what it last built "
            f"(`{build_command(context)}` updates it)"
        )
