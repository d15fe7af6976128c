"""What a reader is told about a file before downloading it: its format, size and pages,
as GOV.UK describes attachments ("PDF, 84 KB, 10 pages").

A build makes the site while the files it offers are still being rendered, so what a
page says of one of those is a mark at first (`Pending`), which `fill_in` replaces once
the file is there. The search index leaves these facts out (the page's markup says so),
so the site filled in is, byte for byte, the one a build after the files would make.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insight.incremental import (
    file_identity,
    kept_while_unchanged,
    readable_json,
    store_json,
    write_atomically,
)


@dataclass(frozen=True)
class Facts:
    format: str
    size: str
    pages: int

    def __str__(self) -> str:
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        return f"{self.format}, {self.size}, {pages}"


@dataclass(frozen=True)
class Pending:
    """The facts of a download not yet rendered, as the page first says them: a comment,
    which no source's text can make (whatever it writes is escaped) nor the search index
    keep."""

    src_uri: str

    def __html__(self) -> str:
        return mark(self.src_uri)


def mark(src_uri: str) -> str:
    return f"<!-- the facts of {src_uri} -->"


def fill_in(site: Path, facts: Mapping[str, Facts]) -> None:
    """Put in every page of `site` what it says of each download in `facts` (by site path)."""
    if not facts:
        return
    said = {mark(src_uri).encode(): html.escape(str(f)).encode() for src_uri, f in facts.items()}
    marks = re.compile(b"|".join(re.escape(m) for m in said))
    for page in site.rglob("*.html"):
        before = page.read_bytes()
        after = marks.sub(lambda found: said[found[0]], before)
        if after != before:
            # A new file, not a write into this one: a reused page is a second name of the
            # page store's file (see insight.site.reuse), which must keep the mark.
            write_atomically(page, after)


# Every site build asks of every PDF, and the preview builds the site at every save.
@kept_while_unchanged
def pdf_facts(path: Path, kept: Path | None = None) -> Facts | None:
    """The facts of a built PDF, read from the file itself; None for a file that is no PDF,
    which is then not offered (`build.py build` renders it again: see insight.incremental).

    With `kept`, a folder of the build cache, the facts read are kept there while the file
    is the same one (see `file_identity`): opening every PDF took a fifth of a second of
    each build after an edit."""
    identity = file_identity(path)
    entry = kept / f"{path.name}.facts.json" if kept and identity else None
    key = ",".join(map(str, identity or ()))
    if entry and (told := stored_facts(readable_json(entry), key)):
        return told
    size = path.stat().st_size
    import pikepdf  # a tenth of a second: only once a file is read

    # Without recovery, as a viewer would: a file qpdf could only piece together is not offered.
    try:
        with pikepdf.open(path, attempt_recovery=False) as pdf:
            pages = len(pdf.pages)
    except (pikepdf.PdfError, pikepdf.PasswordError):
        return None
    facts = Facts("PDF", file_size(size), pages)
    if entry:
        store_json(entry, key, [facts.format, facts.size, facts.pages])
    return facts


def stored_facts(stored: dict[str, Any], key: str) -> Facts | None:
    match stored.get("value") if stored.get("key") == key else None:
        case [str(format), str(size), int(pages)]:
            return Facts(format, size, pages)
    return None


def file_size(size: int) -> str:
    """'84 KB', '1.2 MB': decimal units, as GOV.UK writes them."""
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    return f"{size / 1_000_000:.1f} MB"
