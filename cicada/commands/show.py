"""``cicada show FILE``: look at a dataset of region images."""

from __future__ import annotations

from pathlib import Path

from . import Command, command
from .ntuple_arguments import add_ntuple_arguments, ntuple_options


@command
class Show(Command):
    name = "show"
    help = "draw example images, the mean image and ET distributions of a dataset (PNG)"
    description = (
        "Look at a file of region images in any input layout (HDF5: CaloRegions plain (N, 18, 14) ET or compound "
        "with fields et, egbit, taubit, or the 2026 teacher layout et/tauBits/egBits; a ROOT ntuple): writes a PNG with example events, the mean image and region/total/hottest-region "
        "ET distributions (and, with bits, each bit's occupancy per region and against region ET), and prints "
        "statistics."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="HDF5 file or ROOT ntuple of region images")
        parser.add_argument("-o", "--output", type=Path, help="PNG to write (default: the file's name with .png)")
        parser.add_argument("--examples", type=int, default=3, help="example events to draw (default 3)")
        add_ntuple_arguments(parser)

    def run(self, args) -> int:
        from ..data.show import show_dataset

        output, stats = show_dataset(args.file, args.output, max(1, args.examples), ntuples=ntuple_options(args))
        for key, value in stats.items():
            text = f"{value:,.4g}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else value
            print(f"{key:28s} {text}")
        print(f"plot written to {output}")
        return 0
