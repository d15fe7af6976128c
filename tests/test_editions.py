"""The two editions, built through `build.py --root` from tests/fixtures/editions/: the public
one holds not one byte of what only subscribers may read; both carry a well-formed Atom feed."""

from __future__ import annotations

import gzip
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.model import CaseStudy
from insight.outputs import DOWNLOADS, downloads_of
from insight.project import Project
from insight.public import public_briefing
from tests.conftest import EDITIONS, Built

MARKER = b"subscriberonlyx7f3a"  # compared with each file in lower case: ids hold it too
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class Scan:
    files: int
    bytes: int
    leaks: list[str]
    """The files (relative paths) whose content holds the marker."""


def readable_bytes(path: Path) -> bytes:
    """What a reader could get out of a file: a .gz decompressed, a PDF's text besides its bytes."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        return gzip.decompress(data)
    if path.suffix == ".pdf":
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        ).stdout
        return data + text
    return data


def scan(site: Path) -> Scan:
    files = [p for p in sorted(site.rglob("*")) if p.is_file()]
    contents = {p: readable_bytes(p) for p in files}
    leaks = [str(p.relative_to(site)) for p, data in contents.items() if MARKER in data.lower()]
    return Scan(len(files), sum(len(data) for data in contents.values()), leaks)


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Every scalar of a dumped model by its path, lists indexed: {'quotes.1.text': '...'}."""
    if isinstance(value, dict):
        return {
            k: v for key, item in value.items() for k, v in leaves(item, f"{path}.{key}").items()
        }
    if isinstance(value, list):
        return {
            k: v for i, item in enumerate(value) for k, v in leaves(item, f"{path}.{i}").items()
        }
    return {path.lstrip("."): value}


# The list, written out again here so that making a field public is a decision this
# test has to be told of: everything of a briefing but its title block, summary, key messages,
# availability and price, contacts, and the titles of what it contains.
SUBSCRIBER_ONLY = {
    *("sections.id", "sections.title", "sections.body"),
    *("delusions.belief", "delusions.reality", "principles.body"),
    *("case_studies.summary", "case_studies.services", "case_studies.technologies"),
    *("case_studies.customer_groups", "case_studies.drivers", "case_studies.toolkit_components"),
    *("quotes.text", "quotes.speaker", "quotes.role", "quotes.organisation", "quotes.public"),
    *("further_reading.title", "further_reading.publisher", "further_reading.date"),
    "further_reading.note",
}


def test_the_fixture_marks_every_field_only_subscribers_may_read() -> None:
    [briefing] = Project(EDITIONS).load().briefings
    full, public = leaves(briefing.model_dump()), leaves(public_briefing(briefing).model_dump())
    withheld = {path: value for path, value in full.items() if public.get(path) != value}
    assert {re.sub(r"\.\d+", "", path) for path in withheld} == SUBSCRIBER_ONLY
    # Each text withheld holds the marker (but the flag of the quote not public); none kept does.
    texts = [value for value in withheld.values() if value is not False]
    assert all(MARKER in str(value).lower().encode() for value in texts)
    assert not any(MARKER in str(value).lower().encode() for value in public.values())


def test_the_public_briefing_is_as_valid_as_a_loaded_one() -> None:
    """Each object of the projection passes its own type's validation as it stands, and is
    still of the model's type where a template or a list expects one."""
    [briefing] = Project(EDITIONS).load().briefings
    public = public_briefing(briefing)
    objects = [public, *public.case_studies, *public.delusions, *public.principles]
    for item in objects:
        assert type(item).model_validate(dict(item)) == item
    [case] = public.case_studies
    assert isinstance(case, CaseStudy) and type(case) is not CaseStudy
    assert case.summary is None
    assert all(d.belief is None and d.reality is None for d in public.delusions)
    with pytest.raises(ValidationError):
        type(case).model_validate({**dict(case), "summary": ""})


def test_not_one_byte_only_subscribers_may_read_reaches_the_public_edition(
    editions: dict[str, Built],
) -> None:
    """Every output of the public edition: its site, and each download made for it."""
    built = editions["public"]
    public = scan(built.site)
    assert public.files > 50, "the scan looked at the whole edition"
    assert public.leaks == []
    for download in downloads_of(Edition.public):
        assert scan(Project(built.project).output_dir(download.key)).leaks == []


def test_the_subscriber_edition_holds_the_marker_so_the_scan_can_find_it(
    editions: dict[str, Built],
) -> None:
    leaks = set(scan(editions["subscriber"].site).leaks)
    # Pages, the search index, a copied image and the PDF's text.
    assert {
        "briefings/marked-briefing/index.html",
        "case-studies/index.html",
        "search/search_index.json",
        "images/subscriber-chart.png",
        "pdf/marked-briefing.pdf",
    } <= leaks


def test_the_public_edition_has_no_subscriber_download_and_only_the_images_its_texts_show(
    editions: dict[str, Built],
) -> None:
    site = editions["public"].site
    for download in DOWNLOADS:
        published = editions["subscriber"].site / download.site_path("marked-briefing")
        assert published.is_file()
        if Edition.public not in download.editions:
            assert not list(site.rglob(f"*{download.suffix}")), download.name
    assert sorted(p.name for p in (site / "images").iterdir()) == ["public-chart.png"]


def test_the_public_briefing_page_is_an_abstract_with_an_offer(editions: dict[str, Built]) -> None:
    html = (editions["public"].site / "briefings" / "marked-briefing" / "index.html").read_text(
        encoding="utf-8"
    )
    for shown in (
        "Shared services that last",  # title block
        "Share people, not only systems.",  # key messages
        "£195 for non-members",  # price
        "We shared the people first.",  # the quote marked public
        "Sharing a revenues service",  # a case study's title
        "Sharing saves money at once",  # a delusion's title
        'href="#full-text"',  # the offer, from the title block
        "Subscribe to Insight",
        'href="../../subscribe/"',
    ):
        assert shown in html, shown
    assert "Download the PDF" not in html


def test_the_public_explorer_lists_titles_and_kinds_only(editions: dict[str, Built]) -> None:
    html = (editions["public"].site / "case-studies" / "index.html").read_text(encoding="utf-8")
    assert "Sharing a revenues service" in html
    assert 'data-facet="organisation_kind"' in html
    assert 'data-facet="drivers"' not in html


def atom(site: Path) -> ET.Element:
    """The site's feed, parsed: a ParseError if it is not well-formed XML."""
    return ET.parse(site / "feed.xml").getroot()


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_each_edition_has_a_well_formed_atom_feed(editions: dict[str, Built], edition: str) -> None:
    site = editions[edition].site
    feed = atom(site)
    assert feed.tag == f"{ATOM}feed"
    for element in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{element}") is not None, element
    assert feed.findtext(f"{ATOM}id", "").startswith("tag:")
    assert RFC3339.fullmatch(feed.findtext(f"{ATOM}updated", ""))
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Shared services that last"
    assert entry.findtext(f"{ATOM}id") == "tag:socitm.net,2024:insight:briefings/marked-briefing"
    assert entry.findtext(f"{ATOM}updated") == "2021-03-04T00:00:00Z"
    assert "Councils that share services" in entry.findtext(f"{ATOM}summary", "")
    [page] = [link.get("href") for link in entry.findall(f"{ATOM}link[@rel='alternate']")]
    # Absolute, at the edition's address in mkdocs.yml (each at the root of its host).
    assert urlsplit(str(page)).scheme == "https"
    assert (site / urlsplit(str(page)).path.lstrip("/") / "index.html").is_file()
    enclosures = entry.findall(f"{ATOM}link[@rel='enclosure']")
    assert len(enclosures) == (1 if edition == "subscriber" else 0)


def test_the_feed_lists_every_briefing_newest_first(site: Path, catalogue: Catalogue) -> None:
    entries = atom(site).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id", "").rsplit("/", 1)[1] for e in entries] == [
        b.id for b in catalogue.briefings
    ]
    updated = [e.findtext(f"{ATOM}updated", "") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert all(RFC3339.fullmatch(u) for u in updated)


def test_every_page_tells_feed_readers_where_the_feed_is(site: Path) -> None:
    for path in ("index.html", "briefings/living-with-austerity/index.html", "404.html"):
        html = (site / path).read_text(encoding="utf-8")
        assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*feed\.xml', html)


def test_the_subscriber_edition_makes_no_offer_in_place_of_what_it_shows(
    editions: dict[str, Built],
) -> None:
    for path in ("briefings/marked-briefing", "case-studies", "delusions", "principles"):
        html = (editions["subscriber"].site / path / "index.html").read_text(encoding="utf-8")
        assert "insight-withheld" not in html, path
        assert 'id="full-text"' not in html, path
