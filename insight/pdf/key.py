"""The cache key of a PDF: a digest of everything its bytes depend on.

That is the print HTML, where its images are (WeasyPrint names an embedded image
after its URL), every file the renderer may fetch for it (the shipped fonts, the
images the HTML refers to), the print package itself (code, stylesheet, template)
and the versions of WeasyPrint and its PDF writer.
"""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from insight.incremental import digest, file_parts, tree_files, versions
from insight.pdf.served import ServedFiles
from insight.project import ASSETS

PRINT_PACKAGE = Path(__file__).parent


def print_key(html: str, images: Path) -> str:
    """The key of the PDF that `pdf_bytes(html, images=images)` makes."""
    folder = images.resolve()
    return digest(
        [html, folder.as_uri(), *renderer(), *file_parts(referenced_images(html, images), folder)]
    )


@cache
def renderer() -> list[str | bytes]:
    """The parts of the key shared by every PDF, read once per process."""
    return [
        *versions("weasyprint", "pydyf"),
        *file_parts(tree_files(PRINT_PACKAGE), PRINT_PACKAGE),
        *file_parts(tree_files(ASSETS), ASSETS),
    ]


def referenced_images(html: str, images: Path) -> list[Path]:
    """The files in `images` that the HTML's <img> elements name, resolved as the renderer does."""
    parser = ImageSources()
    parser.feed(html)
    base = images.resolve().parent.as_uri() + "/"
    served = ServedFiles([images])
    found = {served.local_path(urljoin(base, src)) for src in parser.sources}
    return [path for path in found if path is not None]


class ImageSources(HTMLParser):
    """Collects the src of every <img>."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [value for name, value in attrs if name == "src" and value]
