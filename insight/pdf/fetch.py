"""The only way the PDF renderer reaches a file: a fetcher that serves the
project's own asset folders and refuses everything else.

The loader already rejects unsafe image targets with a located error; this is
the second line of defence, so that nothing a template, stylesheet or future
field refers to can make WeasyPrint read /etc/passwd or call out to the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
from collections.abc import Iterable
from pathlib import Path

from fontTools.ttLib import woff2
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from insight.incremental import write_atomically
from insight.pdf.served import ServedFiles


class FetchRefused(FatalURLFetchingError):
    """WeasyPrint asked for something outside the served folders; rendering stops."""

    def __init__(self, url: str) -> None:
        super().__init__(f"refused to fetch '{url}'")
        self.url = url


class AssetFetcher(URLFetcher):
    """Serves the files `ServedFiles` allows; refuses the rest. With `fonts`, a folder,
    serves a WOFF2 font decompressed, as WeasyPrint would decompress it, and keeps it there."""

    def __init__(self, folders: Iterable[Path], fonts: Path | None = None) -> None:
        # Failing on every error makes a missing font or image stop the build instead of
        # quietly printing with a fallback.
        super().__init__(fail_on_errors=True)
        self.served = ServedFiles(folders)
        self.fonts = fonts

    def local_path(self, url: str) -> Path | None:
        """The served file `url` names, or None if it names anything else."""
        return self.served.local_path(url)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self.local_path(url)
        if path is None:
            raise FetchRefused(url)
        mime_type, _ = mimetypes.guess_type(path.name)
        data = path.read_bytes()
        if self.fonts is not None and data[:4] == b"wOF2":
            data = decompressed(data, self.fonts)
        return URLFetcherResponse(
            path.as_uri(), data, {"Content-Type": mime_type or "application/octet-stream"}
        )


def decompressed(woff2_font: bytes, folder: Path) -> bytes:
    """The font a WOFF2 file holds, decompressed as WeasyPrint does, kept in `folder` named
    by the digests of both: a damaged copy, which WeasyPrint would quietly replace with
    another font, is made again."""
    name = hashlib.sha256(woff2_font).hexdigest()
    for kept in folder.glob(f"{name}-*.ttf"):
        with contextlib.suppress(OSError):
            font = kept.read_bytes()
            if kept.stem == f"{name}-{hashlib.sha256(font).hexdigest()}":
                return font
    out = io.BytesIO()
    woff2.decompress(io.BytesIO(woff2_font), out)
    font = out.getvalue()
    # A cache that cannot be written only makes the next worker start slower.
    with contextlib.suppress(OSError):
        write_atomically(folder / f"{name}-{hashlib.sha256(font).hexdigest()}.ttf", font)
    return font
