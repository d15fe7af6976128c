"""Errors as values: every problem an editor can cause, with where it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SourceError:
    """One problem in a source file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}:{self.column}: error: {self.message}{hint}"

    def github(self) -> str:
        """The same error as a GitHub Actions annotation on the offending line."""
        text = f"{self.message}{f' ({self.hint})' if self.hint else ''}"
        escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::error file={self.path},line={self.line},col={self.column}::{escaped}"


class SourceErrors(Exception):
    """Raised with every error found, so that all of them can be reported at once."""

    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = sorted(set(errors))
