"""The config schema for people (``cicada schema``) and for editors (``cicada schema --json``).

Both come from the one JSON Schema pydantic derives from the sections, so the reference
can never disagree with what the loader accepts.
"""

from __future__ import annotations

import json
from typing import Any

from .sections import BuildConfig

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def json_schema(scan: bool = False) -> dict:
    """The JSON Schema of a build config, or of a scan file with ``scan`` (YAML editors with a JSON
    Schema plug-in validate and complete with it)."""
    if scan:
        from .scan import ScanConfig

        return {"$schema": SCHEMA_URI, "$id": "cicada-scan", **ScanConfig.model_json_schema()}
    schema = BuildConfig.model_json_schema()
    return {"$schema": SCHEMA_URI, "$id": "cicada-build-config", **schema}


def schema_reference(scan: bool = False) -> str:
    """Every config key (of a scan file with ``scan``) with its type, constraints, default and meaning,
    indented by nesting."""
    schema = json_schema(scan)
    return "\n".join(_Describer(schema.get("$defs", {})).model(schema, 0))


class _Describer:
    def __init__(self, definitions: dict):
        self.definitions = definitions

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.definitions[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def model(self, node: dict, depth: int, skip: tuple[str, ...] = ()) -> list[str]:
        node = self.resolve(node)
        lines: list[str] = []
        required = set(node.get("required", ()))
        for key, field in node.get("properties", {}).items():
            if key in skip:
                continue
            doc = field.get("description") or " ".join(self.resolve(field).get("description", "").split())
            lines.append("  " * depth + f"{key}: {doc} [{self.details(field, key in required)}]")
            lines.extend(self.nested(field, depth + 1))
        return lines

    def nested(self, field: dict, depth: int) -> list[str]:
        """Keys below a field: a section's, a list's entries', or each kind of a tagged union's."""
        for branch in [field, *field.get("anyOf", [])]:
            branch = self.resolve(branch)
            inner = branch.get("items") or (
                branch.get("additionalProperties") if isinstance(branch.get("additionalProperties"), dict) else None
            )
            target = self.resolve(inner) if inner else branch
            if "discriminator" in target:
                return self.union(target, depth)
            if target.get("properties"):
                return self.model(target, depth)
        return []

    def union(self, node: dict, depth: int) -> list[str]:
        tag = node["discriminator"]["propertyName"]
        lines = []
        for name, ref in node["discriminator"]["mapping"].items():
            member = self.resolve({"$ref": ref})
            doc = " ".join(member.get("description", "").split())
            lines.append("  " * depth + f"{tag} {name}: {doc}")
            lines.extend(self.model(member, depth + 1, skip=(tag,)))
        return lines

    def details(self, field: dict, required: bool) -> str:
        parts = [self.type_name(field)]
        for key, symbol in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<")):
            if key in field:
                parts.append(f"{symbol} {field[key]}")
        if "pattern" in field:
            parts.append(f"matching {field['pattern'].strip('^$')}")
        if required:
            parts.append("required")
        elif "default" in field and not isinstance(field["default"], dict):
            parts.append(f"default {_show(field['default'])}")
        return "; ".join(parts)

    def type_name(self, field: dict) -> str:
        field = self.resolve(field)
        if "anyOf" in field:
            names = [self.type_name(b) for b in field["anyOf"] if b.get("type") != "null"]
            nullable = any(b.get("type") == "null" for b in field["anyOf"])
            return " or ".join(names) + (" or null" if nullable else "")
        if "enum" in field:
            return "one of " + ", ".join(str(v) for v in field["enum"])
        if "const" in field:
            return repr(field["const"])
        kind = field.get("type")
        if kind == "array":
            items = self.resolve(field.get("items", {}))
            if "discriminator" in items or not items:
                return "a list"
            return "a list of " + _plural(self.type_name(items))
        return {
            "integer": "an integer",
            "number": "a number",
            "string": "a string",
            "boolean": "true or false",
            "object": "a mapping",
        }.get(str(kind), "a value")


def _plural(name: str) -> str:
    """'an integer' -> 'integers', 'one of a, b' stays, 'a string' -> 'strings'."""
    for article in ("an ", "a "):
        if name.startswith(article):
            return name[len(article) :] + "s"
    return name


def _show(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
