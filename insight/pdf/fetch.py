"""The only way the PDF renderer reaches a file: a fetcher that serves the
project's own asset folders and refuses everything else.

The loader already rejects unsafe image targets with a located error; this is
the second line of defence, so that nothing a template, stylesheet or future
field refers to can make WeasyPrint read /etc/passwd or call out to the network.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class FetchRefused(FatalURLFetchingError):
    """WeasyPrint asked for something outside the served folders; rendering stops."""

    def __init__(self, url: str) -> None:
        super().__init__(f"refused to fetch '{url}'")
        self.url = url


class AssetFetcher(URLFetcher):
    """Serves files:// URLs inside `folders` (after resolving symlinks and '..'); refuses the rest."""

    def __init__(self, folders: Iterable[Path]) -> None:
        # Failing on every error makes a missing font or image stop the build instead of
        # quietly printing with a fallback.
        super().__init__(fail_on_errors=True)
        self.folders = tuple(folder.resolve() for folder in folders)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self.local_path(url)
        if path is None:
            raise FetchRefused(url)
        mime_type, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            path.as_uri(),
            path.read_bytes(),
            {"Content-Type": mime_type or "application/octet-stream"},
        )

    def local_path(self, url: str) -> Path | None:
        """The served file `url` names, or None if it names anything else."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()
        served = any(path.is_relative_to(folder) for folder in self.folders)
        return path if served and path.is_file() else None
