"""WCAG 2.2 AA on the site, checked by axe-core (pinned in package-lock.json) in Chromium.

Every page type of both editions, at a desktop width and at 320 CSS pixels (reflow), with
the explorer's facets in use and with the search open: no violation, no contrast left
undecided, nothing that scrolls sideways, and a visible focus on every facet control.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from tests.browsing import chromium, needs_chromium, site_page
from tests.conftest import ROOT, Built

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = (1280, 320)

# One page of each kind the site has; organisation pages are all made from one template.
PAGE_TYPES = [
    "",
    "about/",
    "subscribe/",
    "accessibility/",
    "editors-guide/",
    "briefings/",
    "delusions/",
    "principles/",
    "case-studies/",
    "organisations/",
    "field-reference/",
    "404.html",
]

AUDIT = """async ([tags, within]) => {
  const result = await axe.run(within ? { include: [within] } : document, {
    runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"] });
  const nodes = rule => rule.nodes.map(node => `${rule.id}: ${node.target.join(" ")}`);
  return {
    violations: result.violations.flatMap(nodes),
    undecided: result.incomplete.filter(rule => rule.id === "color-contrast").flatMap(nodes),
  };
}"""

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(not AXE.exists(), reason="needs the Node tools: python3 tasks.py setup"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def pages_of(site: Path) -> list[str]:
    """The page types, plus every briefing page and one organisation page."""
    briefings = sorted(p.parent.name for p in (site / "briefings").glob("*/index.html"))
    organisation = sorted(p.parent.name for p in (site / "organisations").glob("*/index.html"))[:1]
    return [
        *PAGE_TYPES,
        *(f"briefings/{b}/" for b in briefings),
        *(f"organisations/{o}/" for o in organisation),
    ]


def audit(page: Page, within: str = "") -> dict[str, list[str]]:
    """axe's findings for the page, or for the part of it that `within` selects, once the
    theme's fades have ended (text half faded in is not what the reader is left with)."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AUDIT, [WCAG, within])


def problems_of(browser: Browser, site: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with site_page(browser, site) as (page, base_url):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in pages_of(site):
                page.goto(base_url + path, wait_until="load")
                result = audit(page)
                wide = page.evaluate("document.documentElement.scrollWidth")
                problems = [*result["violations"], *result["undecided"]]
                if wide > width:
                    problems.append(f"scrolls sideways: {wide} px wide")
                if problems:
                    found[f"{path} at {width}px"] = problems
    return found


@pytest.fixture(scope="module")
def both_editions(site: Path, editions: dict[str, Built]) -> dict[str, Path]:
    return {"real sources": site, **{name: built.site for name, built in editions.items()}}


@pytest.mark.parametrize("which", ["real sources", "subscriber", "public"])
def test_every_page_type_meets_wcag_22_aa_at_every_width(
    browser: Browser, both_editions: dict[str, Path], which: str
) -> None:
    assert problems_of(browser, both_editions[which]) == {}


def test_the_explorer_in_use_and_the_open_search_meet_wcag_22_aa(
    browser: Browser, site: Path
) -> None:
    with site_page(browser, site) as (page, base_url):
        page.goto(base_url + "case-studies/", wait_until="load")
        page.locator("[data-facet] input").first.check()
        assert page.locator("[data-reset]").is_visible()
        assert audit(page) == {"violations": [], "undecided": []}

        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base_url, wait_until="load")
            page.evaluate("document.getElementById('__search').click()")
            page.locator("input.md-search__input").focus()
            page.keyboard.type("council")
            page.locator(".md-search-result__item").first.wait_for()
            assert audit(page) == {"violations": [], "undecided": []}, width


# Where the element that has the keyboard's focus is drawn, if anything has it.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  e.scrollIntoView({ block: "nearest" });
  const box = e.getBoundingClientRect();
  return { what: e.outerHTML.slice(0, 80), left: box.left, right: box.right,
           width: box.width, height: box.height };
}"""


@pytest.mark.parametrize("width", [1280, 320])
def test_everything_the_keyboard_reaches_is_in_sight(
    browser: Browser, site: Path, width: int
) -> None:
    with site_page(browser, site) as (page, base_url):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("", "case-studies/"):
            page.goto(base_url + path, wait_until="load")
            page.wait_for_timeout(300)
            hidden = []
            for stop in range(40):
                page.keyboard.press("Tab")
                focus = page.evaluate(FOCUSED)
                if focus is None:
                    break
                out_of_sight = focus["right"] <= 0 or focus["left"] >= width
                if focus["width"] == 0 or focus["height"] == 0 or out_of_sight:
                    hidden.append((path, stop, focus["what"]))
            assert hidden == []


@pytest.mark.parametrize("width", [768, 320])
def test_the_explorers_filters_never_lie_over_a_case_study(
    browser: Browser, site: Path, width: int
) -> None:
    with site_page(browser, site) as (page, base_url):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base_url + "case-studies/", wait_until="load")
        cards = page.locator(".insight-explorer-results article")
        for index in range(cards.count()):
            cards.nth(index).scroll_into_view_if_needed()
            facets = page.locator(".insight-facets").bounding_box()
            card = cards.nth(index).bounding_box()
            assert facets and card
            apart = (
                facets["y"] + facets["height"] <= card["y"]
                or card["y"] + card["height"] <= facets["y"]
            )
            assert apart, index


def test_every_facet_control_shows_where_the_keyboard_is(browser: Browser, site: Path) -> None:
    with site_page(browser, site) as (page, base_url):
        page.goto(base_url + "case-studies/", wait_until="load")
        boxes = page.locator("[data-facet] input")
        assert boxes.count() > 3
        for index in range(boxes.count()):
            boxes.nth(index).focus()
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")  # focus from the keyboard, as :focus-visible needs
            outline = boxes.nth(index).evaluate(
                "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
            )
            assert outline[0] != "none" and float(outline[1].removesuffix("px")) >= 2, index


def test_the_pdf_link_says_its_format_size_and_pages_and_how_to_ask_for_another(
    editions: dict[str, Built],
) -> None:
    site = editions["subscriber"].site
    page = (site / "briefings" / "marked-briefing" / "index.html").read_text()
    pdf = site / "pdf" / "marked-briefing.pdf"
    pages = len(PdfReader(pdf).pages)
    size = round(pdf.stat().st_size / 1000)
    facts = f"PDF, {size} KB, {pages} pages"
    assert f'<span class="insight-download-facts" data-search-exclude>{facts}</span>' in page
    assert 'href="../../accessibility/#another-format"' in page
    statement = (site / "accessibility" / "index.html").read_text()
    assert 'id="another-format"' in statement and 'id="report-a-problem"' in statement


def test_clearing_the_filters_keeps_the_keyboard_where_it_was(browser: Browser, site: Path) -> None:
    with site_page(browser, site) as (page, base_url):
        page.goto(base_url + "case-studies/", wait_until="load")
        page.locator("[data-facet] input").first.check()
        page.locator("[data-reset]").focus()
        page.keyboard.press("Enter")
        focused = page.evaluate("document.activeElement.tagName")
        assert focused != "BODY"
