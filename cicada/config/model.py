"""The vocabulary of the config schema: a base model and field types with cicada's rules.

Config sections are pydantic v2 models (:class:`ConfigModel`): frozen, unknown keys
rejected. The scalar types here are stricter than pydantic's defaults where YAML makes
mistakes easy (a ``true`` is not a number, ``"5"`` is not an integer, ``.nan`` is not a
learning rate) and looser where YAML is at fault (``1e-3`` without a dot is a string in
YAML 1.1 but clearly a number). Every rejection carries its own message in cicada's words
("expected ..., got ..."); :mod:`cicada.config.messages` turns it into one line.

Extension points plug into the schema through :class:`TaggedUnion` (a list entry whose
``kind``/``type``/``backend`` key picks the model from a registry) and :class:`OneOf`
(a string that must name a registry entry). Both read the registry when the schema is
built, and :func:`rebuild_on_change` rebuilds the models that use them when it changes.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Callable, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from ..core.registry import Registry

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
IDENTIFIER_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"


class ConfigModel(BaseModel):
    """Base of every config section: frozen, unknown keys are errors, docs in field descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False, use_attribute_docstrings=False)

    #: Keys of this section left out of :meth:`fingerprint_data` while at their default: keys added
    #: after builds were made with the section, so those builds' stages hash as they did.
    fingerprint_omits_defaults: ClassVar[tuple[str, ...]] = ()

    def plain(self) -> dict:
        """The section as plain data (for YAML, JSON and hashing), with every default filled in."""
        return self.model_dump(mode="json")

    def fingerprint_data(self) -> dict:
        """:meth:`plain` without the keys of :attr:`fingerprint_omits_defaults` that are at their
        default: what a stage fingerprint hashes of the section."""
        data = self.plain()
        for key in self.fingerprint_omits_defaults:
            if getattr(self, key) == type(self).model_fields[key].default:
                del data[key]
        return data


def show(value: Any) -> str:
    """A value as it appears in an error message (shortened)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def invalid(message: str, key: str | None = None) -> PydanticCustomError:
    """An error in cicada's words; ``key`` (relative to where it is raised) points below that place."""
    if key:
        return PydanticCustomError("cicada_at", "{message}", {"message": message, "key": key})
    return PydanticCustomError("cicada", "{message}", {"message": message})


# ----------------------------------------------------------------------------- scalars
def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(f"expected an integer, got {show(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise invalid(f"expected an integer, got {show(value)}")
    return int(value)


_NUMBER_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _number(value: Any) -> float:
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads 1e-3 (no dot) as a string
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(f"expected a number, got {show(value)}")
    if not math.isfinite(value):
        raise invalid(f"expected a finite number, got {show(value)}")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid(f"expected a string, got {show(value)}")
    return value


def _precision(value: Any) -> str:
    from ..core.fixedpoint import validate_precision

    problem = validate_precision(_text(value))
    if problem:
        raise invalid(f"expected {problem}, got {show(value)}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"expected true or false, got {show(value)}")
    return value


Precision = Annotated[str, BeforeValidator(_precision)]
Integer = Annotated[int, BeforeValidator(_integer)]
Number = Annotated[float, BeforeValidator(_number)]
Text = Annotated[str, BeforeValidator(_text)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Name = Annotated[str, BeforeValidator(_text), Field(pattern=f"^{NAME_PATTERN}$")]
Identifier = Annotated[str, BeforeValidator(_text), Field(pattern=f"^{IDENTIFIER_PATTERN}$")]


def choice_message(value: Any, choices: tuple | list) -> str:
    """ "expected one of 'a', 'b', got 'c'" with the nearest choice suggested."""
    import difflib

    listed = ", ".join(repr(c) for c in choices)
    near = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return f"expected one of {listed}, got {show(value)}{hint}"


# ------------------------------------------------------------------ extension points
class OneOf:
    """``Annotated[str, OneOf(names)]``: a string that must be one of ``names``, a registry or a
    function returning the names, read when a value is checked (so a registry may grow)."""

    def __init__(self, names: "Registry | Callable[[], tuple[str, ...]]"):
        self.names = names

    def choices(self) -> tuple[str, ...]:
        return self.names.names() if isinstance(self.names, Registry) else tuple(self.names())

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def check(value: Any) -> str:
            if not isinstance(value, str) or value not in self.choices():
                raise invalid(choice_message(value, self.choices()))
            return value

        return core_schema.no_info_plain_validator_function(
            check, serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v)
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> dict:
        return {"type": "string", "enum": list(self.choices())}


class TaggedUnion:
    """``Annotated[Base, TaggedUnion(registry, "kind", model_of)]``: a value validated by the
    model that ``registry`` holds under its ``discriminator`` key.

    ``model_of(entry)`` gives the config model of a registry entry; each such model declares
    ``<discriminator>: Literal["<name>"]``.
    """

    def __init__(self, registry: Registry, discriminator: str, model_of: Callable[[Any], type[BaseModel]]):
        self.registry = registry
        self.discriminator = discriminator
        self.model_of = model_of

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        choices = {name: handler.generate_schema(self.model_of(entry)) for name, entry in self.registry.items()}
        return core_schema.tagged_union_schema(choices, discriminator=self.discriminator)


_DEPENDENT_MODELS: list[type[BaseModel]] = []


def rebuild_on_change(*registries: Registry) -> Callable[[type[BaseModel]], type[BaseModel]]:
    """Class decorator: rebuild this model (and every model registered after it, i.e. those
    that contain it) whenever one of ``registries`` changes."""

    def decorator(model: type[BaseModel]) -> type[BaseModel]:
        _DEPENDENT_MODELS.append(model)
        for registry in registries:
            registry.on_change(_rebuild_all)
        return model

    return decorator


def _rebuild_all() -> None:
    # inner models first: an outer model's validator embeds its inner models' schemas
    for model in _DEPENDENT_MODELS:
        model.model_rebuild(force=True)


def option(doc: str, default: Any = ..., **constraints: Any) -> Any:
    """A field with its documentation (shown by ``cicada schema`` and the JSON Schema).

    ``default_factory`` (in ``constraints``) replaces ``default`` for defaults computed when
    a config is read (e.g. from a registry that may have grown since)."""
    if "default_factory" in constraints:
        return Field(description=doc, **constraints)
    return Field(default, description=doc, **constraints)
