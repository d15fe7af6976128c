"""Headless Chromium over a site served from 127.0.0.1, shared by the browser tests.

Every request to another host is refused and recorded, so a test can show that a
page needs, or sends, nothing elsewhere.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    """A loopback server that says nothing when the browser goes on before a file is sent."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """The base URL of `folder` served over HTTP on the loopback interface."""
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def confined_page(browser: Browser, base_url: str, elsewhere: list[str]) -> Iterator[Page]:
    """A new page that may load only from `base_url`; every other URL it asks for is
    refused and appended to `elsewhere`."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})

    def only_this_site(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    try:
        yield page
    finally:
        page.close()


@contextmanager
def site_page(browser: Browser, site: Path) -> Iterator[tuple[Page, str]]:
    """A page confined to `site`, served on loopback, and the site's base URL; on leaving,
    that the page asked no other host for anything."""
    with served(site) as base_url:
        elsewhere: list[str] = []
        with confined_page(browser, base_url, elsewhere) as page:
            yield page, base_url
        assert elsewhere == [], f"the site asked another host for {elsewhere}"
