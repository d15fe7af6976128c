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

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from insight.pdf.served import ServedFiles


class FetchRefused(FatalURLFetchingError):
    """WeasyPrint asked for something outside the served folders; rendering stops."""

    def __init__(self, url: str) -> None:
        super().__init__(f"refused to fetch '{url}'")
        self.url = url


class AssetFetcher(URLFetcher):
    """Serves the files `ServedFiles` allows; refuses the rest."""

    def __init__(self, folders: Iterable[Path]) -> None:
        # Failing on every error makes a missing font or image stop the build instead of
        # quietly printing with a fallback.
        super().__init__(fail_on_errors=True)
        self.served = ServedFiles(folders)

    def local_path(self, url: str) -> Path | None:
        """The served file `url` names, or None if it names anything else."""
        return self.served.local_path(url)

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
