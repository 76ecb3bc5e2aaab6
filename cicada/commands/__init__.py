"""The commands of ``cicada``: one module each, registered here, assembled by :mod:`cicada.cli`.

A command is a subclass of :class:`Command` decorated with :func:`command`: its name, a
one-line help, a description, its arguments and ``run(args) -> exit status``. Adding one
is one new module imported at the bottom of this file; ``cicada --help`` lists it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import ClassVar

from ..core.registry import Registry


class Command:
    name: ClassVar[str]
    help: ClassVar[str]
    description: ClassVar[str]

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass

    def run(self, args: argparse.Namespace) -> int:
        raise NotImplementedError


COMMANDS: Registry[Command] = Registry("command")


def command(cls: type[Command]) -> type[Command]:
    COMMANDS.register(cls.name, cls())
    return cls


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="YAML build config, e.g. configs/quickstart.yaml")


def load(args: argparse.Namespace):
    """The validated config named on the command line."""
    from ..config.loader import load_config

    return load_config(args.config)


# The built-in commands, in the order `cicada --help` lists them.
# isort: off
from . import build  # noqa: E402,F401
from . import data  # noqa: E402,F401
from . import show  # noqa: E402,F401
from . import ingest  # noqa: E402,F401
from . import convert  # noqa: E402,F401
from . import synth  # noqa: E402,F401
from . import vectors  # noqa: E402,F401
from . import encoder  # noqa: E402,F401
from . import emulator  # noqa: E402,F401
from . import score  # noqa: E402,F401
from . import rates  # noqa: E402,F401
from . import check  # noqa: E402,F401
from . import status  # noqa: E402,F401
from . import schema  # noqa: E402,F401
from . import scan  # noqa: E402,F401
from . import track  # noqa: E402,F401
from . import warmup  # noqa: E402,F401
# isort: on
