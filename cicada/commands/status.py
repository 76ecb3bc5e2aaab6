"""``cicada status CONFIG``: which stages the next build would reuse, and why not."""

from __future__ import annotations

from . import Command, add_config_argument, command, load


@command
class Status(Command):
    name = "status"
    help = "show which stages of a build are up to date, and what changed for the others"
    description = (
        "Show, for every stage, whether the next build would reuse it and if not why: never run, config or input "
        "files changed, code changed (which modules), a library or tool version changed, an output missing or changed."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)

    def run(self, args) -> int:
        from ..pipeline.build import make_context, stages_for
        from ..pipeline.engine import statuses

        context = make_context(load(args), args.config)
        for name, state in statuses(stages_for(context), context):
            print(f"{name:10s} {state}")
        return 0
