"""``cicada convert CONFIG --model FILE``: bring your own model, QKeras or float."""

from __future__ import annotations

from pathlib import Path

from . import Command, add_config_argument, command
from .build import run_build


@command
class Convert(Command):
    name = "convert"
    help = "bring your own model (QKeras: verified bit for bit; float: derived types, agreement measured): convert, score, report"
    description = (
        "Take a model trained elsewhere (HDF5 or .keras; the input of the config's student.input in: 252 "
        "region values, 756 with channels; one score out) and run the firmware half of a build with the config's "
        "data, student.input and hls sections: hls4ml project with proven precisions and a C-simulation check against "
        "QKeras for a QKeras model; for a float (or mixed) model, types derived and labelled proven or calibrated "
        "(hls.float_types), the C simulation checked against the emulator and the agreement with the float model "
        "measured; firmware scores, rates and the report. A Lambda or custom layer is refused before loading."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("--model", type=Path, required=True, help="the model file (QKeras, float or mixed Keras)")
        parser.add_argument("--force", action="store_true", help="rerun every stage, even those up to date")

    def run(self, args) -> int:
        return run_build(args, model_file=args.model)
