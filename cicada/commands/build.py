"""``cicada build CONFIG``: the whole pipeline."""

from __future__ import annotations

from .. import __version__
from ..core.errors import ConfigError
from ..core.progress import log
from . import Command, add_config_argument, command, load


@command
class Build(Command):
    name = "build"
    help = "run the whole pipeline: data, teacher, student, convert, verify, scores, quality, synthesis, rates, report"
    description = (
        "Run every stage of the build in order. Stages whose inputs (config slice, code, upstream results) "
        "are unchanged since the last build are reused."
    )

    def add_arguments(self, parser):
        from ..pipeline.build import ALL_STAGE_NAMES

        add_config_argument(parser)
        parser.add_argument("--force", action="store_true", help="rerun every stage, even those up to date")
        parser.add_argument(
            "--until",
            choices=ALL_STAGE_NAMES,
            metavar="STAGE",
            help=f"stop after this stage (one of: {', '.join(ALL_STAGE_NAMES)})",
        )

    def run(self, args) -> int:
        return run_build(args, until=args.until)


def run_build(args, until: str | None = None, model_file=None) -> int:
    """Build (a config, or an imported model) and print the summary."""
    from ..pipeline.build import build
    from .summary import summary_text

    config = load(args)
    if until == "comparison" and not config.comparison.active():
        raise ConfigError(f"{args.config}: --until comparison: the config has no comparison.students, so no such stage")
    if config.tracking.enabled:
        from ..tracking.store import require_mlflow

        require_mlflow(str(args.config))  # before any stage runs, not after an hour of training
    log.info(f"cicada {__version__}: building '{config.name}' from {args.config}")
    context, outcomes = build(config, args.config, force=args.force, until=until, model_file=model_file)
    print(summary_text(context, outcomes))
    if config.tracking.enabled:
        _track(context, outcomes)
    return 0


def _track(context, outcomes) -> None:
    """Log the finished build to MLflow; a build stopped before its report has nothing to log yet."""
    from ..tracking.build_run import track_build

    if "report" not in context.results:
        log.info("  tracking: the build stopped before its report; nothing logged")
        return
    track_build(context, outcomes).report(f"`cicada track {context.config_path}` logs it later")
