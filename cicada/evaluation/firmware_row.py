"""A finished build's firmware as one typed row of a comparison of students: what the encoder
trigger (``cicada encoder`` + ``cicada convert --model``) is compared on beside trained students.

:meth:`FirmwareRow.from_report` reads a build's report.json: the AUC per signal of the firmware
score, the efficiency per signal at the 1 kHz working point with its Clopper-Pearson interval, the
LUTs and the latency in bunch crossings of the first synthesis backend that measured them; every
figure the build does not have is None with the reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: the working point of the row's efficiencies
RATE_KHZ = 1.0


@dataclass(frozen=True)
class Efficiency:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class FirmwareRow:
    name: str
    #: how the firmware's types were chosen: "proven exact (QKeras)" or "derived (float model: N proven, M calibrated)"
    types: str
    auc: dict[str, float]
    auc_source: str
    efficiency_1khz: dict[str, Efficiency]
    rate_1khz: float | None
    lut: float | None
    latency_bx: float | None
    sources: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_report(cls, report: dict) -> "FirmwareRow":
        reasons, sources = {}, {}
        float_types = report.get("float_types")
        if float_types:
            labels = [t["label"] for t in float_types["types"]]
            types = (
                f"derived (float model: {labels.count('proven')} proven, "
                f"{sum(label.startswith('calibrated') for label in labels)} calibrated)"
            )
        else:
            types = "proven exact (QKeras)" if report["precision_proof"]["proven"] else "not fully proven (QKeras)"
        if report.get("auc"):
            auc = {name: float(values["firmware"]) for name, values in report["auc"].items()}
            auc_source = "quality stage: firmware score on every test event"
        elif (report.get("bit_accuracy") or {}).get("float_agreement"):
            found = report["bit_accuracy"]["float_agreement"]
            auc = {s["signal"]: float(s["auc_firmware"]) for s in found["signals"]}
            auc_source = f"verify stage: firmware score (emulator library) on the {found['events']:,} test events"
        else:
            auc, auc_source = {}, "none: the build has no quality stage and no agreement figures"
        points = [p for p in report["rates"]["working_points"] if abs(p["target_khz"] - RATE_KHZ) < 1e-9]
        efficiency, rate = {}, None
        if points:
            rate = float(points[0]["rate_khz"])
            efficiency = {
                name: Efficiency(float(e["value"]), float(e["low"]), float(e["high"]))
                for name, e in points[0]["signal_efficiency_interval"].items()
            }
        else:
            reasons["efficiency_1khz"] = f"the build's rates have no {RATE_KHZ:g} kHz working point"
        lut = latency = None
        for backend, figures in (report.get("resources") or {}).items():
            count = figures.get("LUT") if isinstance(figures, dict) else None  # Resources.as_json: counts at the top
            if count is not None:
                lut, sources["lut"] = float(count), f"{backend}: {figures.get('source', '')}"
                break
            reasons["lut"] = "; ".join(
                filter(None, [reasons.get("lut"), f"{backend}: {figures.get('reason', 'no LUT count')}"])
            )
        for backend, figures in (report.get("latency") or {}).items():
            bx = figures.get("bx") if isinstance(figures, dict) else None
            if bx is not None:
                latency, sources["latency_bx"] = float(bx), f"{backend}: {figures.get('source', '')}"
                break
            reasons["latency_bx"] = "; ".join(
                filter(None, [reasons.get("latency_bx"), f"{backend}: {figures.get('reason', 'no latency')}"])
            )
        if lut is not None:
            reasons.pop("lut", None)
        if latency is not None:
            reasons.pop("latency_bx", None)
        return cls(report["name"], types, auc, auc_source, efficiency, rate, lut, latency, sources, reasons)
