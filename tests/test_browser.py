"""The built site in headless Chromium: search, the case-study explorer, and how it looks.

The site is served from 127.0.0.1 and every request elsewhere is refused and recorded,
so these tests also show that the site needs nothing from another host.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from insight.look import look_of
from tests.browsing import chromium, confined_page, needs_chromium, served
from tests.conftest import ROOT

LOADED_FONTS = """async () => {
  await document.fonts.ready;
  return [...document.fonts].filter(f => f.status === "loaded").map(f => f.family.replaceAll('"', ""));
}"""

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with served(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    elsewhere: list[str] = []
    with confined_page(browser, base_url, elsewhere) as page:
        yield page
    assert elsewhere == [], "the site asked another host for something"


def search(page: Page, base_url: str, query: str) -> str:
    """The text of the search results for `query`, typed into the search box of the home page."""
    page.goto(base_url)
    page.locator("input.md-search__input").click()
    page.keyboard.type(query)
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    return page.locator(".md-search-result").inner_text()


def test_search_finds_buurtzorg(page: Page, base_url: str) -> None:
    results = search(page, base_url, "Buurtzorg")
    assert "Buurtzorg" in results
    assert "Community nursing" in results


def test_search_finds_tandridge(page: Page, base_url: str) -> None:
    assert "Tandridge District Council" in search(page, base_url, "Tandridge")


def test_search_finds_delusions(page: Page, base_url: str) -> None:
    results = search(page, base_url, "delusion")
    assert "Delusions of transformation" in results


def test_search_finds_a_person_quoted(page: Page, base_url: str) -> None:
    results = search(page, base_url, "Nick Roberts")
    assert "Living with austerity" in results


def test_choosing_a_facet_narrows_the_case_studies_and_their_count(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + "case-studies/")
    shown = page.locator("[data-shown]")
    total = int(shown.inner_text())
    option = (
        page.locator('[data-facet="organisation_kind"] label')
        .filter(has_text="district council")
        .first
    )
    expected = int(option.locator("[data-count]").inner_text())
    assert 0 < expected < total

    option.locator("input").check()

    assert int(shown.inner_text()) == expected
    assert page.locator(".insight-explorer-results article:visible").count() == expected
    page.locator("[data-reset]").click()
    assert int(shown.inner_text()) == total


def test_screenshots_of_home_briefing_and_explorer_show_the_brand(
    page: Page, base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What a reader sees, read back from each screenshot: the brand's header across the top
    and its dark footer at the foot, its paper and white cards behind the text between, and
    a page longer than the window."""
    folder = tmp_path_factory.mktemp("screenshots")
    colours = look_of(ROOT).brand.colours
    header, footer = rgb(colours["primary"]), rgb(colours["primary-dark"])
    light = {rgb(colours["paper"]), rgb(colours["white"])}
    pages = {
        "home": "",
        "briefing": "briefings/living-with-austerity/",
        "explorer": "case-studies/",
    }
    for name, path in pages.items():
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        # The site's own fonts, not a fallback, are what the reader sees.
        assert set(page.evaluate(LOADED_FONTS)) >= {"Source Serif 4", "Source Sans 3"}
        shot = folder / f"{name}.png"
        page.screenshot(path=shot, full_page=True)
        with Image.open(shot) as image:
            picture = image.convert("RGB")
        width, height = picture.size
        assert height > page.viewport_size["height"], name
        assert {picture.getpixel((x, 4)) for x in range(0, width, 16)} == {header}, name
        assert {picture.getpixel((x, height - 4)) for x in range(0, width, 16)} == {footer}, name
        body = picture.crop((0, height // 4, width, 3 * height // 4))
        share = sum(n for n, colour in body.getcolors(width * height) if colour in light)
        assert share > 0.85 * body.width * body.height, name
    print(f"screenshots in {folder}")


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
