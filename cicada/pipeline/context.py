"""Where a build's files live and what its stages have produced so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config.sections import BuildConfig


@dataclass
class BuildContext:
    """One build: its config, its folders and the typed results of the stages run or reused."""

    config: "BuildConfig"
    config_path: Path
    root: Path = field(default_factory=Path.cwd)
    #: stage name -> the stage's typed result (see each stage module)
    results: dict[str, Any] = field(default_factory=dict)
    #: fingerprints of the stages computed so far (a stage's own is set before it runs)
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: a QKeras model trained elsewhere (bring your own), or None
    model_file: Path | None = None

    @property
    def model_dir(self) -> Path:
        return self.root / "models" / self.config.name

    @property
    def data_dir(self) -> Path:
        return self.model_dir / "data"

    @property
    def scores_file(self) -> Path:
        """Every test event's scores (teacher, students, firmware), written by the scores stage."""
        return self.model_dir / "scores.h5"

    @property
    def project_dir(self) -> Path:
        return self.root / "hls_projects" / self.config.name

    def relative(self, path: Path) -> str:
        """``path`` relative to the build's root, as reports show it."""
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
