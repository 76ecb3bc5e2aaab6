"""One line per config mistake: pydantic's validation errors in cicada's words.

The line names the dotted key (``data.signals[0].mass_gev``), what was expected and what
was found, e.g. ``key 'teacher.epochs': expected a value >= 1, got 0``. Where a key is
unknown it suggests the nearest allowed one. Keys are located with the JSON Schema of
the config, so the messages follow every section and plug-in without a list of their own.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import ValidationError

from .model import choice_message, show

_TYPE_NAMES = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}


def dotted(loc: tuple) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


class _SchemaWalker:
    """Follows an error location through the JSON Schema and the raw input side by side."""

    def __init__(self, schema: dict):
        self.definitions = schema.get("$defs", {})
        self.root = schema

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.definitions[node["$ref"].rsplit("/", 1)[-1]]
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.resolve(node["allOf"][0])
        if "anyOf" in node:  # Optional[X]: the non-null branch
            branches = [b for b in node["anyOf"] if b.get("type") != "null"]
            if len(branches) == 1:
                return self.resolve(branches[0])
        return node

    def pick_member(self, node: dict, raw: Any) -> dict:
        """The member of a tagged union that the raw value's tag selects."""
        discriminator = node.get("discriminator")
        if not discriminator or not isinstance(raw, dict):
            return node
        target = discriminator["mapping"].get(raw.get(discriminator["propertyName"]))
        return self.resolve({"$ref": target}) if target else node

    def walk(self, loc: tuple, raw: Any) -> tuple[tuple, dict | None, Any]:
        """(location without union tags, schema node at the location, raw value there)."""
        node: dict | None = self.resolve(self.root)
        clean: list = []
        for part in loc:
            if node is None:
                clean.append(part)
                continue
            node = self.pick_member(node, raw)
            if isinstance(part, int):
                items = node.get("items")
                node = self.resolve(items) if isinstance(items, dict) else None
                raw = raw[part] if isinstance(raw, (list, tuple)) and part < len(raw) else None
                clean.append(part)
                continue
            properties = node.get("properties", {})
            if part in properties:
                node = self.resolve(properties[part])
            elif isinstance(node.get("additionalProperties"), dict):
                node = self.resolve(node["additionalProperties"])
            elif "discriminator" in node or (isinstance(raw, dict) and part not in raw):
                continue  # a union tag pydantic puts in the location: not a key of the file
            else:
                node = None
            raw = raw.get(part) if isinstance(raw, dict) else None
            clean.append(part)
        if node is not None:
            node = self.pick_member(node, raw)
        return tuple(clean), node, raw


def _expected_of(node: dict | None) -> str:
    if not node:
        return "a value"
    if "enum" in node:
        return "one of " + ", ".join(repr(v) for v in node["enum"])
    kind = node.get("type")
    return {
        "integer": "an integer",
        "number": "a number",
        "string": "a string",
        "boolean": "true or false",
        "array": "a list",
        "object": "a mapping",
    }.get(str(kind), "a value")


def describe(error: dict, walker: _SchemaWalker, raw: Any) -> str:
    """One error as ``key '...': message``."""
    kind, ctx = error["type"], error.get("ctx") or {}
    loc, node, here = walker.walk(tuple(error["loc"]), raw)
    got = error.get("input")
    if kind == "cicada":
        message = ctx["message"]
    elif kind == "cicada_at":
        loc = (*loc, *[int(p) if p.isdigit() else p for p in ctx["key"].split(".")])
        message = ctx["message"]
    elif kind == "extra_forbidden":
        parent_loc, parent, _ = walker.walk(tuple(error["loc"][:-1]), raw)
        allowed = list((parent or {}).get("properties", {}))
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        message = f"unknown key{hint} (allowed here: {', '.join(allowed)})"
    elif kind == "missing":
        doc = (node or {}).get("description", "")
        message = f"missing; expected {_expected_of(node)}" + (f": {doc}" if doc else "")
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        field = ctx.get("discriminator", "'kind'").strip("'")
        expected = ctx.get("expected_tags") or ", ".join(
            repr(k) for k in (node or {}).get("discriminator", {}).get("mapping", {})
        )
        loc = (*loc, field)
        if kind == "union_tag_not_found":
            message = f"missing; expected one of {expected}"
        else:
            tags = [t.strip().strip("'") for t in expected.split(",")]
            near = difflib.get_close_matches(str(ctx.get("tag")), tags, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            message = f"expected one of {expected}, got {show(ctx.get('tag'))}{hint}"
    elif kind == "literal_error":
        choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        message = choice_message(got, choices)
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        relation = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        message = f"expected a value {relation} {bound}, got {show(got)}"
    elif kind == "string_pattern_mismatch":
        message = f"expected a string matching {ctx['pattern'].strip('^$')}, got {show(got)}"
    elif kind in ("too_short", "too_long"):
        message = f"expected {error['msg'].lower().removeprefix('value should have ')}, got {show(got)}"
    elif kind in _TYPE_NAMES:
        message = f"expected {_TYPE_NAMES[kind]}, got {show(got)}"
    else:
        message = error["msg"].removeprefix("Value error, ")
    key = dotted(loc)
    return _one_line(f"key '{key}': {message}" if key else message)


def _one_line(text: str) -> str:
    """Control characters (a newline inside a key, say) written as escapes: an error stays one line."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def first_error(error: ValidationError, schema: dict, raw: Any) -> str:
    """The first of pydantic's errors, in cicada's words (one mistake at a time, like a compiler)."""
    walker = _SchemaWalker(schema)
    return describe(dict(error.errors(include_url=False)[0]), walker, raw)
