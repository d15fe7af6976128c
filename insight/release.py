"""Release times: a briefing prepared ahead of its date is in no output until then.

`released` is applied to the catalogue before anything is rendered from it, so a
briefing under embargo is absent from every output of both editions at once: its
page, the search index, the feed, the sitemap, its PDF, the organisation pages and
every count. What other briefings say of it (a related link, a principle it sets
out) goes with it. A preview keeps it, marked, so that editors can see it before
it goes out; a preview is never published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from insight.catalogue import Catalogue, Source
from insight.markdown import markdown_fields
from insight.model import UK_TIME, Briefing


def now() -> datetime:
    return datetime.now(UTC)


def embargoed(briefing: Briefing, at: datetime) -> bool:
    return briefing.release is not None and briefing.release > at


def released(catalogue: Catalogue, at: datetime, *, preview: bool = False) -> Catalogue:
    """The catalogue as it may be published at `at`: without the briefings released later,
    and without any mention of them; with `preview`, everything, those briefings marked."""
    held = frozenset(b.id for b in catalogue.briefings if embargoed(b, at))
    if preview:
        return Catalogue(
            catalogue.sources, catalogue.html, catalogue.images, catalogue.references, held
        )
    if not held:
        return catalogue
    kept = [s for s in catalogue.sources if s.briefing.id not in held]
    principles = {p.id for s in kept for p in s.briefing.principles}
    sources = [Source(s.path, without(s.briefing, held, principles), s.locator) for s in kept]
    texts = {text for s in sources for _, text in markdown_fields(s.briefing, ())}
    return Catalogue(
        sources,
        {text: html for text, html in catalogue.html.items() if text in texts},
        {text: names for text, names in catalogue.images.items() if text in texts},
        {i: cited for i, cited in catalogue.references.items() if i not in held},
    )


def without(briefing: Briefing, held: frozenset[str], principles: set[str]) -> Briefing:
    """`briefing` with no link to a held briefing nor to a principle only a held one sets out."""
    return briefing.model_copy(
        update={
            "related": [r for r in briefing.related if r not in held],
            "invokes_principles": [p for p in briefing.invokes_principles if p in principles],
        }
    )


@dataclass(frozen=True)
class Scheduled:
    briefing: Briefing
    source: Source

    def note(self) -> str:
        """'path:line:column: note: ...', located at the source's release time."""
        where = self.source.locator.error(("release",), "")
        return f"{where.path}:{where.line}:{where.column}: note: {self.message()}"

    def github(self) -> str:
        where = self.source.locator.error(("release",), "")
        return f"::notice file={where.path},line={where.line},col={where.column}::{self.message()}"

    def message(self) -> str:
        assert self.briefing.release is not None
        return f"'{self.briefing.id}' is scheduled: it goes out {when(self.briefing.release)}"


def scheduled(catalogue: Catalogue, at: datetime) -> list[Scheduled]:
    """The briefings still to go out, soonest first."""
    waiting = [Scheduled(s.briefing, s) for s in catalogue.sources if embargoed(s.briefing, at)]
    return sorted(waiting, key=lambda s: (s.briefing.release, s.briefing.id))


def when(moment: datetime) -> str:
    """'on 1 March 2025 at 09:30 UK time (GMT)', in the time an editor reads the embargo in."""
    local = moment.astimezone(UK_TIME)
    return f"on {local.day} {local:%B %Y} at {local:%H:%M} UK time ({local.tzname()})"
