"""Where a build's files live and what its stages have produced so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config.sections import BuildConfig

#: Stages whose files and stamp a build may borrow from another build's folder (``shared_dir``):
#: a scan's points share one data set and one teacher.
SHAREABLE_STAGES = ("data", "teacher")


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
    #: the build's folder below models/ and hls_projects/ (None: the config's name); a scan
    #: puts each point in ``<scan>/<point>``
    folder: str | None = None
    #: the build folder of another build whose data and teacher stages (files and stamps) this
    #: build uses instead of its own (None: its own); such borrowed stages never run here
    shared_dir: Path | None = None

    @property
    def model_dir(self) -> Path:
        return self.root / "models" / (self.folder or self.config.name)

    def stage_dir(self, stage: str) -> Path:
        """The build folder holding ``stage``'s files and stamp: the shared folder for a borrowed stage."""
        if self.shared_dir is not None and stage in SHAREABLE_STAGES:
            return Path(self.shared_dir)
        return self.model_dir

    def borrows(self, stage: str) -> bool:
        """Whether ``stage`` belongs to the build in ``shared_dir`` (it is reused, never run, here)."""
        return self.stage_dir(stage) != self.model_dir

    @property
    def data_dir(self) -> Path:
        return self.stage_dir("data") / "data"

    @property
    def teacher_dir(self) -> Path:
        """Where the teacher model lives (the shared folder when the teacher is borrowed)."""
        return self.stage_dir("teacher")

    @property
    def scores_file(self) -> Path:
        """Every test event's scores (teacher, students, firmware), written by the scores stage."""
        return self.model_dir / "scores.h5"

    @property
    def project_dir(self) -> Path:
        return self.root / "hls_projects" / (self.folder or self.config.name)

    def relative(self, path: Path) -> str:
        """``path`` relative to the build's root, as reports show it."""
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
