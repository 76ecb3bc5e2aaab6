"""A scan's points: the base config with each point's values, every one validated before anything runs.

A point is identified by its values alone (a hash of the key paths and values), so the same
point keeps its folder, and its finished stages, when the scan file is edited around it.
Points that share their data and teacher settings share one data set and one teacher: the
group's id is a hash of those settings.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigError
from ..core.files import sha256_json
from ..core.seeds import numpy_stream
from .paths import PathError, with_value

if TYPE_CHECKING:
    from ..config.scan import Distribution, ScanConfig
    from ..config.sections import BuildConfig

#: Config sections that decide the shared stages' work (data and teacher).
SHARED_SECTIONS = ("seed", "data", "teacher")
#: The random stream the sample is drawn from (see cicada.core.seeds: a name never changes).
SAMPLE_STREAM = "scan/random_sample"


@dataclass(frozen=True)
class ScanPoint:
    id: str
    #: key path -> value, as the scan file gives them
    values: dict[str, Any]
    config: "BuildConfig"
    #: id of the group of points sharing one data set and one teacher
    shared_id: str

    def label(self) -> str:
        return ", ".join(f"{key}={_short(value)}" for key, value in self.values.items()) or "the base config"


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def point_id(values: dict[str, Any]) -> str:
    """``p`` and 10 hex digits of the hash of the point's values (key order does not matter)."""
    return "p" + sha256_json(sorted(values.items()))[:10]


def shared_id(config: "BuildConfig") -> str:
    """``s`` and 10 hex digits of the hash of what the data and teacher stages depend on in the config
    (each section as stage fingerprints see it)."""

    def hashed(value):
        return value.fingerprint_data() if hasattr(value, "fingerprint_data") else value

    return "s" + sha256_json({key: hashed(getattr(config, key)) for key in SHARED_SECTIONS})[:10]


def grid_values(grid: dict[str, tuple]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the last key varying fastest."""
    keys = list(grid)
    if not keys:
        return []  # (the product of nothing is one empty combination)
    return [dict(zip(keys, combination)) for combination in itertools.product(*(grid[k] for k in keys))]


def draw(distribution: "Distribution", rng) -> Any:
    if distribution.choice is not None:
        return distribution.choice[int(rng.integers(len(distribution.choice)))]
    if distribution.uniform is not None:
        low, high = distribution.uniform
        return float(rng.uniform(low, high))
    if distribution.log_uniform is not None:
        low, high = distribution.log_uniform
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    assert distribution.int_uniform is not None
    low, high = distribution.int_uniform
    return int(rng.integers(low, high + 1))


def random_values(spec: "ScanConfig") -> list[dict[str, Any]]:
    """The seeded random sample: each point draws its keys in the order the file lists them."""
    if spec.random is None:
        return []
    rng = numpy_stream(spec.random.seed, SAMPLE_STREAM)
    return [{key: draw(d, rng) for key, d in spec.random.keys.items()} for _ in range(spec.random.samples)]


def point_config(base: dict, values: dict[str, Any], name: str, source: str) -> "BuildConfig":
    """The validated config of one point: ``base`` (plain data, every default in) with ``values``."""
    from ..config.loader import config_from_mapping

    raw = dict(base)
    for key, value in values.items():
        try:
            raw = with_value(raw, key, value)
        except PathError as err:
            raise ConfigError(f"{source}: key '{key}': {err}") from None
    raw["name"] = name
    return config_from_mapping(raw, source=source)


def expand(spec: "ScanConfig", base: "BuildConfig", scan_file: Path) -> list[ScanPoint]:
    """Every point of the scan (grid, then random sample, then explicit points; repeats once),
    each config validated: the first invalid one is a ConfigError naming the point and the key."""
    plain = base.plain()
    everything = grid_values(dict(spec.grid)) + random_values(spec) + [dict(p) for p in spec.points]
    points: dict[str, ScanPoint] = {}
    for values in everything:
        identifier = point_id(values)
        if identifier in points:
            continue
        shown = ", ".join(f"{k}={_short(v)}" for k, v in values.items())
        config = point_config(plain, values, f"{spec.name}-{identifier}", f"{scan_file}: point {identifier} ({shown})")
        if spec.pareto.rate_khz not in config.rates.target_rates_khz:
            raise ConfigError(
                f"{scan_file}: point {identifier} ({shown}): key 'pareto.rate_khz': expected one of the point's "
                f"rates.target_rates_khz ({', '.join(f'{r:g}' for r in config.rates.target_rates_khz)}), got "
                f"{spec.pareto.rate_khz:g}"
            )
        points[identifier] = ScanPoint(identifier, values, config, shared_id(config))
    return list(points.values())
