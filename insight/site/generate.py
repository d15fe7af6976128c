"""Every file the site makes of an edition's catalogue: a plain function of the catalogue,
the project's files and the site's settings.

MkDocs only publishes what this returns (see insight.site.plugin): the pages, as
Markdown for the theme to lay out, the feed, the citation files and share images,
and the files copied as they are (assets, images, the built downloads). Tests and
the benchmark call it without MkDocs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from insight import ASSETS
from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.markdown.images import image_file
from insight.model import Briefing
from insight.outputs import Download, downloads_of, site_downloads
from insight.project import Project
from insight.release import when
from insight.site.cite import Address, citation_files, how_to_cite
from insight.site.downloads import Facts, Pending
from insight.site.feed import FEED, atom_feed
from insight.site.pages import Page, site_pages
from insight.site.render import IMAGES, render_page, site_stylesheet
from insight.site.share import SITE_IMAGE, briefing_image, share_image_path, site_image
from insight.site.urls import SiteMap

SITE_ASSETS = Path(__file__).parent / "assets"
PUBLISHED_ASSETS = "assets/insight/"
STYLESHEET = PUBLISHED_ASSETS + "insight.css"
SCRIPTS = [PUBLISHED_ASSETS + "explorer.js", PUBLISHED_ASSETS + "accessible.js"]


@dataclass(frozen=True)
class Settings:
    """What the site's configuration says that its files depend on (named as in mkdocs.yml)."""

    edition: Edition
    site_name: str
    site_description: str = ""
    site_author: str = ""
    site_url: str = ""
    """The edition's absolute address, ending in '/'; '' for a site built without one."""
    use_directory_urls: bool = True


@dataclass(frozen=True)
class SiteFile:
    src_uri: str
    content: str | bytes | None = None
    """What the site publishes; None for a file copied as it is from `source`."""
    source: Path | None = None
    listed: bool = True
    """Whether a page is in the navigation (see insight.site.pages.Page.listed)."""


@dataclass(frozen=True)
class Offered:
    """A download a briefing's page offers: the file and what a reader is told of it."""

    download: Download
    src_uri: str
    facts: Facts | Pending


@dataclass(frozen=True)
class Site:
    files: list[SiteFile]
    sitemap: SiteMap
    """Every file of the site, those of `documents` included, and their addresses."""
    offers: dict[str, list[Offered]]
    """Briefing id -> the downloads offered for it: on its page, in the feed and in its
    head's tags alike."""


def generate_site(
    project: Project,
    catalogue: Catalogue,
    settings: Settings,
    documents: Iterable[str],
    pending: Collection[str] = (),
) -> Site:
    """The files the site makes, around `documents`: the source paths of the pages
    written by hand (docs/), which generated pages may link to. `pending`: the site paths
    of downloads being rendered as the site is made, offered with a mark for their facts
    (see insight.site.downloads) and, until they are written, published empty."""
    edition = settings.edition
    pages = site_pages(catalogue)
    copied = copied_files(project, catalogue, edition, pending)
    offers = {b.id: offered(project, b, copied, edition, pending) for b in catalogue.briefings}
    sitemap = SiteMap(
        frozenset([*documents, *copied, *(p.src_uri for p in pages), FEED]),
        settings.site_url,
        settings.use_directory_urls,
    )
    shared = shared_files(catalogue, settings, sitemap.address)
    sitemap = sitemap.with_paths(list(shared))
    files = [
        SiteFile(src_uri, content=b"")  # a download not written yet
        if path is None
        else SiteFile(src_uri, content=site_stylesheet(path, project.root))
        if src_uri == STYLESHEET  # after the brand's colours and fonts (see insight.look)
        else SiteFile(src_uri, source=path)
        for src_uri, path in copied.items()
    ]
    files += [SiteFile(src_uri, content=content) for src_uri, content in shared.items()]
    files += [
        SiteFile(
            page.src_uri,
            render_page(
                with_citation(page, catalogue, sitemap), sitemap, catalogue, edition, offers
            ),
            listed=page.listed,
        )
        for page in pages
    ]
    files.append(SiteFile(FEED, atom_feed(catalogue, settings, sitemap, offers)))
    return Site(files, sitemap, offers)


def with_citation(page: Page, catalogue: Catalogue, sitemap: SiteMap) -> Page:
    """A briefing's page, given how to cite it and when it goes out (for a preview)."""
    briefing = page.context.get("briefing")
    if briefing is None:
        return page
    cite = how_to_cite(catalogue, briefing, sitemap.address)
    goes_out = when(briefing.release) if briefing.release else ""
    return replace(page, context={**page.context, "cite": cite, "goes_out": goes_out})


def offered(
    project: Project,
    briefing: Briefing,
    copied: Mapping[str, Path | None],
    edition: Edition,
    pending: Collection[str],
) -> list[Offered]:
    """The downloads of `briefing` the edition offers, in order: those being rendered, and
    those built and readable."""
    found = []
    for download in downloads_of(edition):
        src_uri = download.site_path(briefing.id)
        if src_uri in pending:
            found.append(Offered(download, src_uri, Pending(src_uri)))
        elif (path := copied.get(src_uri)) and (
            facts := download.facts(path, download.kept_facts(project))
        ) is not None:
            found.append(Offered(download, src_uri, facts))
    return found


def shared_files(
    catalogue: Catalogue, settings: Settings, address: Address
) -> dict[str, str | bytes]:
    """The citation files, and the public edition's share images, by site path."""
    files: dict[str, str | bytes] = dict(citation_files(catalogue, address))
    if settings.edition is Edition.public:
        files[SITE_IMAGE] = site_image(settings.site_name, settings.site_description)
        for b in catalogue.briefings:
            files[share_image_path(b.id)] = briefing_image(b, settings.site_name)
    return files


def copied_files(
    project: Project, catalogue: Catalogue, edition: Edition, pending: Collection[str] = ()
) -> dict[str, Path | None]:
    """Site path -> file, of what the site copies: the stylesheet, scripts and fonts, the
    source images the edition's texts show, and the downloads of the edition, built or
    being rendered (`pending`; None while not written yet). The downloads come in one order
    whether written or not: the order of the site's files is in every page's key (see
    insight.site.reuse), so a first build's pages are reused by the next."""
    files: dict[str, Path | None] = {
        PUBLISHED_ASSETS + p.name: p for p in sorted(SITE_ASSETS.iterdir())
    }
    files |= {
        f"{PUBLISHED_ASSETS}fonts/{p.name}": p for p in sorted((ASSETS / "fonts").glob("*.woff2"))
    }
    # Only images a text of this edition shows (those of a withheld section stay unpublished),
    # by the names the loader checked, and only while each is still a regular file there.
    images = {name: image_file(project.images, name) for name in catalogue.shown_images()}
    files |= {IMAGES + name: path for name, path in images.items() if path is not None}
    return files | site_downloads(project, catalogue, edition, pending)
