"""The MkDocs plugin `insight`: generates the site's pages from the briefing sources.

    plugins:
      - search
      - insight:
          edition: subscriber   # or public: see insight.edition

Each event does one thing: on_config loads the catalogue of the edition (the briefings
released by now), sets the edition's address and fills in the navigation, on_files adds
the generated pages, the Atom feed and the files they publish (PDFs, citation files,
share images), on_page_context gives each page its citation and sharing metadata,
on_serve watches the sources so that `mkdocs serve` rebuilds when a briefing changes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page as MkDocsPage

from insight.catalogue import Catalogue
from insight.edition import Edition, edition_catalogue
from insight.errors import SourceErrors
from insight.markdown.images import image_file
from insight.project import ASSETS, Project
from insight.release import now, released, when
from insight.site.cite import citation_files, how_to_cite
from insight.site.config import InsightConfig
from insight.site.feed import FEED, atom_feed
from insight.site.metadata import head_tags
from insight.site.pages import Page, briefing_uri, navigation, site_pages
from insight.site.render import IMAGES, render_page, site_stylesheet
from insight.site.share import SITE_IMAGE, briefing_image, share_image_path, site_image
from insight.site.siteurl import ENVIRONMENT, site_address

log = get_plugin_logger(__name__)

SITE_ASSETS = Path(__file__).parent / "assets"
# Theme template overrides: the feed's <link> in every page's head.
OVERRIDES = Path(__file__).parent / "overrides"
PUBLISHED_ASSETS = "assets/insight/"
STYLESHEET = PUBLISHED_ASSETS + "insight.css"
SCRIPTS = [PUBLISHED_ASSETS + "explorer.js", PUBLISHED_ASSETS + "accessible.js"]


class InsightPlugin(BasePlugin[InsightConfig]):
    def __init__(self) -> None:
        self.project: Project | None = None
        self.catalogue: Catalogue | None = None
        self.pages: list[Page] = []
        self.given: Catalogue | None = None
        """The full catalogue as it may be published now, when whoever started the build has
        loaded it already (see insight.release)."""
        self.serving = False
        self.files: Files | None = None

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.project = Project(Path(self.config.project or Path(config.config_file_path).parent))
        given = self.given or released(load_or_abort(self.project), now())
        self.catalogue = edition_catalogue(given, self.edition)
        # A server (`mkdocs serve`, `build.py serve`) has put its own address there, which pages
        # must link to while it serves them; INSIGHT_SITE_URL comes first in any build.
        override = os.environ.get(ENVIRONMENT)
        if not self.serving and (override or not config.site_url):
            address = site_address(self.config.addresses, self.edition, override)
            config.site_url = address or config.site_url
        self.pages = site_pages(self.catalogue)
        if config.nav:
            config.nav = navigation(config.nav, self.pages)
        config.extra_css.append(STYLESHEET)
        config.extra_javascript.extend(SCRIPTS)
        # After a custom_dir of the project's own, so that a project can still override ours.
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
        return config

    @property
    def edition(self) -> Edition:
        return Edition(self.config.edition)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.project and self.catalogue, "on_config runs first"
        for src_uri, path in published(self.project, self.catalogue, self.edition):
            if src_uri == STYLESHEET:  # after the brand's colours and fonts (see insight.look)
                files.append(File.generated(config, src_uri, content=site_stylesheet(path, self.project.root)))
                continue
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
        generated = [
            (page, File.generated(config, page.src_uri, content="", inclusion=inclusion(page)))
            for page in self.pages
        ]
        feed = File.generated(config, FEED, content="")
        for file in [*(file for _, file in generated), feed]:
            files.append(file)
        address = addresser(files, config)
        for src_uri, content in shared_files(self.catalogue, self.edition, config, address):
            files.append(File.generated(config, src_uri, content=content))
        # Rendered once every file exists, so that pages can link to each other.
        for page, file in generated:
            if briefing := page.context.get("briefing"):
                cite = how_to_cite(self.catalogue, briefing, address)
                goes_out = when(briefing.release) if briefing.release else ""
                page = replace(page, context={**page.context, "cite": cite, "goes_out": goes_out})
            file.content_string = render_page(page, file, files, self.catalogue, self.edition)
        feed.content_string = atom_feed(self.catalogue, self.edition, files, config)
        self.files = files
        return files

    def on_page_context(
        self, context: dict[str, Any], *, page: MkDocsPage, config: MkDocsConfig, nav: object
    ) -> dict[str, Any]:
        assert self.catalogue and self.files, "on_files runs first"
        briefing = self.by_page.get(page.file.src_uri)
        title = briefing.title if briefing else (page.title or config.site_name)
        address = addresser(self.files, config)
        context["insight_head"] = head_tags(
            title, page.canonical_url, briefing, self.catalogue, self.edition, config, address
        )
        return context

    @property
    def by_page(self) -> dict[str, Any]:
        assert self.catalogue, "on_config runs first"
        return {briefing_uri(b.id): b for b in self.catalogue.briefings}

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: object
    ) -> LiveReloadServer:
        assert self.project, "on_config runs first"
        for folder in (self.project.briefings, self.project.pdf_dir):
            if folder.is_dir():
                server.watch(str(folder))
        return server


def addresser(files: Files, config: MkDocsConfig) -> Any:
    """address(src_uri): the absolute address of a file the site publishes, or None when it
    publishes no such file or has no site_url."""

    def address(src_uri: str) -> str | None:
        file = files.get_file_from_path(src_uri)
        return config.site_url + file.url if file and config.site_url else None

    return address


def shared_files(
    catalogue: Catalogue, edition: Edition, config: MkDocsConfig, address: Any
) -> list[tuple[str, str | bytes]]:
    """(site path, content) of the citation files, and of the public edition's share images."""
    files: list[tuple[str, str | bytes]] = list(citation_files(catalogue, address))
    if edition is Edition.public:
        files.append((SITE_IMAGE, site_image(config.site_name, config.site_description or "")))
        files += [
            (share_image_path(b.id), briefing_image(b, config.site_name))
            for b in catalogue.briefings
        ]
    return files


def inclusion(page: Page) -> InclusionLevel:
    return InclusionLevel.UNDEFINED if page.listed else InclusionLevel.NOT_IN_NAV


def load_or_abort(project: Project) -> Catalogue:
    """The catalogue, or every source error logged (file:line:column) and the build stopped."""
    try:
        return project.load()
    except SourceErrors as exc:
        for error in exc.errors:
            log.error(str(error))
        raise PluginError(
            f"{len(exc.errors)} error(s) in the briefing sources: fix them and build again"
        ) from None


def published(project: Project, catalogue: Catalogue, edition: Edition) -> list[tuple[str, Path]]:
    """(site path, file) for the stylesheet, script, fonts, the source images the edition's
    texts show, and the built PDFs of the subscriber edition."""
    files = [(PUBLISHED_ASSETS + p.name, p) for p in sorted(SITE_ASSETS.iterdir())]
    files += [
        (f"{PUBLISHED_ASSETS}fonts/{p.name}", p) for p in sorted((ASSETS / "fonts").glob("*.woff2"))
    ]
    # Only images a text of this edition shows (those of a withheld section stay unpublished),
    # by the names the loader checked, and only while each is still a regular file there.
    images = {name: image_file(project.images, name) for name in catalogue.shown_images()}
    files += [(IMAGES + name, path) for name, path in images.items() if path is not None]
    if edition is Edition.subscriber:
        pdfs = [project.pdf_dir / f"{b.id}.pdf" for b in catalogue.briefings]
        files += [(f"pdf/{p.name}", p) for p in pdfs if p.is_file()]
    return files
