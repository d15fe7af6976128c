"""What makes a rebuild incremental: content digests, the keys stored beside outputs,
and atomic writes, so that an output is made again only when an input changed.

A key is a SHA-256 digest of everything an output is made from. An output whose
stored key equals the key computed now is up to date and is left untouched.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

IGNORED = {"__pycache__", ".DS_Store"}


def digest(parts: Iterable[str | bytes]) -> str:
    """One SHA-256 hex digest of `parts`, each length-prefixed so that no two lists collide."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def file_parts(paths: Iterable[Path], base: Path) -> Iterable[str | bytes]:
    """Each file's path relative to `base` and its bytes, so a rename changes the digest too."""
    for path in sorted(paths):
        yield path.relative_to(base).as_posix()
        yield path.read_bytes()


def tree_files(folder: Path) -> list[Path]:
    """Every file under `folder` (none if it does not exist), without caches of the tools."""
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and not IGNORED.intersection(path.relative_to(folder).parts)
    ]


def versions(*distributions: str) -> list[str]:
    """'name==version' of installed packages whose output a key depends on."""
    return [f"{name}=={version(name)}" for name in distributions]


class Stamp:
    """The key an output was last made from, kept in a small file of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def matches(self, key: str) -> bool:
        return self.path.is_file() and self.path.read_text(encoding="ascii") == key

    def write(self, key: str) -> None:
        write_atomically(self.path, key.encode("ascii"))

    def clear(self) -> None:
        """Forget the key before the output is replaced, so an interrupted write is never trusted."""
        self.path.unlink(missing_ok=True)


def cached_json(path: Path, key: str, compute: Callable[[], Any]) -> Any:
    """The value stored at `path` under `key`, or `compute()` stored there under it."""
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return stored["value"]
    value = compute()
    write_atomically(path, json.dumps({"key": key, "value": value}).encode())
    return value


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file beside `path`, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        temporary = Path(tmp.name)
    try:
        temporary.write_bytes(data)
        temporary.chmod(0o644)  # outputs are published: readable like any other build output
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
