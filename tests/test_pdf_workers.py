"""The PDF worker a build starts ahead, to load WeasyPrint while the catalogue loads: the
documents go to it, and when none does it is killed at the end rather than waited for."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from insight.pdf.workers import worker_pool, workers_ahead


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


def test_a_worker_ahead_that_nothing_was_sent_to_is_killed_at_the_end() -> None:
    before = started_workers()
    with workers_ahead(2):
        (worker,) = started_workers() - before
    worker.join(5)
    assert worker.exitcode == -signal.SIGKILL


def test_a_worker_ahead_that_was_used_ends_with_its_work() -> None:
    before = started_workers()
    with workers_ahead(1):
        (worker,) = started_workers() - before
        with worker_pool(1) as pool:
            pool.submit(os.getpid).result(timeout=60)
    worker.join(5)
    assert worker.exitcode == 0


def test_a_failure_while_workers_are_ahead_kills_them() -> None:
    before = started_workers()
    with pytest.raises(KeyboardInterrupt), workers_ahead(2):
        (worker,) = started_workers() - before
        with worker_pool(2):
            raise KeyboardInterrupt
    worker.join(5)
    assert worker.exitcode == -signal.SIGKILL
