"""``cicada emulator CONFIG``: the firmware as a namespaced shared library for trigger software."""

from __future__ import annotations

from pathlib import Path

from . import Command, add_config_argument, command, load


@command
class Emulator(Command):
    name = "emulator"
    help = "build the firmware C++ into a namespaced shared library with a C API, for trigger software"
    description = (
        "Build (up to a verified project if needed) and export the emulator library: lib<ns>.so, <ns>.h and a build "
        "record, where <ns> = cicada_<name>_v<version>. Every firmware symbol lives in that namespace, so several "
        "models link into one program without clashing."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("-o", "--output", type=Path, help="folder to write (default hls_projects/<name>/library)")
        parser.add_argument("--version", default="1", help="model version in the namespace (default 1)")
        parser.add_argument(
            "--march",
            default="x86-64-v3",
            help="g++ -march: x86-64-v3 (default) runs on any AVX2 CPU; native is fastest but only on CPUs like this one",
        )

    def run(self, args) -> int:
        from ..firmware.emulator import build_library
        from ..pipeline.build import build

        config = load(args)
        context, _ = build(config, args.config, until="verify")
        directory = args.output or context.project_dir / "library"
        library = build_library(context.project_dir, directory, config.name, args.version, args.march)
        for path in (library.library, library.header, library.manifest):
            print(path)
        return 0
