"""The site's files are a plain function of the catalogue, the project and the settings:
made here without MkDocs, and published by MkDocs exactly as made."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from mkdocs.structure.files import File
from pypdf import PdfWriter

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.outputs import PDF
from insight.project import Project
from insight.public import public_catalogue
from insight.site.feed import FEED
from insight.site.generate import STYLESHEET, Settings, Site, generate_site
from insight.site.pages import site_pages
from insight.site.share import SITE_IMAGE, share_image_path
from insight.site.urls import published_url, relative_url
from tests.conftest import ROOT

DOCUMENTS = [p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")]


def generated(catalogue: Catalogue, edition: Edition, **settings: str) -> Site:
    return generate_site(
        Project(ROOT), catalogue, Settings(edition, "Insight", **settings), DOCUMENTS
    )


@pytest.fixture(scope="module")
def subscriber(catalogue: Catalogue) -> Site:
    return generated(catalogue, Edition.subscriber, site_url="https://example.org/insight/")


def test_every_page_the_catalogue_has_is_made_once_with_its_feed_and_citations(
    subscriber: Site, catalogue: Catalogue
) -> None:
    names = [f.src_uri for f in subscriber.files]
    assert len(names) == len(set(names))
    pages = {p.src_uri for p in site_pages(catalogue)}
    assert pages <= set(names)
    assert FEED in names
    for briefing in catalogue.briefings:
        assert {f"cite/{briefing.id}.{ext}" for ext in ("bib", "ris", "json")} <= set(names)
    markdown = [f for f in subscriber.files if f.src_uri in pages]
    assert all(isinstance(f.content, str) and f.content.startswith("---\n") for f in markdown)


def test_a_page_links_only_to_files_the_site_has(subscriber: Site, catalogue: Catalogue) -> None:
    """A link to a missing file is our bug, and stops the build: here, each link a briefing's
    page makes resolves, relative to where that page is published."""
    page = next(f for f in subscriber.files if f.src_uri == "briefings/living-with-austerity.md")
    assert 'href="../../organisations/tandridge-district-council/"' in str(page.content)
    assert 'href="../../cite/living-with-austerity.bib"' in str(page.content)
    with pytest.raises(LookupError):
        subscriber.sitemap.url("briefings/no-such-briefing.md")


def test_a_download_is_offered_only_once_built(tmp_path: Path, catalogue: Catalogue) -> None:
    """A project whose PDFs are not built yet offers none, and says so; once one is built,
    its page offers it with its facts, and the feed links to it."""
    project = Project(tmp_path)
    project.images.mkdir(parents=True)
    settings = Settings(Edition.subscriber, "Insight", site_url="https://example.org/")
    briefing = catalogue.briefing("living-with-austerity")
    page = f"briefings/{briefing.id}.md"

    def made(name: str) -> str:
        site = generate_site(project, catalogue, settings, DOCUMENTS)
        return str(next(f.content for f in site.files if f.src_uri == name))

    assert "PDF not built yet." in made(page)
    assert "enclosure" not in made(FEED)
    built = PDF.built(project, briefing.id)
    built.parent.mkdir(parents=True)
    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(595, 842)
    writer.write(built)
    assert "PDF, 1 KB, 2 pages" in made(page)
    assert f'href="https://example.org/pdf/{briefing.id}.pdf"' in made(FEED)


def unreadable_pdfs(folder: Path) -> dict[str, Path]:
    """PDFs a viewer would refuse: locked by a password, cut off half-way."""
    writer = PdfWriter()
    for _ in range(20):
        writer.add_blank_page(595, 842)
    writer.write(folder / "whole.pdf")
    with pikepdf.open(folder / "whole.pdf") as pdf:
        pdf.save(folder / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
        # Every object in the open, so that half of the file still holds whole pages.
        plain = {"object_stream_mode": pikepdf.ObjectStreamMode.disable, "compress_streams": False}
        pdf.save(folder / "plain.pdf", **plain)
    plain = (folder / "plain.pdf").read_bytes()
    (folder / "cut.pdf").write_bytes(plain[: len(plain) // 2])
    return {name: folder / f"{name}.pdf" for name in ("locked", "cut")}


@pytest.mark.parametrize("damage", ["locked", "cut"])
def test_a_pdf_no_viewer_could_open_is_not_offered(
    tmp_path: Path, catalogue: Catalogue, damage: str
) -> None:
    project = Project(tmp_path / "project")
    project.images.mkdir(parents=True)
    briefing = catalogue.briefing("living-with-austerity")
    built = PDF.built(project, briefing.id)
    built.parent.mkdir(parents=True)
    built.write_bytes(unreadable_pdfs(tmp_path)[damage].read_bytes())
    settings = Settings(Edition.subscriber, "Insight", site_url="https://example.org/")
    site = generate_site(project, catalogue, settings, DOCUMENTS)
    assert site.offers[briefing.id] == []
    page = next(f for f in site.files if f.src_uri == f"briefings/{briefing.id}.md")
    assert "PDF not built yet." in str(page.content)


def test_a_pdf_among_the_docs_is_not_offered_anywhere(tmp_path: Path, catalogue: Catalogue) -> None:
    """A download is offered only as built: the page, the feed and the head's tags agree."""
    project = Project(tmp_path)
    project.images.mkdir(parents=True)
    briefing = catalogue.briefing("living-with-austerity")
    documents = [*DOCUMENTS, PDF.site_path(briefing.id)]
    settings = Settings(Edition.subscriber, "Insight", site_url="https://example.org/")
    site = generate_site(project, catalogue, settings, documents)
    assert site.offers[briefing.id] == []
    feed = next(f for f in site.files if f.src_uri == FEED)
    assert "enclosure" not in str(feed.content)


def test_the_public_edition_is_made_from_the_public_catalogue_without_downloads(
    catalogue: Catalogue,
) -> None:
    site = generated(public_catalogue(catalogue), Edition.public)
    names = {f.src_uri for f in site.files}
    assert not any(name.endswith(PDF.suffix) for name in names)
    assert SITE_IMAGE in names
    assert {share_image_path(b.id) for b in catalogue.briefings} <= names


def test_the_stylesheet_is_published_after_the_brands_variables(subscriber: Site) -> None:
    [stylesheet] = [f for f in subscriber.files if f.src_uri == STYLESHEET]
    assert str(stylesheet.content).startswith(":root")


@pytest.mark.parametrize("directory_urls", [True, False])
def test_the_addresses_are_those_mkdocs_gives(subscriber: Site, directory_urls: bool) -> None:
    names = [*DOCUMENTS, *(f.src_uri for f in subscriber.files), "README.md", "a b/c d.md"]
    names += ["guide/README.md", "notes.markdown", "a/b.mkd", "static/index.html", "x.MD"]
    for name in names:
        file = File(name, src_dir=None, dest_dir="site", use_directory_urls=directory_urls)
        assert published_url(name, directory_urls) == file.url


@pytest.mark.parametrize(
    ("url", "page", "link"),
    [
        ("images/a.png", "briefings/x/", "../../images/a.png"),
        ("./", "briefings/x/", "../../"),
        ("briefings/", "./", "briefings/"),
        ("a/b.html", "a/c.html", "b.html"),
        ("feed.xml", "404.html", "feed.xml"),
    ],
)
def test_links_are_relative_as_mkdocs_makes_them(url: str, page: str, link: str) -> None:
    from mkdocs.utils import get_relative_url

    assert relative_url(url, page) == link == get_relative_url(url, page)


def test_mkdocs_publishes_every_file_as_it_was_made(
    site: Path, catalogue: Catalogue, subscriber: Site
) -> None:
    """The adapter adds nothing and drops nothing: each file made is in the built site, the
    copied and generated files byte for byte."""
    for made in subscriber.files:
        published = site / published_url(made.src_uri)
        if made.src_uri.endswith(".md"):
            assert (published / "index.html" if published.is_dir() else published).is_file()
        elif made.src_uri in (FEED, STYLESHEET) or made.src_uri.startswith("cite/"):
            # Addresses differ: this one was made with a site_url the real build has not.
            assert published.is_file(), made.src_uri
        else:
            expected = made.source.read_bytes() if made.source else made.content
            assert published.read_bytes() == expected, made.src_uri
