"""`build.py serve`: the preview server shows a broken source's located errors in the page,
instead of leaving the browser waiting, and the site again once the source is fixed."""

from __future__ import annotations

import html
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml"
PUBLIC = ("--edition", "public", "--port")
WAIT = 90  # seconds: the first build of the site takes a few on a busy machine


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The real mkdocs.yml and docs, with one source that has an error: a kind that is none."""
    (tmp_path / "briefings").mkdir()
    source = tmp_path / "briefings" / "minimal.yaml"
    source.write_text(MINIMAL.read_text().replace("kind: briefing", "kind: pamphlet"))
    (tmp_path / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    return tmp_path


@contextmanager
def serving(project: Path, *options: str) -> Iterator[str]:
    """`build.py serve` with `options` on a free loopback port; its address."""
    port = str(free_port())
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--root", str(project), "serve", *options, port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def server(project: Path) -> Iterator[str]:
    with serving(project, *PUBLIC) as url:
        yield url


def page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()


def wait_for(url: str, shows: Callable[[str], bool]) -> str:
    """The page at `url` once it `shows` what is wanted; fail after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    text = ""
    while time.monotonic() < deadline:
        try:
            text = page(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            text = ""
        if shows(text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed what was wanted; last page:\n{text[:2000]}")


def test_a_broken_source_shows_its_located_errors_then_the_fixed_site(
    project: Path, server: str
) -> None:
    error = (
        "briefings/minimal.yaml:4:7: error: 'pamphlet' is not a valid kind "
        "(expected 'briefing', 'report' or 'paper')"
    )
    shown = html.unescape(wait_for(server, lambda text: "problem(s) to fix" in text))
    assert error in shown
    # Any address of the site shows the errors too, not a bare 'not found'.
    assert error in html.unescape(page(server + "briefings/minimal/"))

    source = project / "briefings" / "minimal.yaml"
    source.write_text(source.read_text().replace("kind: pamphlet", "kind: briefing"))

    fixed = wait_for(server + "briefings/minimal/", lambda text: "A minimal briefing" in text)
    assert "problem(s) to fix" not in fixed
    assert "livereload" in fixed  # the page reloads itself on the next save


def test_serve_is_documented_in_its_help() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--edition {public,subscriber}" in result.stdout
    assert "file:line:column" in result.stdout


def test_the_preview_shows_a_briefing_before_its_release_marked_as_embargoed(
    project: Path,
) -> None:
    source = project / "briefings" / "minimal.yaml"
    source.write_text(MINIMAL.read_text() + "release: 2099-01-01T09:00:00+00:00\n")
    with serving(project, "--port") as url:
        shown = wait_for(url + "briefings/minimal/", lambda text: "A minimal briefing" in text)
    assert "Embargoed: preview only" in shown
