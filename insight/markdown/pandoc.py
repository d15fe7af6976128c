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

Runs happen in threads (`threads`) while the build's main thread waits. A Ctrl-C or
SIGTERM reaches only that thread, so leaving the threads by one kills the pandoc
processes running and refuses every later run: the build ends at once, rather than
once each run has gone to its limit.
"""

from __future__ import annotations

import contextlib
import json
import math
import resource
import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


class PandocStopped(BaseException):
    """The build is stopping (see `threads`): no pandoc run goes on or starts. Not an
    Exception, so that no caller takes it for a run that failed."""


class Running:
    """The pandoc processes running, and whether the build is stopping."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.processes: set[subprocess.Popen[str]] = set()
        self.stopping = False

    def start(self, command: list[str]) -> subprocess.Popen[str]:
        with self.lock:
            if self.stopping:
                raise PandocStopped
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self.processes.add(process)
            return process

    def end(self, process: subprocess.Popen[str]) -> None:
        with self.lock:
            self.processes.discard(process)
        if self.stopping:
            raise PandocStopped

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            for process in self.processes:
                process.kill()


RUNNING = Running()


@contextlib.contextmanager
def threads(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A pool of `workers` threads to run pandoc in. Left by Ctrl-C or SIGTERM (anything
    raised that is not an Exception), it starts none of the work still waiting, kills
    every pandoc process running and refuses every later run, in any thread."""
    with ThreadPoolExecutor(workers) as pool:
        try:
            yield pool
        except Exception:
            raise
        except BaseException:
            RUNNING.stop()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


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
    process = RUNNING.start(command)
    try:
        limit(process.pid, seconds)
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
    finally:
        RUNNING.end(process)
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise PandocLimit(f"took longer than {seconds:g} seconds")
    if process.returncode != 0:
        if "heap" in stderr.lower():
            raise PandocLimit(f"needed more than {HEAP[:-1]} MB of memory")
        raise RuntimeError(f"pandoc failed ({process.returncode}): {stderr.strip()[:500]}")
    return stdout


def limit(pid: int, seconds: float) -> None:
    """Stop the process once it has had `seconds` of processor time, counted from its start
    (so also what it used before the limit was set): SIGXCPU, and SIGKILL a second later
    should it go on. SIGXCPU would leave a core file of pandoc's memory where the build
    runs: none is written."""
    soft = max(1, math.ceil(seconds))
    with contextlib.suppress(ProcessLookupError):  # done already: its answer is read as it is
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        resource.prlimit(pid, resource.RLIMIT_CPU, (soft, soft + 1))


@cache
def identity() -> list[str | bytes]:
    """What pandoc's output depends on besides the texts: its version and our Lua reader and writer."""
    return [pypandoc.get_pandoc_version(), READER.read_bytes(), WRITER.read_bytes()]
