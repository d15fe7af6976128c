"""No source can make laying out its PDF hang a build or exhaust the machine."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest

import insight.pdf.render
from insight.catalogue import Catalogue
from insight.errors import SourceErrors
from insight.pdf.jobs import render_pdf
from insight.pdf.limits import LAYOUT_MEMORY, LayoutTimeout, time_limit


# The first alarm may land in a weak reference's callback, where Python only reports the
# exception; the next, 0.1 s later, stops the layout (see time_limit), which is what this
# test asserts.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_document_past_its_layout_time_is_an_error_at_the_briefing(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(insight.pdf.render, "LAYOUT_SECONDS", 0.05)
    out = tmp_path / "living-with-austerity.pdf"
    with pytest.raises(SourceErrors) as raised:
        render_pdf(catalogue, catalogue.briefing("living-with-austerity"), out)
    [error] = raised.value.errors
    assert error.path == "briefings/living-with-austerity.yaml"
    assert "laying out the PDF took longer than 0.05 seconds" in error.message
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_pdf_worker_cannot_take_more_memory_than_its_bound() -> None:
    """The bound each worker sets on itself as it starts (insight.pdf.workers)."""
    probe = (
        "from insight.pdf.limits import limit_memory\n"
        "limit_memory()\n"
        "try:\n"
        f"    bytearray({LAYOUT_MEMORY})\n"
        "except MemoryError:\n"
        "    print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "refused", result.stderr


def test_a_layout_timeout_lost_once_is_raised_again() -> None:
    """Python only reports an exception raised in a finaliser or a weak reference's callback;
    the alarm goes on firing until the block has ended."""
    start = time.monotonic()
    with pytest.raises(LayoutTimeout), time_limit(0.05):
        with contextlib.suppress(LayoutTimeout):  # as if lost where it landed
            while time.monotonic() < start + 5:
                pass
        while time.monotonic() < start + 5:
            pass
    assert time.monotonic() - start < 1
