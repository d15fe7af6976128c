"""What makes a rebuild incremental: content digests, the keys stored beside outputs,
and atomic writes, so that an output is made again only when an input changed.

A key is a SHA-256 digest of everything an output is made from. An output whose
stored key equals the key computed now is up to date and is left untouched.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from insight.faults import located

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


def versions(*names: str) -> list[str]:
    """'name==version' of installed packages whose output a key depends on."""
    return [f"{name}=={version(name)}" for name in names]


@cache
def installed() -> tuple[str, ...]:
    """'name==version' of every package installed, read once a process: for outputs made
    through more packages than a key could name (a theme, its templates, their filters).
    Read from the names of their metadata folders ('mkdocs_material-9.7.1.dist-info') and
    eggs, as reading the metadata itself took a tenth of a second; a folder of the path
    that cannot be listed holds none that could be imported either."""
    found: set[str] = set()
    for folder in map(Path, sys.path):
        if folder.suffix == ".egg":  # an egg put on the path itself
            found.add(package_version(folder.name))
        with contextlib.suppress(OSError):
            found |= {
                package_version(entry.name)
                for entry in folder.iterdir()
                if entry.suffix in {".dist-info", ".egg-info", ".egg"}
            }
    return tuple(sorted(found))


def package_version(folder: str) -> str:
    """'mkdocs-material==9.7.1' from 'mkdocs_material-9.7.1.dist-info' (the name normalised
    as PyPI does, so that it reads as pip names it)."""
    name, _, rest = folder.rsplit(".", 1)[0].partition("-")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={rest}"


class Stamp:
    """The key an output was last made from and the digest of the bytes it was made as,
    kept in a small file of its own: an output is up to date only while both still hold,
    so one damaged since, or replaced by a build stopped before it wrote the stamp, is
    made again."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def matches(self, key: str, output: Path) -> bool:
        if not (self.path.is_file() and output.is_file()):
            return False
        return self.path.read_bytes() == stamp_text(key, output).encode("ascii")

    def write(self, key: str, output: Path) -> None:
        write_atomically(self.path, stamp_text(key, output).encode("ascii"))


def stamp_text(key: str, output: Path) -> str:
    return f"{key} {file_digest(output)}"


def file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def cached_json(path: Path, key: str, compute: Callable[[], Any]) -> Any:
    """The value stored at `path` under `key`, or `compute()` stored there under it."""
    stored = readable_json(path)
    if stored.get("key") == key and "value" in stored:
        return stored["value"]
    value = compute()
    store_json(path, key, value)
    return value


def store_json(path: Path, key: str, value: Any) -> None:
    """Keep `value` at `path` under `key`, for `cached_json` to find."""
    # A cache that cannot be written, as on a read-only disk, only makes the next run slower.
    with contextlib.suppress(OSError):
        write_atomically(path, json.dumps({"key": key, "value": value}).encode())


def readable_json(path: Path) -> dict[str, Any]:
    """The object stored at `path`, or an empty one where there is nothing readable:
    a damaged cache entry is one to make again, not a reason to stop."""
    try:
        stored = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file beside `path`, so readers never see half a file.

    A fault of the disk is raised as an OSError about `path`, not about the temporary file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as tmp:
            temporary = Path(tmp.name)
    except OSError as exc:
        raise located(exc, path) from exc
    try:
        temporary.write_bytes(data)
        temporary.chmod(0o644)  # outputs are published: readable like any other build output
        temporary.replace(path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise located(exc, path) from exc
        raise


def discard_leftovers(outputs: Iterable[Path]) -> None:
    """Remove the temporary files `write_atomically` left beside `outputs` when the process
    writing them was killed outright, before it could remove them itself."""
    names: dict[Path, set[str]] = {}
    for output in outputs:
        names.setdefault(output.parent, set()).add(output.name)
    for folder, wanted in names.items():
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            # `.name.` and the random part tempfile adds, which has no dot.
            written, dot, _ = entry.name[1:].rpartition(".")
            if entry.name.startswith(".") and dot and written in wanted:
                entry.unlink(missing_ok=True)


def file_identity(path: Path) -> tuple[int, ...] | None:
    """What tells one file from another, or from itself once changed, for facts read from a
    file to be kept while it is the same: its device and inode, size, and modification and
    change times (the change time moves at every write, and no program can set it back).

    None for a file changed in the last second, or that cannot be looked at: the clock
    that times writes ticks every few milliseconds, so two writes within one tick leave the
    same times, and only a file that has not changed since can be told by them."""
    try:
        found = path.stat()
    except OSError:
        return None
    if time.time_ns() - max(found.st_mtime_ns, found.st_ctime_ns) < SETTLED_NS:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


SETTLED_NS = 1_000_000_000

T = TypeVar("T")
P = ParamSpec("P")


def kept_while_unchanged(
    read: Callable[Concatenate[Path, P], T],
) -> Callable[Concatenate[Path, P], T]:
    """`read(path, ...)`, kept while the file is the same one (see `file_identity`): for what
    a build, and a preview at every save, asks of the same file again and again. What it
    raises is not kept."""

    @lru_cache(maxsize=4096)
    def kept(path: Path, identity: tuple[int, ...], *args: P.args, **kwargs: P.kwargs) -> T:
        return read(path, *args, **kwargs)

    @functools.wraps(read)
    def reading(path: Path, *args: P.args, **kwargs: P.kwargs) -> T:
        identity = file_identity(path)
        if identity is None:
            return read(path, *args, **kwargs)
        return kept(path, identity, *args, **kwargs)

    return reading
