"""The subscriber site, built by the real `mkdocs build --strict` from the real sources
(the `site` fixture) and from small fixture projects under tests/fixtures/site/."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from mkdocs.exceptions import Abort
from pypdf import PdfWriter

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.fieldref import models_under
from insight.model import Briefing
from insight.project import Project
from insight.site.generate import Settings, generate_site
from insight.site.pages import site_pages, slugify
from insight.site.publish import build_site
from tests.conftest import ROOT, mkdocs_build
from tests.support import Elements

FIXTURES = ROOT / "tests" / "fixtures" / "site"


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def content(site: Path, path: str) -> str:
    """The article of a page, without the navigation around it."""
    text = page(site, path)
    return text[text.index('<article class="md-content__inner') : text.rindex("</article>")]


def fixture_project(tmp_path: Path, name: str) -> Project:
    """A copy of a fixture project, with an mkdocs.yml that inherits the real one."""
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    (root / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    return Project(root)


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of tests/fixtures/site/project, with a PDF built for 'plain-briefing' only."""
    project = fixture_project(tmp_path_factory.mktemp("fixture"), "project")
    project.pdf_dir.mkdir(parents=True)
    blank = PdfWriter()
    blank.add_blank_page(width=595, height=842)
    blank.write(project.pdf_dir / "plain-briefing.pdf")
    result = mkdocs_build(project.root / "mkdocs.yml", project.root / "site")
    assert result.returncode == 0, result.stderr
    return project.root / "site"


def test_every_briefing_has_a_page(site: Path, catalogue: Catalogue) -> None:
    for briefing in catalogue.briefings:
        assert briefing.title.replace("&", "&amp;") in page(site, f"briefings/{briefing.id}")


def test_nothing_generated_is_committed_into_docs(catalogue: Catalogue) -> None:
    """docs/ holds the pages written by hand; every page the catalogue makes is made at build
    time, and none of them is in docs/ as well."""
    written = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    site = generate_site(Project(ROOT), catalogue, Settings(Edition.subscriber, "Insight"), written)
    made = {f.src_uri for f in site.files}
    assert {"index.md", "about.md", "subscribe.md", "editors-guide.md"} <= written
    assert {p.src_uri for p in site_pages(catalogue)} <= made
    assert not written & made


def test_the_editors_field_reference_is_generated_from_the_model(site: Path) -> None:
    """One row per field of every model a source holds, under that model's heading, with the
    field's own description."""
    html = content(site, "field-reference")
    tables = re.split(r"<h3 ", html)[1:]
    models = models_under(Briefing)
    assert len(tables) == len(models)
    for model, table in zip(models, tables, strict=True):
        rows = re.findall(r"<tr>\s*<td><code>([^<]+)</code></td>", table)
        assert rows == list(model.model_fields), model.__name__
        for info in model.model_fields.values():
            assert html_text(info.description or "") in table, info.description
    assert "field-reference/" in page(site, "editors-guide")


def html_text(text: str) -> str:
    """`text` as the page writes it: escaped, backquoted words as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def test_briefing_page_has_title_block_price_and_contacts(site: Path) -> None:
    html = content(site, "briefings/living-with-austerity")
    assert "Making hard choices for ICT investment" in html
    assert "Free to Insight subscribers" in html
    assert "£195 for non-members" in html and "£150 for Socitm members" in html
    assert 'id="further-information"' in html
    assert 'href="mailto:vicky.sargent@socitm.net"' in html
    assert 'href="tel:07726601139"' in html


def test_markdown_fields_reach_the_page_exactly_as_pandoc_wrote_them(
    site: Path, catalogue: Catalogue
) -> None:
    for briefing in catalogue.briefings:
        html = content(site, f"briefings/{briefing.id}")
        for text in [
            briefing.summary,
            *briefing.key_messages,
            *(s.body for s in briefing.sections),
        ]:
            assert catalogue.markdown(text) in html


def test_sections_delusions_principles_and_case_studies_have_anchors_from_their_ids(
    site: Path, catalogue: Catalogue
) -> None:
    for briefing in catalogue.briefings:
        ids = Elements(page(site, f"briefings/{briefing.id}")).ids()
        items = [
            *briefing.sections,
            *briefing.delusions,
            *briefing.principles,
            *briefing.case_studies,
        ]
        assert {item.id for item in items} <= ids
    assert {d.id for _, d in catalogue.delusions()} <= Elements(page(site, "delusions")).ids()
    assert {p.id for _, p in catalogue.principles()} <= Elements(page(site, "principles")).ids()
    assert {c.id for _, c in catalogue.case_studies()} <= Elements(page(site, "case-studies")).ids()


def test_quotes_are_set_apart_with_their_attribution(site: Path) -> None:
    html = content(site, "briefings/living-with-austerity")
    assert '<figure class="insight-quote">' in html
    assert (
        '<figcaption><span class="insight-speaker">Nick Roberts</span>, '
        "Immediate Past President, Socitm</figcaption>"
    ) in html


def test_related_briefings_link_to_their_pages(site: Path, catalogue: Catalogue) -> None:
    for briefing in catalogue.briefings:
        links = Elements(content(site, f"briefings/{briefing.id}")).links()
        for related in briefing.related:
            assert f"../{related}/" in links


def test_catalogue_lists_briefings_newest_first_within_each_kind(
    site: Path, catalogue: Catalogue
) -> None:
    links = Elements(content(site, "briefings")).links()
    for kind in {b.kind for b in catalogue.briefings}:
        expected = [f"{b.id}/" for b in catalogue.briefings if b.kind is kind]
        assert [link for link in links if link in expected] == expected


def test_principles_page_names_every_briefing_that_invokes_a_principle(
    site: Path, catalogue: Catalogue
) -> None:
    html = content(site, "principles")
    for _, principle in catalogue.principles():
        block = html[html.index(f'id="{principle.id}"') :].split("</div>", 1)[0]
        for briefing in catalogue.invoked_by[principle.id]:
            assert f'href="../briefings/{briefing.id}/"' in block


def test_explorer_lists_every_case_study_with_facet_counts(
    site: Path, catalogue: Catalogue
) -> None:
    elements = Elements(content(site, "case-studies"))
    cards = [json.loads(a["data-facets"] or "") for _, a in elements.tags if "data-facets" in a]
    assert len(cards) == len(list(catalogue.case_studies()))
    facets = {a["data-facet"] for _, a in elements.tags if "data-facet" in a}
    assert facets == {"organisation_kind", "services", "technologies", "customer_groups", "drivers"}
    html = content(site, "case-studies")
    districts = sum("district council" in card["organisation_kind"] for card in cards)
    assert (
        f'value="district council"> <span class="insight-facet-value">district council</span> <span class="insight-count" data-count>{districts}</span>'
        in html
    )


def test_explorer_charts_case_studies_by_driver_and_by_service_as_tables(
    site: Path, catalogue: Catalogue
) -> None:
    """Each chart is a table a screen reader reads row by row: a value and its count."""
    html = content(site, "case-studies")
    assert html.count('<table class="insight-chart">') == 2
    assert "<caption>Case studies by driver</caption>" in html
    assert "<caption>Case studies by service</caption>" in html
    drivers = Counter(d for _, c in catalogue.case_studies() for d in set(c.drivers))
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td><span class="insight-chart-bar" '
        r'style="--share: (\d+)%"></span><span class="insight-chart-count">(\d+)</span>',
        html,
    )
    charted = {label: int(count) for label, _, count in rows}
    assert {label: charted[label] for label in drivers} == dict(drivers)
    assert max(int(share) for _, share, _ in rows) == 100


def test_each_organisation_page_gathers_its_case_studies(site: Path, catalogue: Catalogue) -> None:
    for briefing, case in catalogue.case_studies():
        html = content(site, f"organisations/{slugify(case.organisation)}")
        assert f'id="{case.id}"' in html
        assert f'href="../../briefings/{briefing.id}/"' in html


def test_every_link_within_the_site_leads_to_a_page_and_anchor(site: Path) -> None:
    # 404.html is served at any depth, so the theme gives it links from the site root.
    pages = set(site.rglob("*.html")) - {site / "404.html"}
    broken = [
        f"{file.relative_to(site)}: {link}"
        for file in pages
        for link in Elements(file.read_text(encoding="utf-8")).links()
        if not leads_somewhere(file, link)
    ]
    assert broken == []


def leads_somewhere(file: Path, link: str) -> bool:
    """True for a link to another host, or to a file (and anchor) that the site has."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return True
    target = (file.parent / unquote(parts.path)).resolve() if parts.path else file
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return False
    if not parts.fragment or target.suffix != ".html":
        return True
    return unquote(parts.fragment) in Elements(target.read_text(encoding="utf-8")).ids()


def test_the_site_loads_nothing_from_other_hosts(site: Path) -> None:
    for file in [*site.rglob("*.html"), *site.glob("assets/insight/*.css")]:
        text = file.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
        for tag, attrs in Elements(text).tags:
            # A canonical link names the page's own address; it loads nothing.
            if tag in {"script", "link", "img"} and attrs.get("rel") != "canonical":
                url = attrs.get("src") or attrs.get("href") or ""
                assert not urlsplit(url).netloc, f"{file.relative_to(site)} loads {url}"
    assert (site / "assets/insight/fonts/source-serif-4-latin-400-normal.woff2").is_file()


def test_search_index_holds_organisations_concepts_and_people_quoted(site: Path) -> None:
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    for term in [
        "Buurtzorg",
        "Tandridge",
        "austerity",
        "shared services",
        "Nick Roberts",
        "delusion",
    ]:
        assert term.casefold() in index.casefold(), term


def test_source_markup_is_shown_as_text_and_never_run(fixture_site: Path) -> None:
    pages = [
        "briefings/unsafe-markup",
        "briefings",
        "case-studies",
        "organisations/example-em-council-em",
    ]
    for path in pages:
        html = page(fixture_site, path)
        elements = Elements(html)
        assert "<script>alert" not in html
        assert "iframe" not in {tag for tag, _ in elements.tags}
        assert [name for _, attrs in elements.tags for name in attrs if name.startswith("on")] == []
        assert not [link for link in elements.links() if link.lower().startswith("javascript:")]
    html = content(fixture_site, "briefings/unsafe-markup")
    assert ">Scripts &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; *stars*<" in html
    assert "Before &lt;script&gt;alert(\u2018summary\u2019)&lt;/script&gt; after" in html
    assert "Example &lt;em&gt;Council&lt;/em&gt;" in html


def test_pdf_link_is_shown_only_when_the_pdf_is_built(fixture_site: Path) -> None:
    assert 'href="../../pdf/plain-briefing.pdf"' in page(fixture_site, "briefings/plain-briefing")
    assert (fixture_site / "pdf" / "plain-briefing.pdf").is_file()
    unsafe = page(fixture_site, "briefings/unsafe-markup")
    assert "PDF not built yet." in unsafe and ".pdf" not in unsafe


def test_images_in_source_fields_are_published_and_found_from_the_page(fixture_site: Path) -> None:
    briefing = fixture_site / "briefings" / "plain-briefing" / "index.html"
    assert '<img src="../../images/square.png"' in briefing.read_text(encoding="utf-8")
    assert leads_somewhere(briefing, "../../images/square.png")


def test_source_errors_stop_the_build_with_located_messages(tmp_path: Path) -> None:
    project = fixture_project(tmp_path, "broken")
    result = mkdocs_build(project.root / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 1
    assert "briefings/broken.yaml:9:1: error: unknown field 'summery'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test_failed_site_build_leaves_the_previous_site_in_place(tmp_path: Path) -> None:
    project = fixture_project(tmp_path, "project")
    site_dir = build_site(project)
    assert (site_dir / "briefings" / "plain-briefing" / "index.html").is_file()
    source = project.briefings / "plain-briefing.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "unknown_key: 1\n", encoding="utf-8")
    with pytest.raises(Abort):
        build_site(project)
    assert (site_dir / "briefings" / "plain-briefing" / "index.html").is_file()
    # The build cache, and no folder of the build that failed.
    assert sorted(p.name for p in project.root.iterdir()) == [
        "briefings",
        "build",
        "mkdocs.yml",
        "site",
    ]
