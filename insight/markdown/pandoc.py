"""Pandoc as a bounded subprocess: every run has a time and a memory limit.

Pandoc's Markdown reader backtracks: a couple of dozen nested brackets in a text
make it run for minutes and take gigabytes. A source arrives by pull request, so
no run may outlast its limits; one that does is a `PandocLimit`, which the caller
turns into an error located at the text that caused it.

The time limit is on processor time, not on the clock: a run on a busy machine, or one
still reading pandoc's 150 MB program from a cold disk, takes longer by the clock
without being any more the text's fault. (A first build on a fresh machine was seen to
wait eighteen seconds for the disk, and blamed two briefings' Markdown for it.) The
clock has a limit too, far above the other, for a run that stops without working.
"""

from __future__ import annotations

import contextlib
import json
import math
import resource
import signal
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pypandoc

HERE = Path(__file__).parent
READER = HERE / "reader.lua"
WRITER = HERE / "writer.lua"

# Processor seconds: a real briefing converts in well under one.
SECONDS = 5.0
# Seconds by the clock, whatever the processor time asked for.
CLOCK_SECONDS = 60.0
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
    """pandoc's output for `request` with `options`, sandboxed and within the limits (`seconds`
    of processor time), or `PandocLimit`."""
    command = [pypandoc.get_pandoc_path(), "+RTS", f"-M{HEAP}", "-RTS", "--sandbox", *options]
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        limit_processor_time(process.pid, seconds)
        stdout, stderr = process.communicate(request, timeout=max(CLOCK_SECONDS, seconds))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise PandocLimit(
            f"did not finish within {max(CLOCK_SECONDS, seconds):g} seconds"
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM: pandoc goes too, as subprocess.run would see to
        process.kill()
        process.wait()
        raise
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise PandocLimit(f"took longer than {seconds:g} seconds")
    if process.returncode != 0:
        if "heap" in stderr.lower():
            raise PandocLimit(f"needed more than {HEAP[:-1]} MB of memory")
        raise RuntimeError(f"pandoc failed ({process.returncode}): {stderr.strip()[:500]}")
    return stdout


def limit_processor_time(pid: int, seconds: float) -> None:
    """Stop the process once it has had `seconds` of processor time, counted from its start
    (so also what it used before the limit was set): SIGXCPU, and SIGKILL a second later
    should it go on."""
    soft = max(1, math.ceil(seconds))
    with contextlib.suppress(ProcessLookupError):  # done already: its answer is read as it is
        resource.prlimit(pid, resource.RLIMIT_CPU, (soft, soft + 1))


@cache
def identity() -> list[str | bytes]:
    """What pandoc's output depends on besides the texts: its version and our Lua reader and writer."""
    return [pypandoc.get_pandoc_version(), READER.read_bytes(), WRITER.read_bytes()]
