"""A progress bar for long work, shown to a person at a terminal and to no one else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[[], None]]:
    """A bar of `total` steps on stderr; the context gives the function that advances it one step."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,  # once done, the summary lines say what happened
        disable=quiet(),
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)


def quiet() -> bool:
    """In CI or with stderr sent to a file, a redrawn bar is only noise in the log."""
    in_ci = os.environ.get("CI", "").lower() not in ("", "0", "false")
    return in_ci or not sys.stderr.isatty()
