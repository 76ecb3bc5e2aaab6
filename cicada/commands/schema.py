"""``cicada schema``: every config key, for people (text) or editors (JSON Schema)."""

from __future__ import annotations

import json

from . import Command, command


@command
class Schema(Command):
    name = "schema"
    help = "print every config key with its type, default and meaning (--json: the JSON Schema)"
    description = (
        "Print the reference of the YAML config schema. With --json, print it as a JSON Schema, which YAML editors "
        "use to validate and complete configs (e.g. `# yaml-language-server: $schema=cicada-config.json`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the JSON Schema instead of the text reference")
        parser.add_argument("--scan", action="store_true", help="the schema of a scan file (cicada scan) instead")

    def run(self, args) -> int:
        from ..config.reference import json_schema, schema_reference

        print(json.dumps(json_schema(args.scan), indent=2) if args.json else schema_reference(args.scan))
        return 0
