"""Pandoc as a bounded subprocess: every run has a time and a memory limit.

Pandoc's Markdown reader backtracks: a couple of dozen nested brackets in a text
make it run for minutes and take gigabytes. A source arrives by pull request, so
no run may outlast its limits; one that does is a `PandocLimit`, which the caller
turns into an error located at the text that caused it.
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pypandoc

HERE = Path(__file__).parent
READER = HERE / "reader.lua"
WRITER = HERE / "writer.lua"

# A real briefing converts in well under a second.
SECONDS = 5.0
# The heap pandoc may grow to, through its runtime's own option (an address-space rlimit
# would stop the runtime from starting at all: it reserves a large range up front).
HEAP = "384m"


class PandocLimit(Exception):
    """A pandoc run went past its time or memory limit."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def convert(request: str, *, seconds: float = SECONDS) -> list[dict[str, Any]]:
    """Run our reader and writer over a JSON request; their JSON answer, or `PandocLimit`."""
    return json.loads(run([f"--from={READER}", f"--to={WRITER}"], request, seconds=seconds))


def run(options: list[str], request: str, *, seconds: float = SECONDS) -> str:
    """pandoc's output for `request` with `options`, sandboxed and within the limits, or `PandocLimit`."""
    command = [pypandoc.get_pandoc_path(), "+RTS", f"-M{HEAP}", "-RTS", "--sandbox", *options]
    try:
        result = subprocess.run(
            command, input=request, capture_output=True, text=True, timeout=seconds
        )
    except subprocess.TimeoutExpired:
        raise PandocLimit(f"took longer than {seconds:g} seconds") from None
    if result.returncode != 0:
        if "heap" in result.stderr.lower():
            raise PandocLimit(f"needed more than {HEAP[:-1]} MB of memory")
        raise RuntimeError(f"pandoc failed ({result.returncode}): {result.stderr.strip()[:500]}")
    return result.stdout


@cache
def identity() -> list[str | bytes]:
    """What pandoc's output depends on besides the texts: its version and our Lua reader and writer."""
    return [pypandoc.get_pandoc_version(), READER.read_bytes(), WRITER.read_bytes()]
