"""Render a generated page's Markdown source from its template.

Templates write Markdown headings (for the page's title, table of contents and
anchors) and raw HTML blocks for everything else. Python-Markdown passes a raw
HTML block through untouched, so the pandoc HTML of source fields reaches the
reader exactly as the PDFs have it, and no text from a source is read as Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.look import OUR_TEMPLATES, look_of, look_of_catalogue
from insight.markdown.sanitise import page_renderer
from insight.presentation import case_tags, offer, present, price, series_line, withheld
from insight.site.pages import Page, briefing_uri, organisation_uri
from insight.site.urls import SiteMap, published_url, relative_url

if TYPE_CHECKING:
    from insight.site.generate import Offered

IMAGES = "images/"
"""Where the site publishes briefings/images/; source fields write `images/<file>`."""

# Python-Markdown's backslash escapes; '<', '>' and '&' are escaped as HTML entities instead.
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!])")


@cache
def environment(search_path: tuple[Path, ...]) -> Environment:
    """The templates of a project's site: its own templates/site/ first, then ours."""
    env = Environment(
        loader=FileSystemLoader(search_path),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["heading"] = heading
    env.globals.update(case_tags=case_tags, price=price, series_line=series_line)
    env.globals["briefing_uri"] = briefing_uri
    env.globals["organisation_uri"] = organisation_uri
    return env


def render_page(
    page: Page,
    sitemap: SiteMap,
    catalogue: Catalogue,
    edition: Edition,
    offers: dict[str, list[Offered]],
) -> str:
    """The Markdown source of `page`, to be published among the files of `sitemap`;
    `offers`: briefing id -> the downloads its page offers."""
    # The theme writes a front-matter title into <title> as it is, but strips tags from
    # (and so unescapes) any other title: only this way does a title stay text.
    front_matter = yaml.safe_dump(
        {"title": html.escape(page.title), **page.meta}, allow_unicode=True
    )
    look = look_of_catalogue(catalogue)
    context = dict(page.context)
    if briefing := context.get("briefing"):
        context["view"] = present(catalogue, briefing, edition, look.brand)
    body = (
        environment(tuple(look.templates("site")))
        .get_template(page.template)
        .render(
            context,
            title=page.title,
            catalogue=catalogue,
            brand=look.brand,
            withheld=withheld(edition),
            offer=lambda b: offer(b.availability, look.brand),
            offered=lambda b: offers[b.id],
            url=lambda src_uri, anchor="": sitemap.link(src_uri, page.src_uri, anchor),
            markdown=markdown_renderer(
                published_url(page.src_uri, sitemap.directory_urls), catalogue
            ),
        )
    )
    return f"---\n{front_matter}---\n\n{body}"


def markdown_renderer(url: str, catalogue: Catalogue) -> Callable[[str], Markup]:
    """markdown(text): the pandoc HTML of a source field, with image paths made relative to
    the page published at `url`."""
    images = relative_url(IMAGES, url).rstrip("/") + "/"
    # The sanitiser rewrites each <img>'s src as it parses: no tag is looked for as text.
    render = page_renderer(catalogue.markdown, images_at=images)
    return lambda text: Markup(render(text))


def heading(text: str) -> Markup:
    """Plain text made safe to write as a Markdown heading: read literally, never as markup."""
    # Backslashes first: the entities that escaping makes (&#39;) must stay entities. A colon
    # becomes an entity too: Python-Markdown has no escape for it, and ':name:' would be an
    # emoji shortcode, drawn by an image from another host.
    escaped = escape(MARKDOWN_PUNCTUATION.sub(r"\\\1", text))
    return Markup(str(escaped).replace(":", "&#58;"))


ENV = environment((OUR_TEMPLATES["site"],))
"""Our own templates alone: for the files every project publishes alike (the feed)."""


def site_stylesheet(path: Path, root: Path | None = None) -> str:
    """The site's stylesheet at `path`, after the brand's variables, as the site publishes it."""
    return look_of(root).stylesheet_variables("site") + path.read_text(encoding="utf-8")
