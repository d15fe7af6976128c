"""Hostile sources built into both editions, every page opened in headless Chromium:
no script an editor wrote runs, no request leaves the page, and nothing but the
sources' own images is published.

The fixture (tests/fixtures/hostile/site/) passes `check`: it puts script, event
handlers, styles that fetch and raw HTML in every field an editor can write. Each
payload calls alert() or asks attacker.invalid for something, so either is caught here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog

from tests.browsing import chromium, confined_page, needs_chromium, served
from tests.conftest import ROOT, build_edition

HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "site"

# Every element gets every event that an inline handler could wait for, after the page's
# own scripts have run; clicks are kept from navigating away.
PROVOKE = """() => {
  document.addEventListener("click", event => event.preventDefault(), true);
  // Attributes that make the browser fetch (text such as a meta tag's content does not).
  const URLS = ["src", "href", "srcset", "style", "action", "formaction", "data", "poster",
                "ping", "background", "xlink:href", "imagesrcset"];
  const kinds = ["mouseover", "mouseenter", "mousedown", "click", "focus", "focusin",
                 "load", "error", "animationstart", "transitionend", "toggle"];
  for (const element of document.querySelectorAll("*")) {
    for (const kind of kinds) element.dispatchEvent(new Event(kind, { bubbles: true }));
  }
  return [...document.querySelectorAll("*")].flatMap(element =>
    [...element.attributes]
      .filter(a => a.name.startsWith("on") ||
        (URLS.includes(a.name) && a.value.includes("attacker.invalid")))
      .map(a => `${element.tagName.toLowerCase()} ${a.name}="${a.value}"`));
}"""

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both editions of the hostile fixture, built by `build.py build` as an editor would,
    with links to files outside the image folder waiting there unreferenced."""
    project = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(HOSTILE, project)
    images = project / "briefings" / "images"
    (images / "passwd.png").symlink_to("/etc/passwd")
    (images / "sources").symlink_to(project / "briefings", target_is_directory=True)
    (project / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    build_edition(project)
    build_edition(project, "--edition", "public")
    return {"subscriber": project / "site", "public": project / "site-public"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_no_script_from_a_source_runs_and_no_request_leaves_any_page(
    sites: dict[str, Path], browser: Browser, edition: str
) -> None:
    site = sites[edition]
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert "briefings/hostile-briefing/index.html" in pages
    found: dict[str, list[str]] = {}
    with served(site) as base_url:
        for path in pages:
            elsewhere: list[str] = []
            alerts: list[str] = []
            with confined_page(browser, base_url, elsewhere) as page:
                page.on("dialog", record_into(alerts))
                page.goto(base_url + path, wait_until="load")
                attributes = page.evaluate(PROVOKE)
                page.wait_for_timeout(50)
            if alerts or elsewhere or attributes:
                found[path] = [*alerts, *elsewhere, *attributes]
    assert found == {}


def record_into(alerts: list[str]) -> Callable[[Dialog], None]:
    def record(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        dialog.dismiss()

    return record


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_only_the_sources_own_images_are_published(sites: dict[str, Path], edition: str) -> None:
    site = sites[edition]
    published = sorted(
        p.relative_to(site / "images").as_posix() for p in (site / "images").rglob("*")
    )
    assert published == ["ok.png"]
    assert (site / "images" / "ok.png").read_bytes() == (
        HOSTILE / "briefings/images/ok.png"
    ).read_bytes()
    passwd = Path("/etc/passwd").read_bytes()[:40]
    source = (HOSTILE / "briefings" / "hostile-briefing.yaml").read_bytes()[:200]
    for file in site.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert passwd not in data and source not in data, file


def test_what_an_editor_wrote_is_shown_as_text(sites: dict[str, Path]) -> None:
    """Markup in plain text fields is neither run nor lost: the reader sees the characters."""
    page = (sites["subscriber"] / "briefings" / "hostile-briefing" / "index.html").read_text()
    assert "&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt;" in page
    assert "<script>alert(" not in page
