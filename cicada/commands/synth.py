"""``cicada synth CONFIG``: the vendor HLS flow on a build's project."""

from __future__ import annotations

from . import Command, add_config_argument, command, load


@command
class Synth(Command):
    name = "synth"
    help = "run the vendor HLS flow (C simulation, synthesis, co-simulation, Vivado) on a build's project"
    description = (
        "Build up to the project if needed, then run hls4ml's build_prj.tcl with vitis-run (Vitis) or vivado_hls "
        "(Vivado): C simulation and C synthesis, plus RTL co-simulation (synthesis.vendor.cosim) and Vivado logic "
        "synthesis (synthesis.vendor.vivado_synthesis) when the config or the options ask. Reads back latency, II, "
        "clock, resources, utilisation and the co-simulation verdict of the project's top (from hls.app, build_prj.tcl "
        "or hls4ml's config; the AXI wrapper for VivadoAccelerator), from any solution or Vitis unified layout, "
        "and prints which report it read. A timing violation also gives the latency at the estimated clock. "
        "Without the tool it says which is missing and what would run."
    )

    def add_arguments(self, parser):
        add_config_argument(parser)
        parser.add_argument("--cosim", action="store_true", help="also run RTL co-simulation")
        parser.add_argument("--vivado", action="store_true", help="also run Vivado logic synthesis")

    def run(self, args) -> int:
        from ..core.errors import ToolError
        from ..pipeline.build import build
        from .summary import summary_text

        config = load(args)
        vendor = config.synthesis["vendor"]
        vendor = vendor.model_copy(
            update={
                "run": "auto",
                "cosim": vendor.cosim or args.cosim,
                "vivado_synthesis": vendor.vivado_synthesis or args.vivado,
            }
        )
        config = config.model_copy(update={"synthesis": {**config.synthesis, "vendor": vendor}})
        context, outcomes = build(config, args.config, until="synthesis")
        result = context.results["synthesis"].backends["vendor"]
        if result.status != "done":
            raise ToolError(result.reason)
        print(summary_text(context, outcomes))
        return 0
