"""``cicada ingest FILE... -o OUT.h5``: any input files as one HDF5 file in cicada's format."""

from __future__ import annotations

from pathlib import Path

from . import Command, command
from .ntuple_arguments import add_ntuple_arguments, ntuple_options


@command
class Ingest(Command):
    name = "ingest"
    help = "convert input files of any layout (ROOT ntuples, the 2026 teacher files, HDF5) into cicada's HDF5, once"
    description = (
        "Read each FILE in any input layout (a ROOT ntuple of Layer-1 regions, the 2026 teacher HDF5 layout "
        "et/tauBits/egBits, CaloRegions plain or compound), keep the events its selection keeps (a ROOT ntuple's "
        "--runs and --trigger), and write them, in order, to OUT as cicada's HDF5: CaloRegions compound (et, egbit, "
        "taubit) when the inputs carry bits, plain otherwise, with the per-event pileup and vertex counts every input "
        "carries. Streams a chunk at a time (inputs larger than memory work) and writes OUT atomically: an error "
        "leaves nothing behind. The result is what data.zero_bias_files, a files signal, cicada show and cicada "
        "score read fastest."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", type=Path, nargs="+", metavar="FILE", help="input files (ROOT or HDF5)")
        parser.add_argument("-o", "--output", type=Path, required=True, help="the HDF5 file to write")
        add_ntuple_arguments(parser)

    def run(self, args) -> int:
        from ..data.ingest import ingest

        result = ingest(args.files, args.output, ntuple_options(args))
        for item in result.files:
            print(f"{item.path}: {item.layout} layout, {item.selection.describe()}")
        layout = "compound (et, egbit, taubit)" if result.bits else "plain (ET only)"
        columns = f", with {', '.join(result.columns)}" if result.columns else ""
        print(f"{result.output}: {result.events:,} events written, CaloRegions {layout}{columns}")
        return 0
