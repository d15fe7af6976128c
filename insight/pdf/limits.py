"""Bounds on laying out one PDF, so that no source can hang a build or exhaust the machine.

A source is at most 1 MB (insight.load), but 1 MB of table cells can still ask WeasyPrint
for minutes of layout and gigabytes of memory. Past either bound the document is a
`Problem`: the build reports it at the briefing and goes on with the others.
"""

from __future__ import annotations

import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

# A real briefing lays out in one or two seconds, the benchmark's 16-page ones in three.
LAYOUT_SECONDS = 60.0
# The address space of a worker process: WeasyPrint with our fonts maps about 1 GB.
LAYOUT_MEMORY = 4 * 2**30


class Problem(NamedTuple):
    """What stopped the renderer, for an error at the briefing."""

    message: str
    hint: str


class LayoutTimeout(BaseException):
    """The document took longer than its time limit. Not an Exception: WeasyPrint catches
    those where it loads a resource, and would go on laying the document out."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `LayoutTimeout` inside the block once it has run for `seconds` of wall time;
    where no alarm can be set (not the main thread), the block runs unbounded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    running = True

    def expire(signum: int, frame: object) -> None:
        if running:
            raise LayoutTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    # Again every 0.1 s after the first: an exception raised where Python only reports it
    # (a finaliser, a weak reference's callback) must not let the layout run on unbounded.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        running = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def limit_memory() -> None:
    """Run in each worker process as it starts: allocations past the bound fail with
    MemoryError in that worker, instead of the machine's memory running out."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > LAYOUT_MEMORY:
        resource.setrlimit(resource.RLIMIT_AS, (LAYOUT_MEMORY, hard))
