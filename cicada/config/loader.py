"""Reading a YAML build config into a validated :class:`~cicada.config.sections.BuildConfig`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..core.errors import ConfigError
from .messages import first_error
from .sections import BuildConfig


def load_config(path: str | Path) -> BuildConfig:
    """Read and validate a YAML build config; errors name the file, the key and what was expected."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config file ({err.strerror})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise ConfigError(f"{path}: not valid YAML{at}: {getattr(err, 'problem', err)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (data, teacher, ...), got {type(raw).__name__}")
    raw = dict(raw)
    raw.setdefault("name", path.stem)
    return config_from_mapping(raw, source=str(path))


def config_from_mapping(raw: dict[str, Any], source: str = "<config>") -> BuildConfig:
    """Validate a config given as a mapping (``source`` names it in errors)."""
    try:
        return BuildConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{source}: {first_error(err, BuildConfig.model_json_schema(), raw)}") from None
