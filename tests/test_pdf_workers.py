"""The PDF worker a build starts ahead, to load WeasyPrint (and the print language's
hyphenation) while the catalogue loads: the documents go to it, and when none does it is
killed at the end rather than waited for."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from insight.pdf.workers import worker_pool, workers_ahead

ROOT = Path(__file__).resolve().parent.parent


def started_workers() -> set[multiprocessing.process.BaseProcess]:
    return set(multiprocessing.active_children())


def test_a_document_goes_to_the_worker_started_ahead() -> None:
    before = started_workers()
    with workers_ahead(1):
        ahead = {worker.pid for worker in started_workers() - before}
        assert len(ahead) == 1
        with worker_pool(1) as pool:
            assert pool.submit(os.getpid).result(timeout=60) in ahead
        assert {worker.pid for worker in started_workers() - before} == ahead


def test_the_worker_ahead_takes_work_while_it_still_loads_weasyprint() -> None:
    # So the pool counts it as idle at once and sends it the first document, instead of
    # starting a second worker that would load WeasyPrint on the core the site needs.
    probe = """
import sys, threading
from insight.pdf.workers import load_renderer
load_renderer()
loading = [t for t in threading.enumerate() if t.name == "load-renderer"]
print("returned while loading:", bool(loading) and loading[0].is_alive())
loading[0].join()
print("then loaded:", "weasyprint" in sys.modules and hasattr(sys.modules["weasyprint"], "HTML"))
import pyphen
from insight.pdf.render import PRINT_LANGUAGE
patterns = pyphen.LANGUAGES[pyphen.language_fallback(PRINT_LANGUAGE)]
print("with the print language's hyphenation:", patterns in pyphen.hdcache)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.stdout.splitlines() == [
        "returned while loading: True",
        "then loaded: True",
        "with the print language's hyphenation: True",
    ]


def test_a_worker_ahead_that_nothing_was_sent_to_is_killed_at_the_end() -> None:
    before = started_workers()
    with workers_ahead(2):
        (worker,) = started_workers() - before
    worker.join(5)
    assert worker.exitcode == -signal.SIGKILL


def test_a_worker_that_was_used_is_ended_once_its_work_is_done() -> None:
    # Killed then, not waited for while it tears WeasyPrint down; nothing sent is lost.
    before = started_workers()
    with workers_ahead(1):
        (worker,) = started_workers() - before
        with worker_pool(1) as pool:
            slow = pool.submit(time.sleep, 0.5)
    assert slow.done() and slow.exception() is None
    worker.join(5)
    assert worker.exitcode == -signal.SIGKILL


def test_a_failure_while_workers_are_ahead_kills_them() -> None:
    before = started_workers()
    with pytest.raises(KeyboardInterrupt), workers_ahead(2):
        (worker,) = started_workers() - before
        with worker_pool(2):
            raise KeyboardInterrupt
    worker.join(5)
    assert worker.exitcode == -signal.SIGKILL
