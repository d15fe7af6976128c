"""The processes that render PDFs in parallel, which end with the build however it ends:
by an error, by Ctrl-C or SIGTERM, or killed outright (SIGKILL, the out-of-memory killer).

Without this, a worker rendering when the build dies lives on, and one waiting for work
waits for ever: each holds its own end of the queue, so it never sees the build go.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insight.pdf.limits import Problem, limit_memory

if TYPE_CHECKING:
    from insight.pdf.style import Variables

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def worker_count(jobs: int | None) -> int:
    """How many documents are rendered at once: `jobs`, or one a core."""
    return jobs or os.cpu_count() or 1


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` processes; leaving the block by an exception (Ctrl-C and
    SIGTERM included) kills them at once instead of waiting for the documents they render.
    Inside `workers_ahead(workers)`, the pool it started."""
    if AHEAD and AHEAD[-1].workers == workers:
        ahead = AHEAD[-1]
        try:
            yield ahead.pool
        except BaseException:
            ahead.kill()
            raise
        return
    with new_pool(workers) as started:
        yield started.pool


class Workers(ProcessPoolExecutor):
    """A process pool that keeps what it was sent, so that its end can wait for that work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.sent.append(future)
        return future


@dataclass
class Pool:
    pool: Workers
    workers: int
    before: set[multiprocessing.process.BaseProcess]
    """The processes this one had started before the pool, which are not the pool's."""

    def kill(self) -> None:
        for worker in set(multiprocessing.active_children()) - self.before:
            worker.kill()


AHEAD: list[Pool] = []
"""The pools `workers_ahead` started, innermost last."""


@contextmanager
def new_pool(workers: int) -> Iterator[Pool]:
    before = set(multiprocessing.active_children())
    # 'spawn' starts workers without a copy of this process's memory, threads or open files.
    # Workers are not recycled: WeasyPrint grows by about 0.3 MB a document, and
    # max_tasks_per_child deadlocks on Python 3.11 (CPython gh-115634).
    started = Pool(
        Workers(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=end_with_parent,
            initargs=(os.getpid(),),
        ),
        workers,
        before,
    )
    try:
        yield started
    except BaseException:
        started.kill()
        raise
    else:
        # Once the work sent is done, the workers are killed rather than waited for: each
        # took 0.15 s or so to tear WeasyPrint down, at the end of every build.
        try:
            wait(started.pool.sent)
        finally:  # Ctrl-C meanwhile too
            started.kill()
    finally:
        started.pool.shutdown(cancel_futures=True)  # after a failure, render nothing more


@contextmanager
def workers_ahead(workers: int) -> Iterator[None]:
    """Start a worker now, to load WeasyPrint while this process loads the catalogue and
    works out which PDFs are out of date: after an edit, the one document then starts at
    once instead of a second later. `worker_pool(workers)` in this block is this pool; at
    the end its worker is killed, as every pool's is (see `new_pool`), whether or not it
    was sent a document. Where no worker can be started now, none is: the sources are
    checked all the same, and a pool asked for later says what failed."""
    with ExitStack() as started:
        try:
            ahead = started.enter_context(new_pool(workers))
            with deaf_workers():  # the submit starts the worker
                ahead.pool.submit(load_renderer)
        except OSError:
            started.close()
            yield
            return
        AHEAD.append(ahead)
        try:
            yield
        finally:
            AHEAD.remove(ahead)


def load_renderer() -> None:
    """Import what lays PDFs out, and warm it up, in a thread of the worker, and return at
    once: the pool then counts the worker as idle and sends it the first document (whose
    own import waits for this one), where waiting for the import would have had the pool
    start a second worker for it. Nothing from the project: the build cache (and its fonts)
    is trusted only once loading the catalogue has found that no commit brought it."""
    threading.Thread(target=import_renderer, name="load-renderer").start()


def import_renderer() -> None:
    # A renderer that cannot be imported is reported by the first document that needs it,
    # as the build's own error; a build with every PDF up to date never needs it.
    with contextlib.suppress(Exception):
        importlib.import_module("insight.pdf.render").warm_up()


STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deaf_workers() -> Iterator[None]:
    """Start workers in this block: each starts with SIGINT and SIGTERM ignored.

    Ctrl-C at a terminal reaches the whole process group, workers included, and a worker
    still importing its modules would die with a traceback. An ignored signal stays ignored
    across exec, and Python then sets no handler of its own; the build's own handlers are
    put back once the workers exist, and a signal that came meanwhile is held, then taken.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    # Only the main thread may set handlers; a build run from another has none of its own.
    in_main = threading.current_thread() is threading.main_thread()
    handlers = {s: signal.signal(s, signal.SIG_IGN) for s in STOPPING} if in_main else {}
    try:
        yield
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def end_with_parent(parent: int) -> None:
    """Run in each worker as it starts: end it when the build process ends, and bound the
    memory it may take."""
    # Ctrl-C at a terminal, or SIGTERM to the process group, reaches every worker too; the
    # build decides what stops, and kills its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform == "linux":
        # The kernel kills this process when the thread that started it (the build's main
        # thread, which submits the work) ends, whatever ended it.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            watch_parent(parent)
    else:
        watch_parent(parent)
    if os.getppid() != parent:  # the build ended before the kernel was told
        os._exit(1)
    limit_memory()


def watch_parent(parent: int) -> None:
    """Where the kernel cannot be asked: a thread that ends the worker once it is orphaned."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


def render_in_worker(
    html: str, images: Path, out_path: Path, variables: Variables, fonts: Path | None = None
) -> Problem | None:
    """`insight.pdf.render.render_file`, imported by the process that lays the PDF out (the
    build's own process imports it only when it renders a single document itself)."""
    from insight.pdf.render import render_file  # WeasyPrint: see insight.pdf.render

    return render_file(html, images, out_path, variables, fonts)
