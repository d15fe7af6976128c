"""The only way the PDF renderer reaches a file: a fetcher that serves the
project's own asset folders and refuses everything else.

The loader already rejects unsafe image targets with a located error; this is
the second line of defence, so that nothing a template, stylesheet or future
field refers to can make WeasyPrint read /etc/passwd or call out to the network.
"""

from __future__ import annotations

import mimetypes
import os
import stat
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
    """Serves regular files named by file:// URLs inside `folders`, reached without a
    symbolic link or '..' on the way; refuses the rest."""

    def __init__(self, folders: Iterable[Path]) -> None:
        # Failing on every error makes a missing font or image stop the build instead of
        # quietly printing with a fallback.
        super().__init__(fail_on_errors=True)
        # A served folder that is itself a link (briefings/images -> /etc) serves nothing.
        self.folders = tuple(folder.resolve() for folder in folders if not folder.is_symlink())

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
        path = Path(url2pathname(parts.path))
        if not path.is_absolute() or {".", ".."} & set(path.parts):
            return None
        folder = next((f for f in self.folders if path.is_relative_to(f)), None)
        if folder is None or path == folder:
            return None
        # Each step below the folder looked at as it is, not where a link would lead.
        below = path.relative_to(folder).parts
        steps = [folder.joinpath(*below[:depth]) for depth in range(1, len(below) + 1)]
        if not all(map(is_real_directory, steps[:-1])) or not is_regular_file(steps[-1]):
            return None
        return path


def is_real_directory(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
