"""Points of a scan that build the same circuit: a key no flow the point runs reads.

Each synthesis backend says what of a config decides the circuit it builds
(``SynthesisBackend.circuit``); a backend runs here when it is not off and its tools are found
(as a build decides). Points whose answers agree for every backend they run build the same circuit,
measured twice: ``hls.reuse_factor`` changes the HLS project, which the vendor flow synthesizes,
but not the RTL flow's circuit, which is traced from the QKeras student. ``cicada scan --check``
warns of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.files import sha256_json
from ..synthesis import BACKENDS, SynthesisJob

if TYPE_CHECKING:
    from .points import ScanPoint


@dataclass(frozen=True)
class SameCircuit:
    """Points that build one circuit in every flow they run."""

    points: tuple[str, ...]
    flows: tuple[str, ...]
    #: the keys whose values differ between them (what the flows do not read)
    keys: tuple[str, ...]

    def message(self, scan_file) -> str:
        return (
            f"warning: {scan_file}: points {', '.join(self.points)} build the same circuit in the flows they run "
            f"here ({', '.join(self.flows)}): they differ only in {', '.join(self.keys)}, which "
            f"{'that flow does' if len(self.flows) == 1 else 'those flows do'} not read"
        )


def flows_run(config) -> list[str]:
    """The synthesis backends a build of ``config`` runs on this machine."""
    running = []
    for name, backend in BACKENDS.items():
        settings = config.synthesis[name]
        if settings.run == "off":
            continue
        job = SynthesisJob(config=config, settings=settings, project_dir=Path("."), model_dir=Path("."))
        if settings.run == "on" or backend.missing(job) is None:
            running.append(name)
    return running


def same_circuits(points: list["ScanPoint"]) -> list[SameCircuit]:
    """Groups of points that build the same circuit in the flows they run (a backend that cannot say
    what its circuit depends on makes every point distinct)."""
    groups: dict[str, list["ScanPoint"]] = {}
    flows: dict[str, tuple[str, ...]] = {}
    for point in points:
        running = tuple(flows_run(point.config))
        circuits = {name: BACKENDS.get(name).circuit(point.config) for name in running}
        if not running or any(circuit is None for circuit in circuits.values()):
            continue
        key = sha256_json(circuits)
        groups.setdefault(key, []).append(point)
        flows[key] = running
    out = []
    for key, members in groups.items():
        if len(members) < 2:
            continue
        names = list(dict.fromkeys(k for p in members for k in p.values))
        differing = [k for k in names if len({repr(p.values.get(k)) for p in members}) > 1]
        out.append(SameCircuit(tuple(p.id for p in members), flows[key], tuple(differing)))
    return out
