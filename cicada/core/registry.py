"""Named extension points, in the style of hls4ml's ``register_backend``.

A :class:`Registry` maps names to entries (a class, a function, a small record). Built-in
entries register themselves when their module is imported; the package that owns the
registry imports its built-in modules, so importing the registry is enough to see them.
A new entry is one new module (or one decorated function) that calls :meth:`Registry.register`.

Listeners (:meth:`Registry.on_change`) hear about every registration: the config schema
uses this to rebuild itself, so ``cicada schema`` and validation see new entries at once.
"""

from __future__ import annotations

import difflib
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered, named collection of entries of one kind (e.g. "signal kind")."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._listeners: list[Callable[[], None]] = []

    def register(self, name: str, entry: T | None = None, *, replace: bool = False):
        """Register ``entry`` under ``name``; without ``entry``, a decorator that registers what it decorates."""
        if entry is None:

            def decorator(item: T) -> T:
                self.register(name, item, replace=replace)
                return item

            return decorator
        if name in self._entries and not replace:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        for listener in list(self._listeners):
            listener()
        return entry

    def register_under(self, *names: str) -> Callable[[T], T]:
        """A decorator that registers what it decorates under each of ``names`` (one rule that
        serves several layer classes, say)."""

        def decorator(item: T) -> T:
            for name in names:
                self.register(name, item)
            return item

        return decorator

    def unregister(self, name: str) -> None:
        """Remove an entry (tests use it to clean up after registering a toy one)."""
        del self._entries[name]
        for listener in list(self._listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def get(self, name: str) -> T:
        """The entry called ``name``; a KeyError that lists the known names and the nearest one."""
        try:
            return self._entries[name]
        except KeyError:
            near = difflib.get_close_matches(name, list(self._entries), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise KeyError(f"unknown {self.kind} {name!r}{hint}; known: {', '.join(self._entries)}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def items(self):
        return self._entries.items()

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
