"""The cache key of a PDF: a digest of everything its bytes depend on.

That is the print HTML, the brand's colours, where its images are (WeasyPrint names an
embedded image after its URL), every file the renderer may fetch for it (the shipped fonts,
the images the HTML refers to), the print package itself (code, stylesheet, template) and
the versions of WeasyPrint, its PDF writer, the CSS parser that resolves the stylesheet and
the hyphenation patterns.
"""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from insight import ASSETS
from insight.incremental import cached_json, digest, file_parts, tree_files, versions
from insight.pdf.served import ServedFiles

if TYPE_CHECKING:
    from insight.pdf.style import Variables

PRINT_PACKAGE = Path(__file__).parent


def print_key(html: str, images: Path, variables: Variables, found: Path | None = None) -> str:
    """The key of the PDF that `pdf_bytes(html, images=images, variables=variables)` makes.
    `found`: where the images this document names are kept once found, so that a document
    unchanged since is not parsed again (parsing is most of the time a key takes)."""
    folder = images.resolve()
    document = digest([html, folder.as_uri(), *(f"--{n}: {v}" for n, v in variables)])
    sources = cached_json(found, document, lambda: image_sources(html)) if found else None
    if not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
        sources = image_sources(html)  # none kept, or a damaged entry
    served = served_images(sources, images)
    return digest([document, renderer(), *file_parts(served, folder)])


@cache
def renderer() -> str:
    """A digest of what every PDF depends on alike, made once per process: hashing the
    fonts again for each document was most of the time its key took."""
    return digest(
        [
            *versions("weasyprint", "pydyf", "tinycss2", "pyphen"),
            *file_parts(tree_files(PRINT_PACKAGE), PRINT_PACKAGE),
            *file_parts(tree_files(ASSETS), ASSETS),
        ]
    )


def image_sources(html: str) -> list[str]:
    """The src of each <img> of the HTML."""
    parser = ImageSources()
    parser.feed(html)
    return parser.sources


def served_images(sources: list[str], images: Path) -> list[Path]:
    """The files in `images` that image sources name, resolved as the renderer does; looked
    up at every key, since a file named may have appeared or gone."""
    base = images.resolve().parent.as_uri() + "/"
    served = ServedFiles([images])
    found = {served.local_path(urljoin(base, src)) for src in sources}
    return [path for path in found if path is not None]


class ImageSources(HTMLParser):
    """Collects the src of every <img>."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [value for name, value in attrs if name == "src" and value]
