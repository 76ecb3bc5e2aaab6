"""``cicada convert CONFIG --model FILE``: bring your own QKeras model."""

from __future__ import annotations

from pathlib import Path

from . import Command, add_config_argument, command
from .build import run_build


@command
class Convert(Command):
    name = "convert"
    help = "bring your own QKeras model: convert, verify bit for bit, score, report"
    description = (
        "Take a QKeras model trained elsewhere (HDF5 or .keras; the input of the config's student.input in: 252 "
        "region values, 756 with channels; one score out) and run the firmware half of a build with the config's "
        "data, student.input and hls sections: hls4ml project with proven precisions, "
        "C-simulation check against QKeras, firmware-exact scores, rates and the report."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("--model", type=Path, required=True, help="the QKeras model file")
        parser.add_argument("--force", action="store_true", help="rerun every stage, even those up to date")

    def run(self, args) -> int:
        return run_build(args, model_file=args.model)
