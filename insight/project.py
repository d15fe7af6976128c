"""Where things live in a checkout: sources, assets and outputs."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from insight.errors import SourceError, SourceErrors

if TYPE_CHECKING:
    from insight.catalogue import Catalogue, Parsed

GIT_SECONDS = 60


def untold(why: str) -> SourceError:
    return SourceError(
        "build",
        1,
        1,
        f"git could not say which files under build/ it tracks: {why}",
        "the build trusts build/ only when git says no commit brought any of it",
    )


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

    def refuse_tracked_cache(self) -> None:
        """`refuse_tracked_outputs`, where there is a build cache to trust or not."""
        if self.cache_dir.is_dir():
            self.refuse_tracked_outputs()

    def refuse_tracked_outputs(self) -> None:
        """Raise `SourceErrors` naming each file under build/ that git tracks, or saying that
        git could not tell.

        A build trusts what it finds there: the keys its outputs were made from, pandoc's
        answers and the pages it reuses. A commit that brought any could have the site
        publish what no source says, so outputs and caches are never taken from one. Git
        is asked about this checkout only (none of the GIT_* variables a hook or a shell
        may have set), whoever owns it, and about build/ in any letter case.
        """
        command = [
            *("git", "-c", "safe.directory=*", "-c", "core.fsmonitor=false"),
            *("-C", str(self.root), "ls-files", "-z", "--", ":(icase)build"),
        ]
        clean = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
        try:
            listed = subprocess.run(command, capture_output=True, timeout=GIT_SECONDS, env=clean)
        except FileNotFoundError:  # no git here: no commit to bring anything either
            return
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SourceErrors([untold(f"git did not answer ({exc})")]) from None
        said = listed.stderr.decode(errors="replace").strip()
        if listed.returncode == 128 and "not a git repository" in said:
            return
        if listed.returncode != 0:
            raise SourceErrors([untold(said.splitlines()[0] if said else "git failed")])
        errors = [
            SourceError(
                name,
                1,
                1,
                "is tracked by git, but build/ holds only what the build makes",
                "remove it from the repository: git rm -r --cached build",
            )
            for name in listed.stdout.decode(errors="replace").split("\0")
            if name
        ]
        if errors:
            raise SourceErrors(errors)

    @property
    def sources_cache(self) -> Path | None:
        """What loading keeps of each source: its plain data, pandoc's answers for its
        Markdown and its formatted references (see `load_catalogue`)."""
        return self.cache_dir / "sources" if self.cache_dir.is_dir() else None

    def sources(self) -> list[Path]:
        from insight.catalogue import source_files  # see insight.cli: loaded when first needed

        return source_files(self.briefings)

    def load(self, parsed: Parsed | None = None) -> Catalogue:
        """The validated catalogue; raises `SourceErrors` listing every problem, and refuses
        a build cache that a commit brought (see `refuse_tracked_outputs`). `parsed`: the
        sources an earlier load parsed (see `Parsed`)."""
        from insight.catalogue import load_catalogue

        self.refuse_tracked_cache()
        return load_catalogue(
            self.sources(), self.images, base=self.root, cache=self.sources_cache, parsed=parsed
        )

    def check(self, files: list[Path]) -> Catalogue | None:
        """Validate `files` against the rest of the collection, reporting errors in `files` only;
        the catalogue, or None when only other files have errors.

        An editor checking the one file they changed still gets its references to
        other briefings resolved, without being shown other people's problems.
        """
        from insight.catalogue import display_path, load_catalogue

        given = {f.resolve() for f in files}
        context = [f for f in self.sources() if f.resolve() not in given]
        self.refuse_tracked_cache()  # its answers would pass what `build` refuses
        try:
            return load_catalogue(
                [*files, *context], self.images, base=self.root, cache=self.sources_cache
            )
        except SourceErrors as exc:
            shown = {display_path(f, self.root) for f in files}
            if mine := [e for e in exc.errors if e.path in shown]:
                raise SourceErrors(mine) from None
        return None
