"""``cicada check CONFIG``: validate a config and print it with every default filled in."""

from __future__ import annotations

import sys

from . import Command, add_config_argument, command, load


@command
class Check(Command):
    name = "check"
    help = "validate a config and print it with every default filled in"
    description = "Validate a config file and print the complete, resolved config as YAML."

    def add_arguments(self, parser):
        add_config_argument(parser)

    def run(self, args) -> int:
        import yaml

        config = load(args)
        print(f"# {args.config}: valid", file=sys.stderr)
        print(yaml.safe_dump(config.plain(), sort_keys=False), end="")
        return 0
