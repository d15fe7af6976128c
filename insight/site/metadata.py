"""The <meta> tags in each page's head for those who read pages by machine: scholarly
search engines (Highwire Press `citation_*` tags, as Google Scholar asks for) and
the previews a shared link shows (Open Graph, cards).

Tags are data, (attribute, name, content); overrides/main.html writes them escaped.
The subscriber edition names its PDF; only the public edition offers a share image.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

import nh3

from insight.catalogue import Catalogue
from insight.model import Briefing
from insight.outputs import PDF
from insight.site.share import SITE_IMAGE, share_image_path

Tag = tuple[str, str, str]
"""('name' or 'property', what the tag says, its content)."""

if TYPE_CHECKING:
    from insight.site.generate import Offered, Settings

DESCRIPTION = 200  # characters of a summary that a preview shows


def head_tags(
    title: str,
    canonical: str | None,
    briefing: Briefing | None,
    catalogue: Catalogue,
    offered: list[Offered],
    settings: Settings,
    address: Callable[[str], str | None],
) -> list[Tag]:
    """The tags of one page; `offered`: the downloads offered for its briefing; `address(src_uri)`
    is a published file's absolute address or None."""
    image = address(share_image_path(briefing.id) if briefing else SITE_IMAGE)
    tags = sharing(title, canonical, briefing, catalogue, settings, image)
    if briefing:
        tags += highwire(briefing, offered, address)
    return tags


def sharing(
    title: str,
    canonical: str | None,
    briefing: Briefing | None,
    catalogue: Catalogue,
    settings: Settings,
    image: str | None,
) -> list[Tag]:
    description = summary_text(catalogue, briefing) if briefing else settings.site_description
    tags: list[Tag] = [
        ("property", "og:site_name", settings.site_name),
        ("property", "og:title", title),
        ("property", "og:type", "article" if briefing else "website"),
        ("property", "og:locale", "en_GB"),
    ]
    if canonical:
        tags.append(("property", "og:url", canonical))
    if description:
        tags.append(("property", "og:description", description))
    if briefing:
        tags += [
            ("property", "article:published_time", briefing.date.first_day.isoformat()),
            ("property", "article:modified_time", briefing.last_changed.isoformat()),
        ]
    if image:
        shown = briefing.title if briefing else settings.site_description
        alt = f"{settings.site_name}: {shown}" if shown else settings.site_name
        tags += [
            ("property", "og:image", image),
            ("property", "og:image:width", "1200"),
            ("property", "og:image:height", "630"),
            ("property", "og:image:alt", alt),
            ("name", "twitter:card", "summary_large_image"),
        ]
    else:
        tags.append(("name", "twitter:card", "summary"))
    return tags


def highwire(
    briefing: Briefing, offered: list[Offered], address: Callable[[str], str | None]
) -> list[Tag]:
    tags: list[Tag] = [
        ("name", "citation_title", briefing.title),
        *(("name", "citation_author", publisher) for publisher in briefing.publishers),
        ("name", "citation_publisher", ", ".join(briefing.publishers)),
        ("name", "citation_technical_report_institution", ", ".join(briefing.publishers)),
        # Highwire dates are year/month/day, as far as known.
        ("name", "citation_publication_date", briefing.date.iso.replace("-", "/")),
        ("name", "citation_language", "en"),
    ]
    if briefing.keywords:
        tags.append(("name", "citation_keywords", "; ".join(briefing.keywords)))
    pdf = next((address(o.src_uri) for o in offered if o.download is PDF), None)
    if pdf:
        tags.append(("name", "citation_pdf_url", pdf))
    return tags


def summary_text(catalogue: Catalogue, briefing: Briefing) -> str:
    """The summary as plain text, cut at a word to what a preview shows."""
    # The sanitiser keeps the text of every element and escapes it: unescaped, it is the text.
    text = " ".join(
        html.unescape(nh3.clean(catalogue.markdown(briefing.summary), tags=set())).split()
    )
    if len(text) <= DESCRIPTION:
        return text
    return text[: DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
