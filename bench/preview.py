"""The editor's preview: seconds from saving a briefing until `build.py serve` serves its
page with the change, over loopback, for a few edits one after another."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

import yaml

EDITS = 3
POLL_EVERY = 0.05  # seconds between requests for the page
# The server rebuilds after its file watcher (which polls every 0.05 s) sees a change;
# a second event from the same save would start a build that the next edit must not
# wait for, so each edit starts once any such build is done.
SETTLE = 1.0
STARTUP = 900.0  # seconds the first build may take on a busy machine
REBUILD = 300.0
# No proxy, whatever the environment says: the page is asked of this machine only.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def preview_seconds(
    build_py: list[str], project: Path, env: dict[str, str], edits: int = EDITS
) -> list[float]:
    """For each of `edits` saves of one briefing, each adding a sentence to its summary,
    the seconds until its page served by `build_py --root project serve` holds it."""
    source = sorted((project / "briefings").glob("*.yaml"))[0]
    briefing = yaml.safe_load(source.read_text(encoding="utf-8"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/briefings/{briefing['id']}/"
    log = project / "serve.log"
    command = [*build_py, "--root", str(project), "serve", "--port", str(port)]
    with log.open("wb") as output:
        # Its own process group, so that it and everything it starts can be ended together.
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(url, briefing["title"], server, log, STARTUP)
        seconds = []
        for edit in range(1, edits + 1):
            sentence = f"Preview edit {edit} was saved."
            add_to_summary(source, sentence)
            saved = time.perf_counter()
            wait_for(url, sentence, server, log, REBUILD)
            seconds.append(time.perf_counter() - saved)
            time.sleep(SETTLE)
            wait_for(url, sentence, server, log, REBUILD)  # served only once no build runs
        return seconds
    finally:
        stop(server)


def add_to_summary(source: Path, sentence: str) -> None:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["summary"] += f" {sentence}"
    source.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )


def wait_for(
    url: str, text: str, server: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    """Ask for `url` every POLL_EVERY seconds until its page holds `text`."""
    deadline = time.monotonic() + timeout
    while True:
        if exited(server):
            raise SystemExit(f"build.py serve stopped:\n{log.read_text(errors='replace')}")
        try:
            with OPENER.open(url, timeout=timeout) as response:
                if text in response.read().decode("utf-8", errors="replace"):
                    return
        except (OSError, http.client.HTTPException):  # not serving yet, or a 404 mid-build
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not show '{text}' within {timeout:.0f} s")
        time.sleep(POLL_EVERY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def exited(server: subprocess.Popen[bytes]) -> bool:
    """Whether the server has ended, without reaping it: while it is unreaped, its id, and
    so its process group's, cannot be given to another process."""
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
    return os.waitid(os.P_PID, server.pid, flags) is not None


def stop(server: subprocess.Popen[bytes]) -> None:
    """End the server and every process it started: SIGTERM first, so that it removes its
    temporary site, then SIGKILL to whatever of its process group is left."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while not exited(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()
