"""``cicada show FILE``: look at a dataset of region images."""

from __future__ import annotations

from pathlib import Path

from . import Command, command


@command
class Show(Command):
    name = "show"
    help = "draw example images, the mean image and ET distributions of a dataset (PNG)"
    description = (
        "Look at an HDF5 file of region images (CaloRegions: plain (N, 18, 14) ET, or the compound layout with "
        "fields et, egbit, taubit): writes a PNG with example events, the mean image and region/total/hottest-region "
        "ET distributions (and, with bits, each bit's occupancy per region and against region ET), and prints "
        "statistics."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="HDF5 file with a CaloRegions dataset (plain or compound)")
        parser.add_argument("-o", "--output", type=Path, help="PNG to write (default: the file's name with .png)")
        parser.add_argument("--examples", type=int, default=3, help="example events to draw (default 3)")

    def run(self, args) -> int:
        from ..data.show import show_dataset

        output, stats = show_dataset(args.file, args.output, max(1, args.examples))
        for key, value in stats.items():
            print(f"{key:28s} {value:,.4g}" if isinstance(value, float) else f"{key:28s} {value:,}")
        print(f"plot written to {output}")
        return 0
