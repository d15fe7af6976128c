"""What a reader is told about a file before downloading it: its format, size and pages,
as GOV.UK describes attachments ("PDF, 84 KB, 10 pages")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf

from insight.incremental import kept_while_unchanged


@dataclass(frozen=True)
class Facts:
    format: str
    size: str
    pages: int

    def __str__(self) -> str:
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        return f"{self.format}, {self.size}, {pages}"


# Every site build asks of every PDF, and the preview builds the site at every save.
@kept_while_unchanged
def pdf_facts(path: Path) -> Facts | None:
    """The facts of a built PDF, read from the file itself; None for a file that is no PDF,
    which is then not offered (`build.py build` renders it again: see insight.incremental)."""
    size = path.stat().st_size
    # Without recovery, as a viewer would: a file qpdf could only piece together is not offered.
    try:
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            pages = len(pdf.pages)
    except (pikepdf.PdfError, pikepdf.PasswordError):
        return None
    return Facts("PDF", file_size(size), pages)


def file_size(size: int) -> str:
    """'84 KB', '1.2 MB': decimal units, as GOV.UK writes them."""
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1_000_000:.1f} MB"
