"""``cicada data CONFIG``: the datasets only."""

from __future__ import annotations

from . import Command, add_config_argument, command
from .build import run_build


@command
class Data(Command):
    name = "data"
    help = "generate the datasets only (the build's first stage)"
    description = "Generate the zero-bias and signal HDF5 datasets of a config into models/<name>/data/."

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("--force", action="store_true", help="regenerate even if up to date")

    def run(self, args) -> int:
        return run_build(args, until="data")
