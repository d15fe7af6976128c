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

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.look import OUR_TEMPLATES, look_of, look_of_catalogue
from insight.markdown.sanitise import page_renderer
from insight.presentation import case_tags, offer, present, price, series_line, withheld
from insight.site.downloads import Download, pdf_download
from insight.site.pages import Page, briefing_uri, organisation_uri

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
    page: Page, file: File, files: Files, catalogue: Catalogue, edition: Edition
) -> str:
    """The Markdown source of `page`, to be published as `file` among `files`."""
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
            url=linker(file, files),
            download=downloader(files),
            markdown=markdown_renderer(file, catalogue),
        )
    )
    return f"---\n{front_matter}---\n\n{body}"


def downloader(files: Files) -> Callable[[str], Download | None]:
    """download(src_uri): the format, size and pages of a PDF the site publishes, or None."""

    def download(src_uri: str) -> Download | None:
        target = files.get_file_from_path(src_uri)
        return pdf_download(Path(target.abs_src_path)) if target and target.abs_src_path else None

    return download


def linker(file: File, files: Files) -> Callable[[str, str], str]:
    """url(src_uri, anchor): a relative link from `file` to another file of the site."""

    def url(src_uri: str, anchor: str = "") -> str:
        target = files.get_file_from_path(src_uri)
        if target is None:  # a template links to a page that does not exist: our bug
            raise LookupError(f"{file.src_uri} links to {src_uri}, which the site does not have")
        return get_relative_url(target.url, file.url) + (f"#{anchor}" if anchor else "")

    return url


def markdown_renderer(file: File, catalogue: Catalogue) -> Callable[[str], Markup]:
    """markdown(text): the pandoc HTML of a source field, with image paths made relative to `file`."""
    images = get_relative_url(IMAGES, file.url).rstrip("/") + "/"
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
