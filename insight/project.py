"""Where things live in a checkout: sources, assets and outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from insight.catalogue import Catalogue, load_catalogue, source_files

PACKAGE = Path(__file__).parent
ASSETS = PACKAGE / "assets"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def briefings(self) -> Path:
        return self.root / "briefings"

    @property
    def images(self) -> Path:
        return self.briefings / "images"

    @property
    def schema(self) -> Path:
        return self.briefings / "briefing.schema.json"

    @property
    def pdf_dir(self) -> Path:
        return self.root / "build" / "pdf"

    def sources(self) -> list[Path]:
        return source_files(self.briefings)

    def load(self, files: list[Path] | None = None) -> Catalogue:
        """The validated catalogue; raises `SourceErrors` listing every problem."""
        return load_catalogue(files or self.sources(), self.images, base=self.root)
