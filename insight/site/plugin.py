"""The MkDocs plugin `insight`: hands MkDocs the site that insight.site.generate makes.

    plugins:
      - search
      - insight:
          edition: subscriber   # or public: see insight.edition

An adapter, kept thin so that the site depends on MkDocs's plugin API in few places:
on_config loads the catalogue of the edition (the briefings released by now), sets
the edition's address and fills in the navigation; on_files adds every file
`generate_site` makes; on_page_context gives each page its citation and sharing
metadata; on_serve watches the sources so that `mkdocs serve` rebuilds when a
briefing changes. When whoever started the build keeps a store of pages, on_nav and
on_post_build let unchanged pages be reused from it (see insight.site.reuse).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkDocsPage

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.errors import SourceErrors
from insight.model import Briefing
from insight.outputs import downloads_of
from insight.project import Project
from insight.public import edition_catalogue
from insight.release import now, released
from insight.site.config import InsightConfig
from insight.site.generate import SCRIPTS, STYLESHEET, Settings, Site, SiteFile, generate_site
from insight.site.metadata import Tag, head_tags
from insight.site.pages import briefing_uri, navigation, site_pages
from insight.site.reuse import PageStore, Reuse, reusable
from insight.site.siteurl import ENVIRONMENT, site_address
from insight.sitestamp import layout_inputs

log = get_plugin_logger(__name__)

# Theme template overrides: the feed's <link> in every page's head.
OVERRIDES = Path(__file__).parent / "overrides"


class InsightPlugin(BasePlugin[InsightConfig]):
    def __init__(self) -> None:
        self.project: Project | None = None
        self.catalogue: Catalogue | None = None
        self.given: Catalogue | None = None
        """The full catalogue as it may be published now, when whoever started the build has
        loaded it already (see insight.release)."""
        self.serving = False
        self.site: Site | None = None
        self.settings: Settings | None = None
        self.by_page: dict[str, Briefing] = {}
        self.store: PageStore | None = None
        """The pages of the last build, when whoever starts the next build reuses them."""
        self.reuse: Reuse | None = None
        self.files: Files | None = None
        """Every file of the last build, the theme's included, as MkDocs wrote them."""
        self.pending: frozenset[str] = frozenset()
        """The site paths of the downloads being rendered while the next build runs."""

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
        if config.nav:
            config.nav = navigation(config.nav, site_pages(self.catalogue))
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
        documents = [file.src_uri for file in files]
        self.settings = settings(config, self.edition)
        # For this build only, as the store is (see on_nav).
        pending, self.pending = self.pending, frozenset()
        self.site = generate_site(self.project, self.catalogue, self.settings, documents, pending)
        self.by_page = {briefing_uri(b.id): b for b in self.catalogue.briefings}
        for made in self.site.files:
            files.append(mkdocs_file(made, config))
        return files

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.project, "on_config runs first"
        # MkDocs keeps one instance of this plugin for every build in a process: the store
        # given is for this build only.
        store, self.store, self.reuse = self.store, None, None
        if store and reusable(config):
            inputs = layout_inputs(self.project, self.edition)
            self.reuse = Reuse(store, config, files, nav, inputs, self.head)
        elif store:
            log.debug("every page is made: a plugin or Markdown extension may carry state")
        return nav

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        self.files = files  # as every plugin and hook has left them
        if self.reuse:
            env.bytecode_cache = self.reuse.templates
        return env

    def on_page_context(
        self, context: dict[str, Any], *, page: MkDocsPage, config: MkDocsConfig, nav: object
    ) -> dict[str, Any]:
        context["insight_head"] = self.head(page)
        return context

    def head(self, page: MkDocsPage) -> list[Tag]:
        assert self.catalogue and self.site and self.settings, "on_files runs first"
        briefing = self.by_page.get(page.file.src_uri)
        title = briefing.title if briefing else (page.title or self.settings.site_name)
        address = self.site.sitemap.address
        offered = self.site.offers.get(briefing.id, []) if briefing else []
        return head_tags(
            title, page.canonical_url, briefing, self.catalogue, offered, self.settings, address
        )

    def on_build_error(self, *, error: Exception) -> None:
        if self.reuse:
            self.reuse.close()

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.reuse:
            made, reused = self.reuse.finish()
            log.debug(f"{made} page(s) made, {reused} reused from the last build")

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: object
    ) -> LiveReloadServer:
        assert self.project, "on_config runs first"
        built = [self.project.output_dir(d.key) for d in downloads_of(self.edition)]
        for folder in (self.project.briefings, *built):
            if folder.is_dir():
                server.watch(str(folder))
        return server


def settings(config: MkDocsConfig, edition: Edition) -> Settings:
    return Settings(
        edition=edition,
        site_name=config.site_name,
        site_description=config.site_description or "",
        site_author=config.site_author or "",
        site_url=config.site_url or "",
        use_directory_urls=config.use_directory_urls,
    )


def mkdocs_file(made: SiteFile, config: MkDocsConfig) -> File:
    if made.content is None:
        return File.generated(config, made.src_uri, abs_src_path=str(made.source))
    inclusion = InclusionLevel.UNDEFINED if made.listed else InclusionLevel.NOT_IN_NAV
    return File.generated(config, made.src_uri, content=made.content, inclusion=inclusion)


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
