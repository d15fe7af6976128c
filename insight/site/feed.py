"""The Atom feed of briefings, newest first: alerts for anyone with a feed reader.

Each edition has its own, made from its own catalogue, so the public feed carries
the public fields only. Links are absolute, made from the edition's address (see
insight.site.siteurl); only a site built without one has links relative to the feed,
at the site's root. An entry is `updated` on the day of its latest revision, so a
feed reader shows a correction, an update or a withdrawal as a change.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from insight.catalogue import Catalogue
from insight.site.pages import briefing_uri
from insight.site.render import ENV
from insight.site.urls import SiteMap

if TYPE_CHECKING:
    from insight.site.generate import Offered, Settings

FEED = "feed.xml"
# A tag: URI (RFC 4151) names the feed and its entries for good, wherever the site is served.
TAG = "tag:socitm.net,2024:insight"
EARLIEST = date(1990, 1, 1)  # as PublicationDate allows


def atom_feed(
    catalogue: Catalogue, settings: Settings, sitemap: SiteMap, offers: dict[str, list[Offered]]
) -> str:
    """The feed's XML: one entry per briefing, linking to its page and to each download
    offered for it."""
    base = settings.site_url

    def url(src_uri: str) -> str | None:
        return base + sitemap.url(src_uri) if src_uri in sitemap.paths else None

    briefings = catalogue.briefings
    # With none yet, the earliest date one may have.
    updated = max((b.last_changed for b in briefings), default=EARLIEST)
    return ENV.get_template("feed.xml").render(
        config=settings,
        briefings=briefings,
        offers=offers,
        updated=updated,
        home=base or "./",
        markdown=catalogue.markdown,
        url=url,
        briefing_uri=briefing_uri,
        feed_id=f"{TAG}:{settings.edition}",
        entry_id=lambda briefing_id: f"{TAG}:briefings/{briefing_id}",
        timestamp=timestamp,
    )


def timestamp(day: date) -> str:
    """An Atom date (RFC 3339): the briefing's date, at midnight UTC."""
    return f"{day.isoformat()}T00:00:00Z"
