"""Faults of the machine, not of the sources: a file or folder the build cannot write
(a full disk, a read-only file system, no permission), said in one line that names
the path, the cause and what to do about it."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The exit status of a build stopped by such a fault: 1 is an error in the sources,
# 2 a wrong command line or a fault in the pipeline.
ENVIRONMENT_FAULT = 3

# What each cause is, in plain words, and what to do about it.
CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free some space and build again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or ask for a larger quota"),
    errno.EROFS: (
        "the file system is read-only",
        "build in a folder that can be written, or mount it read-write",
    ),
    errno.EACCES: (
        "permission denied",
        "let this user read and write there, or build in a folder it owns",
    ),
    errno.EPERM: (
        "the operation is not permitted",
        "let this user read and write there, or build in a folder it owns",
    ),
    errno.EFBIG: (
        "the file is larger than this system allows",
        "raise the limit on file size ('ulimit -f') and build again",
    ),
    errno.EMFILE: (
        "too many files are open",
        "raise the limit on open files ('ulimit -n') and build again",
    ),
    errno.ENFILE: ("the system has too many files open", "close some programs and build again"),
    errno.ENOMEM: ("out of memory", "close some programs or use fewer --jobs, and build again"),
    errno.EIO: ("the disk reported an input/output error", "check the disk, then build again"),
    errno.ENAMETOOLONG: ("the name is too long for this file system", "use a shorter folder"),
    errno.EISDIR: ("it is a folder, where a file must be", "move it away and build again"),
    errno.ENOENT: ("no such file or folder", "check that it is there, then build again"),
}
# A cause that only writing meets; any other may be met reading as well.
WRITE_CAUSES = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


def describe(exc: OSError, root: Path) -> str:
    """One line saying which path could not be used, why and what to do, paths shown
    relative to `root` where they are inside it."""
    path = faulty_path(exc)
    cause, hint = CAUSES.get(exc.errno or 0, (plain(exc), "fix that and build again"))
    writing = exc.errno in WRITE_CAUSES
    if path is None:  # a failed write() or a program that could not start: say what was under way
        activity = getattr(exc, "activity", None)
        during = f" while {activity}" if activity else ""
        return f"cannot {'write a file' if writing else 'go on'}{during}: {cause} ({hint})"
    shown = display(path, root)
    if blocking := in_the_way(exc, path):
        return (
            f"cannot write {shown}: {display(blocking, root)} is a file, where a folder "
            "must be (move it away and build again)"
        )
    return f"cannot {'write' if writing else 'use'} {shown}: {cause} ({hint})"


def faulty_path(exc: OSError) -> Path | None:
    """The path the fault is about: the destination of a copy or a rename (`filename2`)
    when the disk refused to hold it, else the one path given."""
    name = exc.filename2 if exc.errno in WRITE_CAUSES and exc.filename2 else exc.filename
    return Path(os.fsdecode(name)) if name is not None else None


def in_the_way(exc: OSError, path: Path) -> Path | None:
    """The file standing where a folder must be, when that is what the fault is."""
    if exc.errno not in (errno.ENOTDIR, errno.EEXIST):
        return None
    return next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), None)


def display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def plain(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


@contextmanager
def during(activity: str) -> Iterator[None]:
    """Say what was under way in an OSError that names no file, as a failed write() does
    (the disk filled up after the file was opened) in code that is not ours."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and not hasattr(exc, "activity"):
            exc.activity = activity  # type: ignore[attr-defined]
        raise


def located(exc: OSError, path: Path, path2: Path | None = None) -> OSError:
    """The same fault, about `path` (and `path2`) instead of the names it had."""
    args = (exc.errno, exc.strerror or str(exc), str(path))
    return OSError(*args, None, str(path2)) if path2 else OSError(*args)
