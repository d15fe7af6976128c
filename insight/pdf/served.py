"""Which files the PDF renderer may read: regular files inside the project's own asset
folders, reached without a symbolic link or '..' on the way. Kept apart from the
renderer, so that the cache key of a PDF (insight.pdf.key) finds the images a document
uses by the same rule without loading WeasyPrint."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname


class ServedFiles:
    """The files named by file:// URLs inside `folders`; nothing else."""

    def __init__(self, folders: Iterable[Path]) -> None:
        # A served folder that is itself a link (briefings/images -> /etc) serves nothing.
        self.folders = tuple(folder.resolve() for folder in folders if not folder.is_symlink())

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
