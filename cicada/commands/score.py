"""``cicada score CONFIG FILE... [-o OUT]``: score region files the build never saw."""

from __future__ import annotations

from pathlib import Path

from . import Command, add_config_argument, command, load
from .ntuple_arguments import add_ntuple_arguments, ntuple_options


@command
class Score(Command):
    name = "score"
    help = (
        "score any file of region images (HDF5, ROOT ntuple) with a build's teacher, student and firmware; "
        "efficiency per working point"
    )
    description = (
        "Score every event of each FILE (any input layout: HDF5 CaloRegions plain or compound, the 2026 teacher "
        "layout, or a ROOT ntuple after its run list and trigger bit) with the build's teacher (if it has one), "
        "its QKeras student and its firmware (the integer model, checked bit for bit against the emulator library on "
        "an evenly spread subset of --check-events events), reading a chunk at a time. Writes <stem>.scores.h5 "
        "(per-event scores, in the layout of the build's scores file), <stem>.scores.json and <stem>.scores.md (the "
        "efficiency at each of the build's working points) beside each file, or in the folder OUT. Needs a finished "
        "build (cicada build, or cicada convert --model); runs nothing of it."
    )

    def add_arguments(self, parser):
        from ..evaluation.file_scores import DEFAULT_CHECK_EVENTS

        add_config_argument(parser)
        parser.add_argument(
            "files", type=Path, nargs="+", metavar="FILE", help="HDF5 files or ROOT ntuples of region images"
        )
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="folder for the results (default: beside each file); with one FILE, may name the .h5 to write",
        )
        parser.add_argument(
            "--check-events",
            type=int,
            default=DEFAULT_CHECK_EVENTS,
            metavar="N",
            help=f"events per file recomputed by the emulator library (default {DEFAULT_CHECK_EVENTS:,})",
        )
        parser.add_argument("--check-all", action="store_true", help="recompute every event with the emulator library")
        add_ntuple_arguments(parser)

    def run(self, args) -> int:
        from ..core.errors import CicadaError
        from ..evaluation.file_scores import score_files
        from ..pipeline.build import make_context
        from ..pipeline.finished import load_results

        if args.check_events < 1 and not args.check_all:
            raise CicadaError(f"--check-events: expected a positive number of events, got {args.check_events}")
        ntuples = ntuple_options(args)
        context = make_context(load(args), args.config)
        load_results(context, ("convert", "verify", "scores", "rates"))
        results = score_files(context, args.files, args.output, None if args.check_all else args.check_events, ntuples)
        for result in results:
            print(
                f"{result.file}: {result.events:,} events -> {result.outputs['scores']}, {result.outputs['markdown']}"
            )
            for point in result.summary["working_points"]:
                print(
                    f"  {point['target_khz']:>8g} kHz  threshold {point['threshold']:>9g}  "
                    f"efficiency {point['efficiency']:.4g}  ({point['accepted_events']:,} events)"
                )
        return 0
