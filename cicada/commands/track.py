"""``cicada track CONFIG``: log a finished build to MLflow without rebuilding it."""

from __future__ import annotations

from . import Command, add_config_argument, command, load


@command
class Track(Command):
    name = "track"
    help = "log a finished build to MLflow (its config's tracking section says where), without rebuilding"
    description = (
        "Log the build of CONFIG, as its last `cicada build` left it, to MLflow: one run with the config as params, "
        "the report's figures and the training curves as metrics, the stage fingerprints and figure sources as tags, "
        "the report, plots and model files as artifacts. Uses the config's tracking section (uri, experiment, "
        "log_models) whether or not tracking.enabled is set. A build already logged unchanged to the same store is "
        "not logged again unless --force. Exit status 1 when the store does not answer."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("--force", action="store_true", help="log a new run even if this build was logged already")

    def run(self, args) -> int:
        from ..evaluation.documents import REPORT_JSON
        from ..pipeline.build import make_context
        from ..pipeline.finished import BuildNotRun, build_command
        from ..tracking.build_run import track_build
        from ..tracking.store import require_mlflow

        config = load(args)
        require_mlflow(str(args.config))
        context = make_context(config, args.config)
        report = context.project_dir / REPORT_JSON
        if not report.is_file():
            raise BuildNotRun(
                f"{args.config}: build '{config.name}' has no report ({context.relative(report)} missing): run "
                f"`{build_command(context)}` first"
            )
        tracked = track_build(context, force=args.force)
        tracked.report(f"`cicada track {args.config}` again logs it")
        return 1 if tracked.status == "unavailable" else 0
