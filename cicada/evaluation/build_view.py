"""What the evaluation reads of a build: the attributes of a build's context it uses.

The evaluation sits below the pipeline (docs/architecture.md), so it does not import the
pipeline's :class:`~cicada.pipeline.context.BuildContext`; it names what it reads of one here,
and a ``BuildContext`` is such a view.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config.sections import BuildConfig


class BuildView(Protocol):
    """A build's config, its folders and the typed results of its stages (stage name -> result)."""

    config: BuildConfig
    config_path: Path
    root: Path
    results: dict[str, Any]

    @property
    def model_dir(self) -> Path: ...

    @property
    def project_dir(self) -> Path: ...
