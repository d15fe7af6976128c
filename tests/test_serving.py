"""The recipe in deploy/: nginx serving a built subscriber edition, on loopback, refuses a
page or PDF to anyone without a subscriber's password and serves it to a subscriber."""

from __future__ import annotations

import base64
import getpass
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, Built
from tests.support import free_port

RECIPE = ROOT / "deploy" / "nginx" / "subscriber.conf"
WRAPPER = ROOT / "tests" / "fixtures" / "serving" / "nginx.conf"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
PAGE = "/briefings/marked-briefing/"
PDF = "/pdf/marked-briefing.pdf"
SUBSCRIBER = ("alice", "correct horse battery staple")

pytestmark = pytest.mark.skipif(
    NGINX is None or shutil.which("openssl") is None,
    reason="nginx and openssl are needed: run 'python3 tasks.py setup' (debian-packages.txt)",
)


def htpasswd(folder: Path, name: str, password: str) -> Path:
    """A password file made as deploy/README.md says: a SHA-512 crypt hash from openssl."""
    hashed = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = folder / "insight.htpasswd"
    path.write_text(f"{name}:{hashed}\n", encoding="utf-8")
    return path


def fill(template: Path, values: dict[str, str], out: Path) -> Path:
    """Write `template` to `out` with each @PLACEHOLDER@ replaced, as an operator's sed would."""
    text = template.read_text(encoding="utf-8")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    assert "@" not in text, f"a placeholder of {template.name} left unfilled"
    out.write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def server(editions: dict[str, Built], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx on 127.0.0.1 serving the subscriber edition with the recipe; yields its base URL."""
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    fill(
        RECIPE,
        {
            "@LISTEN@": f"127.0.0.1:{port}",
            "@NAME@": "localhost",
            "@SITE@": str(editions["subscriber"].site),
            "@HTPASSWD@": str(htpasswd(folder, *SUBSCRIBER)),
        },
        folder / "subscriber.conf",
    )
    # As root, nginx's workers would run as 'nobody', who cannot read a private test folder.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    config = fill(WRAPPER, {"@DIR@": str(folder), "@USER@": user}, folder / "nginx.conf")
    process = subprocess.Popen(
        [str(NGINX), "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"nginx stopped: {process.stdout.read().decode() if process.stdout else ''}"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("nginx did not start listening within 10 seconds")


def get(url: str, credentials: tuple[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url)
    if credentials:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


@pytest.mark.parametrize("path", [PAGE, PDF, "/search/search_index.json", "/feed.xml"])
def test_an_anonymous_request_is_refused(server: str, path: str) -> None:
    status, headers, body = get(server + path)
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Basic realm="Insight subscribers"'
    assert b"Shared services that last" not in body


def test_a_wrong_password_is_refused(server: str) -> None:
    status, _, _ = get(server + PAGE, (SUBSCRIBER[0], "wrong"))
    assert status == 401


def test_a_subscriber_gets_the_page_and_the_pdf(server: str) -> None:
    status, headers, page = get(server + PAGE, SUBSCRIBER)
    assert status == 200
    assert b"Shared services that last" in page
    assert headers["Cache-Control"] == "private"
    status, headers, pdf = get(server + PDF, SUBSCRIBER)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF-")
