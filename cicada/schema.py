"""A small typed-schema engine: YAML mappings -> frozen dataclasses, with clear errors.

The config sections in :mod:`cicada.config` are plain dataclasses whose fields carry
their documentation and constraints in ``field(metadata=...)`` (built by :func:`option`).
:func:`parse` walks a dataclass against a raw mapping and raises :class:`SchemaError`
naming the dotted key and what was expected; :func:`describe` renders the same
dataclasses as reference documentation, so the schema is described in one place only.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from dataclasses import MISSING, dataclass
from typing import Any, Callable


@dataclass
class SchemaError(Exception):
    """A value that does not fit the schema; ``key`` is the dotted path to it."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"key '{self.key}': {self.message}" if self.key else self.message


def option(
    doc: str,
    default: Any = MISSING,
    *,
    choices: tuple | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    pattern: str | None = None,
    check: Callable[[Any], str | None] | None = None,
    hidden: bool = False,
) -> Any:
    """A dataclass field with its documentation and constraints.

    ``check`` receives the parsed value and returns an error message (what was
    expected) or None. Mutable defaults (lists, dicts, dataclasses) are copied per
    instance.
    """
    meta = {
        "doc": doc,
        "choices": choices,
        "minimum": minimum,
        "maximum": maximum,
        "exclusive_minimum": exclusive_minimum,
        "pattern": pattern,
        "check": check,
        "hidden": hidden,  # documented elsewhere (e.g. by the class's describe_extra)
    }
    if default is MISSING:
        return dataclasses.field(metadata=meta)
    if isinstance(default, (list, dict, tuple)) or dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: _copy(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _copy(value: Any) -> Any:
    if isinstance(value, (list, tuple)):  # list-valued keys are parsed as tuples
        return tuple(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _join(prefix: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    if origin in (list, tuple):
        return f"a list of {_type_name(typing.get_args(tp)[0])[2:]}s"
    if origin is dict:
        return "a mapping"
    if _is_optional(tp):
        return _type_name(_strip_optional(tp)) + " or null"
    return "see below"


def _is_optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp)


def _strip_optional(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_value(tp: Any, raw: Any, key: str) -> Any:
    """Convert ``raw`` (from YAML) to type ``tp`` or raise SchemaError at ``key``."""
    if _is_optional(tp):
        return None if raw is None else parse_value(_strip_optional(tp), raw, key)
    if dataclasses.is_dataclass(tp):
        return parse(tp, raw, key)
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        (item_tp, *_) = typing.get_args(tp)
        if not isinstance(raw, (list, tuple)):
            raise SchemaError(key, f"expected {_type_name(tp)}, got {_show(raw)}")
        items = [parse_value(item_tp, item, _join(key, i)) for i, item in enumerate(raw)]
        return tuple(items)
    if origin is dict:
        key_tp, value_tp = typing.get_args(tp)
        if not isinstance(raw, dict):
            raise SchemaError(key, f"expected a mapping, got {_show(raw)}")
        return {str(k): parse_value(value_tp, v, _join(key, k)) for k, v in raw.items()}
    if tp is bool:
        if not isinstance(raw, bool):
            raise SchemaError(key, f"expected true or false, got {_show(raw)}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, float) and raw.is_integer():
                return int(raw)
            raise SchemaError(key, f"expected an integer, got {_show(raw)}")
        return raw
    if tp is float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            # YAML 1.1 reads "1e-3" (no dot) as a string; accept what is clearly a number.
            if isinstance(raw, str) and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", raw.strip()):
                return float(raw)
            raise SchemaError(key, f"expected a number, got {_show(raw)}")
        return float(raw)
    if tp is str:
        if not isinstance(raw, str):
            raise SchemaError(key, f"expected a string, got {_show(raw)}")
        return raw
    raise TypeError(f"schema type {tp!r} at {key} is not supported")  # a bug in the schema


def _check_constraints(meta: dict, value: Any, key: str) -> None:
    if value is None:
        return
    values = value if isinstance(value, tuple) else (value,)
    for v in values:
        if meta.get("choices") is not None and v not in meta["choices"]:
            choices = ", ".join(repr(c) for c in meta["choices"])
            near = difflib.get_close_matches(str(v), [str(c) for c in meta["choices"]], n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise SchemaError(key, f"expected one of {choices}, got {_show(v)}{hint}")
        low, high = meta.get("minimum"), meta.get("maximum")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if low is not None and (v <= low if meta.get("exclusive_minimum") else v < low):
                relation = ">" if meta.get("exclusive_minimum") else ">="
                raise SchemaError(key, f"expected a value {relation} {low}, got {_show(v)}")
            if high is not None and v > high:
                raise SchemaError(key, f"expected a value <= {high}, got {_show(v)}")
        if meta.get("pattern") is not None and isinstance(v, str) and not re.fullmatch(meta["pattern"], v):
            raise SchemaError(key, f"expected a string matching {meta['pattern']}, got {_show(v)}")
    if meta.get("check") is not None:
        problem = meta["check"](value)
        if problem:
            raise SchemaError(key, f"expected {problem}, got {_show(value)}")


def parse(cls: type, raw: Any, key: str = "") -> Any:
    """Build dataclass ``cls`` from the mapping ``raw``; unknown keys are errors.

    A dataclass may define ``validate(self) -> None`` raising SchemaError with a key
    relative to itself, for rules that involve several fields.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SchemaError(key, f"expected a mapping of keys to values, got {_show(raw)}")
    hook = getattr(cls, "from_mapping", None)
    if hook is not None:
        return hook(raw, key)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in raw:
        if name not in fields:
            near = difflib.get_close_matches(str(name), list(fields), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise SchemaError(_join(key, name), f"unknown key{hint} (allowed here: {', '.join(fields)})")
    hints = typing.get_type_hints(cls)
    values = {}
    for name, f in fields.items():
        sub = _join(key, name)
        if name in raw:
            value = parse_value(hints[name], raw[name], sub)
            _check_constraints(f.metadata, value, sub)
            values[name] = value
        elif f.default is MISSING and f.default_factory is MISSING:
            raise SchemaError(sub, f"missing; expected {_type_name(hints[name])}: {f.metadata.get('doc', '')}")
    obj = cls(**values)
    validate = getattr(obj, "validate", None)
    if validate is not None:
        try:
            validate()
        except SchemaError as err:
            raise SchemaError(_join(key, err.key) if err.key else key, err.message) from None
    return obj


def to_plain(obj: Any) -> Any:
    """A dataclass tree as plain dicts/lists (for JSON, YAML and hashing)."""
    if dataclasses.is_dataclass(obj):
        plain = getattr(obj, "to_mapping", None)
        if plain is not None:
            return plain()
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    return obj


def describe(cls: type, indent: int = 0) -> list[str]:
    """Reference documentation lines for dataclass ``cls`` (used by ``cicada schema``)."""
    lines: list[str] = []
    hints = typing.get_type_hints(cls)
    pad = "  " * indent
    for f in dataclasses.fields(cls):
        meta = f.metadata
        tp = hints[f.name]
        if meta.get("hidden"):
            continue
        if f.default is not MISSING:
            default = f"default {to_plain(f.default)!r}"
        elif f.default_factory is not MISSING:
            default = None if dataclasses.is_dataclass(tp) else f"default {to_plain(f.default_factory())!r}"
        else:
            default = "required"
        details = [_type_name(tp)]
        if meta.get("choices"):
            details.append("one of " + ", ".join(str(c) for c in meta["choices"]))
        if meta.get("minimum") is not None:
            details.append((">" if meta.get("exclusive_minimum") else ">=") + f" {meta['minimum']}")
        if meta.get("maximum") is not None:
            details.append(f"<= {meta['maximum']}")
        if default:
            details.append(default)
        lines.append(f"{pad}{f.name}: {meta.get('doc', '')} [{'; '.join(details)}]")
        inner = _strip_optional(tp) if _is_optional(tp) else tp
        if typing.get_origin(inner) in (list, tuple, dict):
            inner = typing.get_args(inner)[-1 if typing.get_origin(inner) is dict else 0]
        if dataclasses.is_dataclass(inner):
            extra = getattr(inner, "describe_extra", None)
            lines.extend(describe(inner, indent + 1))
            if extra is not None:
                lines.extend(extra(indent + 1))
    return lines
