"""The presentation model decides what a reader sees once, for the site and the print edition
alike; the brand gives both their colours, and a project changes them in one place."""

from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest

from insight.catalogue import Catalogue
from insight.changes import money
from insight.edition import Edition
from insight.look import OUR_TEMPLATES, look_of, look_of_catalogue
from insight.model import Availability
from insight.pdf.document import briefing_html
from insight.pdf.render import pdf_bytes
from insight.presentation import (
    CASE_FACETS,
    contents,
    invoked_principles,
    offer,
    present,
    price,
)
from insight.project import Project
from insight.public import public_catalogue
from tests.conftest import ROOT, mkdocs_build

FIXTURE = ROOT / "tests" / "fixtures" / "presentation" / "project"
MARKER = re.compile(r"zq[a-z]+zq")
PROJECT_PRIMARY = "#5c1a33"  # the fixture project's brand.yaml

# Fields one output shows and the other does not, on purpose.
PRINT_ONLY = {
    # The running head of every printed page; a web page has no running heads.
    "zqshorttitlezq": "short_title",
}
SITE_ONLY = {
    # Ids are addresses: the page is found at its id, and links to the related briefing's
    # page and to the invoked principle's entry by theirs; a PDF links to no other page.
    "zqidzq": "id",
    "zqrelatedzq": "related",
    "zqinvokedidzq": "invokes_principles",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("presentation") / "project"
    shutil.copytree(FIXTURE, project)
    return project


@pytest.fixture(scope="module")
def marked(project: Path) -> Catalogue:
    return Project(project).load()


@pytest.fixture(scope="module")
def built(project: Path) -> Path:
    """The fixture project's subscriber site, built once by the real `mkdocs build --strict`."""
    (project / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    site = project / "site"
    result = mkdocs_build(project / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    return site


# ---------- The model on the real catalogue: no build ----------


def test_every_output_writes_an_amount_the_same_way() -> None:
    for amount, shown in [("195", "£195"), ("195.5", "£195.50"), ("1195.00", "£1,195")]:
        assert price(Decimal(amount)) == shown
        assert money(Decimal(amount)) == shown  # the editors' change summaries


def test_availability_lines_name_the_brand_and_say_when_nothing_is_recorded() -> None:
    brand = look_of(None).brand
    given = offer(Availability(free_to_subscribers=True, price_non_members=195), brand)
    assert (given.free, given.prices, given.recorded) == (
        "Free to Insight subscribers",
        ["£195 for non-members"],
        True,
    )
    assert offer(Availability(price_members=Decimal("1.5")), brand).prices == [
        "£1.50 for Socitm members"
    ]
    assert not offer(Availability(), brand).recorded


def test_sections_then_furniture_are_numbered_in_order(catalogue: Catalogue) -> None:
    for briefing in catalogue.briefings:
        parts = contents(briefing)
        numbered = [p for p in parts if p.number]
        assert [p.number for p in numbered] == [str(n) for n in range(1, len(numbered) + 1)]
        sections = [f"section-{s.id}" for s in briefing.sections]
        assert [p.anchor for p in numbered][: len(sections)] == sections
        assert parts[0].heading == "Summary" and numbered[0].heading.startswith("1. ")


def test_invoked_principles_are_those_set_out_elsewhere(catalogue: Catalogue) -> None:
    invoking = [b for b in catalogue.briefings if b.invokes_principles]
    assert invoking, "the sample briefings invoke principles"
    for briefing in catalogue.briefings:
        invoked = invoked_principles(catalogue, briefing)
        assert {p.id for _, p in invoked} == set(briefing.invokes_principles) - {
            p.id for p in briefing.principles
        }
        assert all(source is not briefing for source, _ in invoked)


def test_the_public_view_says_what_it_withholds_and_the_subscriber_view_withholds_nothing(
    catalogue: Catalogue,
) -> None:
    brand = look_of(ROOT).brand
    public = public_catalogue(catalogue)
    for full, abstract in zip(catalogue.briefings, public.briefings, strict=True):
        theirs = present(catalogue, full, Edition.subscriber, brand)
        assert theirs.withheld == {} and theirs.full_text == []
        view = present(public, abstract, Edition.public, brand)
        assert set(view.withheld) >= {"delusions", "principles", "case-studies"}
        assert view.full_text[0] == "its full text, section by section"
        if full.case_studies:
            count = len(full.case_studies)
            assert any(line.startswith(f"its {count} case stud") for line in view.full_text)
        # The public view numbers only what the public page shows: no sections.
        assert not any(p.anchor.startswith("section-") for p in view.contents)


# ---------- Every field shown in one output is shown in the other ----------


def markers(text: str) -> set[str]:
    return set(MARKER.findall(text.lower()))


def texts(value: object) -> list[str]:
    """Every text of a dumped model (not the kinds and dates, which are not texts)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return [value] if type(value) is str else []


def test_the_fixture_marks_every_text_a_reader_may_see(marked: Catalogue) -> None:
    every = texts(marked.briefing("zqidzq").model_dump())
    assert len(every) > 45
    assert [text for text in every if not MARKER.search(text)] == []
    assert len({marker for text in every for marker in markers(text)}) == len(every)


def test_every_field_the_site_page_shows_the_print_edition_shows_and_back(
    marked: Catalogue, built: Path
) -> None:
    briefing = marked.briefing("zqidzq")
    printed = markers(briefing_html(marked, briefing))
    page = markers((built / "briefings" / "zqidzq" / "index.html").read_text(encoding="utf-8"))
    source = markers((FIXTURE / "briefings" / "zqidzq.yaml").read_text(encoding="utf-8"))
    source |= {"zqrelatedtitlezq", "zqinvokedtitlezq"}
    assert printed - page == set(PRINT_ONLY)
    assert page - printed == set(SITE_ONLY)
    # And between them, every marker of the source is shown somewhere; but a further
    # reading's date, which the house citation style prints only where it reads as a date
    # (see insight.citation), and this one is free text.
    assert source - {"zqreadingdatezq"} <= printed | page
    for shown in (printed, page):
        assert {"zqcasetoolkitcomponentszq", "zqreadingnotezq", "zqrevisionnotezq"} <= shown


def test_the_same_price_and_numbers_in_both_outputs(marked: Catalogue, built: Path) -> None:
    printed = briefing_html(marked, marked.briefing("zqidzq"))
    page = (built / "briefings" / "zqidzq" / "index.html").read_text(encoding="utf-8")
    for text in (printed, page):
        assert "£987 for non-members" in text and "£654.50 for Socitm members" in text
        assert "Free to Insight subscribers" in text
    # Section 1, then Delusions 2, Principles 3, Case studies 4, Further reading 5.
    assert re.search(r">2</span> Delusions<", printed)
    assert re.search(r">2\. Delusions<", page)
    assert re.search(r">5</span> Further reading<", printed)
    assert re.search(r">5\. Further reading<", page)


def test_the_explorer_tags_each_case_study_with_every_facet_print_shows(built: Path) -> None:
    explorer = (built / "case-studies" / "index.html").read_text(encoding="utf-8").lower()
    assert {f"zqcase{f.field.replace('_', '')}zq" for f in CASE_FACETS} <= markers(explorer)


# ---------- The brand: one edit, both outputs ----------

HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def test_neither_stylesheet_holds_a_colour_of_its_own() -> None:
    for stylesheet in (
        ROOT / "insight" / "site" / "assets" / "insight.css",
        ROOT / "insight" / "pdf" / "print.css",
    ):
        text = re.sub(r"/\*.*?\*/", "", stylesheet.read_text(encoding="utf-8"), flags=re.S)
        assert HEX.findall(text) == [], stylesheet.name
        assert "rgb(" not in text


def test_a_projects_brand_colour_reaches_the_site_css_and_the_pdf(
    project: Path, marked: Catalogue, built: Path
) -> None:
    css = (built / "assets" / "insight" / "insight.css").read_text(encoding="utf-8")
    assert f"--insight-ink: {PROJECT_PRIMARY};" in css
    assert f"--md-primary-fg-color: {PROJECT_PRIMARY};" in css
    assert look_of(None).brand.colours["primary"] not in css

    html = briefing_html(marked, marked.briefing("zqidzq"))
    assert f"--brand: {PROJECT_PRIMARY};" in html
    colours = look_of_catalogue(marked).variables("print")
    assert ("brand", PROJECT_PRIMARY) in colours
    printed = pdf_bytes(html, images=project / "briefings" / "images", variables=colours)
    pdf = pikepdf.open(io.BytesIO(printed))
    red, green, blue = (int(PROJECT_PRIMARY[i : i + 2], 16) / 255 for i in (1, 3, 5))
    fill = f"{red:.6g} {green:.6g} {blue:.6g} rg".encode()
    cover = b"".join(
        stream.read_bytes()
        for stream in (
            pdf.pages[0].Contents
            if isinstance(pdf.pages[0].Contents, pikepdf.Array)
            else [pdf.pages[0].Contents]
        )
    )
    assert fill in cover  # the cover's band is the brand's primary colour


def test_a_projects_template_comes_before_ours(project: Path, marked: Catalogue) -> None:
    own = project / "templates" / "print"
    own.mkdir(parents=True)
    ours = (OUR_TEMPLATES["print"] / "briefing.html").read_text(encoding="utf-8")
    (own / "briefing.html").write_text(
        ours.replace("<body>", "<body><p>Second publisher's cover note</p>"), encoding="utf-8"
    )
    look = look_of(project)
    assert look.templates("print") == [own.resolve(), OUR_TEMPLATES["print"]]
    html = briefing_html(marked, marked.briefing("zqidzq"))
    assert "Second publisher's cover note" in html
    shutil.rmtree(project / "templates")
