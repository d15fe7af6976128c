"""Where things live in a checkout: sources, assets and outputs."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from insight.catalogue import Catalogue, display_path, load_catalogue, source_files
from insight.errors import SourceError, SourceErrors

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

    def output_dir(self, key: str) -> Path:
        """Where the files of one download format are built (see insight.outputs)."""
        return self.root / "build" / key

    @property
    def pdf_dir(self) -> Path:
        return self.output_dir("pdf")

    @property
    def cache_dir(self) -> Path:
        """Keys of the outputs last built and pandoc's answers: safe to delete, never published.

        `build.py build`, `pdf` and `serve` create it (a preview rereads every source at each
        save); a plain `mkdocs build` or `check` uses it only if it exists, so that they leave
        nothing behind in a folder never built.
        """
        return self.root / "build" / ".cache"

    def refuse_tracked_outputs(self) -> None:
        """Raise `SourceErrors` naming each file under build/ that git tracks.

        A build trusts what it finds there: the keys its outputs were made from, pandoc's
        answers and the pages it reuses. A commit that brought any could have the site
        publish what no source says, so outputs and caches are never taken from one.
        """
        try:
            listed = subprocess.run(
                ["git", "-C", str(self.root), "ls-files", "-z", "--", "build"],
                capture_output=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):  # no git, or a checkout it cannot read
            return
        tracked = (
            listed.stdout.decode(errors="replace").split("\0") if listed.returncode == 0 else []
        )
        errors = [
            SourceError(
                name,
                1,
                1,
                "is tracked by git, but build/ holds only what the build makes",
                "remove it from the repository: git rm -r --cached build",
            )
            for name in tracked
            if name
        ]
        if errors:
            raise SourceErrors(errors)

    @property
    def markdown_cache(self) -> Path | None:
        return self.cache_dir / "markdown" if self.cache_dir.is_dir() else None

    def sources(self) -> list[Path]:
        return source_files(self.briefings)

    def load(self) -> Catalogue:
        """The validated catalogue; raises `SourceErrors` listing every problem."""
        return load_catalogue(
            self.sources(), self.images, base=self.root, cache=self.markdown_cache
        )

    def check(self, files: list[Path]) -> Catalogue | None:
        """Validate `files` against the rest of the collection, reporting errors in `files` only;
        the catalogue, or None when only other files have errors.

        An editor checking the one file they changed still gets its references to
        other briefings resolved, without being shown other people's problems.
        """
        given = {f.resolve() for f in files}
        context = [f for f in self.sources() if f.resolve() not in given]
        try:
            return load_catalogue(
                [*files, *context], self.images, base=self.root, cache=self.markdown_cache
            )
        except SourceErrors as exc:
            shown = {display_path(f, self.root) for f in files}
            if mine := [e for e in exc.errors if e.path in shown]:
                raise SourceErrors(mine) from None
        return None
