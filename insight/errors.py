"""Errors as values: every problem an editor can cause, with where it is."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

ECHO_LIMIT = 60
SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Control, format (bidi overrides, zero-width), line and paragraph separator characters:
# echoed as they are they break a message over lines or make a terminal show something else.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


@dataclass(frozen=True, order=True)
class SourceError:
    """One problem in a source file, at a 1-based line and column.

    The message and hint are kept to one line whatever text of the source they quote.
    """

    path: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", one_line(self.message))
        object.__setattr__(self, "hint", one_line(self.hint))

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{one_line(self.path)}:{self.line}:{self.column}: error: {self.message}{hint}"

    def github(self) -> str:
        """The same error as a GitHub Actions annotation on the offending line."""
        text = f"{self.message}{f' ({self.hint})' if self.hint else ''}"
        path = one_line(self.path).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
        return f"::error file={path},line={self.line},col={self.column}::{text.replace('%', '%25')}"


class SourceErrors(Exception):
    """Raised with every error found, so that all of them can be reported at once."""

    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = sorted(set(errors))


def one_line(text: str) -> str:
    """`text` with every control and line-separator character shown as an escape, e.g. \\n, \\u2028."""
    if text.isprintable():
        return text
    return "".join(
        escape(char) if unicodedata.category(char) in INVISIBLE else char for char in text
    )


def escape(char: str) -> str:
    if char in SHORT_ESCAPES:
        return SHORT_ESCAPES[char]
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def echo(value: object) -> str:
    """A value from a source, quoted for a message: on one line and cut short when long."""
    text = str(value)
    if len(text) > ECHO_LIMIT:
        text = text[: ECHO_LIMIT - 1] + "…"
    return f"'{one_line(text)}'"
