"""Reading a YAML build config into a validated :class:`~cicada.config.sections.BuildConfig`.

A config is a small text file a person writes, so anything else is refused early, with one
line that says what is wrong, in bounded time and memory:

* not a readable text file (a folder, a FIFO, binary, not UTF-8) or larger than
  :data:`MAX_BYTES`;
* empty, or comments only (a build of every default is 100,000 events: say so instead);
* invalid YAML (with line and column), nested deeper than :data:`MAX_DEPTH`, or expanding
  through aliases to more than :data:`MAX_VALUES` values (an "anchor bomb");
* a key given twice in one mapping (YAML would silently keep the last).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..core.errors import ConfigError
from ..core.files import check_regular_file
from .messages import first_error
from .sections import BuildConfig

MAX_BYTES = 1 << 20
MAX_DEPTH = 40
MAX_VALUES = 100_000


class _Refused(Exception):
    """A YAML document refused before it is built into Python objects."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys (a key written twice; a key that overrides
    one merged in with ``<<: *anchor`` is what merge keys are for)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise _Refused(
                    f"key {key!r} appears twice in one mapping (lines {seen[key].start_mark.line + 1} and "
                    f"{key_node.start_mark.line + 1}); keep one"
                )
            if isinstance(key, (str, int, float, bool)):
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _check_shape(root) -> None:
    """Depth and expanded size of a composed YAML node graph (aliases counted every time they are used)."""
    sizes: dict[int, int] = {}
    stack = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep; a config is a few levels of sections and lists")
        children = (
            [child for pair in node.value for child in pair]
            if isinstance(node, yaml.MappingNode)
            else node.value
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_VALUES:
                raise _Refused(
                    f"expands to more than {MAX_VALUES:,} values (YAML anchors and aliases repeating one another?)"
                )
            continue
        if id(node) in sizes:
            continue
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in sizes)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``, or a ConfigError naming the file and what is wrong."""
    path = Path(path)
    info = check_regular_file(path, ConfigError, "a YAML config file", missing="config file not found")
    if info.st_size > MAX_BYTES:
        raise ConfigError(f"{path}: {info.st_size:,} bytes, expected a config file under {MAX_BYTES:,} bytes")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config file ({err.strerror})") from None
    if b"\0" in data:
        raise ConfigError(f"{path}: binary data, expected a YAML text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start}), expected a YAML text file") from None
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(
                f"{path}: empty (or only comments); expected at least a name or one section (data, teacher, student, "
                "hls, ...). `cicada schema` lists every key"
            )
        _check_shape(root)
        return loader.construct_document(root)
    except _Refused as err:
        raise ConfigError(f"{path}: {err}") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: nested too deeply to read; a config is a few levels of sections and lists"
        ) from None
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise ConfigError(f"{path}: not valid YAML{at}: {getattr(err, 'problem', None) or err}") from None
    finally:
        loader.dispose()


def load_config(path: str | Path) -> BuildConfig:
    """Read and validate a YAML build config; errors name the file, the key and what was expected."""
    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (data, teacher, ...), got {type(raw).__name__}")
    raw = dict(raw)
    raw.setdefault("name", path.stem)
    return config_from_mapping(raw, source=str(path))


def config_from_mapping(raw: dict[str, Any], source: str = "<config>") -> BuildConfig:
    """Validate a config given as a mapping (``source`` names it in errors)."""
    bad_keys = [key for key in raw if not isinstance(key, str)]
    if bad_keys:
        raise ConfigError(f"{source}: key {bad_keys[0]!r}: expected a name (text), got {type(bad_keys[0]).__name__}")
    try:
        return BuildConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{source}: {first_error(err, BuildConfig.model_json_schema(), raw)}") from None
