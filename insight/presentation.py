"""What a reader sees of a briefing, decided once for every output.

The site's templates and the print template lay out what this module gives them:
labels, the numbering of parts, prices, availability, the series line, the principles
a briefing invokes, the facets of a case study, and what an edition withholds (with
the offer made in its place). Nothing here knows about HTML or about either renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from insight.edition import Edition
from insight.model import Availability, Briefing, CaseStudy, Principle
from insight.outputs import DOWNLOADS, downloads_of

if TYPE_CHECKING:
    from insight.catalogue import Catalogue
    from insight.look import Brand


def price(amount: Decimal) -> str:
    """£195 for whole pounds, £1,195.50 otherwise: how every output writes an amount."""
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


def series_line(briefing: Briefing) -> str:
    """'Insight report' for a briefing in a series, 'Paper' for one outside any."""
    return f"{briefing.series} {briefing.kind}" if briefing.series else briefing.kind.capitalize()


def and_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]])) if items else ""


@dataclass(frozen=True)
class Offer:
    """Who can have a briefing and at what price, as lines to show."""

    free: str | None
    """'Free to Insight subscribers', when it is."""
    prices: list[str]
    """'£195 for non-members', '£150 for Socitm members'."""
    note: str | None
    recorded: bool
    """False when the sources say nothing of price or availability."""


def offer(availability: Availability, brand: Brand) -> Offer:
    who = [
        (availability.price_non_members, "non-members"),
        (availability.price_members, f"{brand.publisher} members"),
    ]
    return Offer(
        free=f"Free to {brand.name} subscribers" if availability.free_to_subscribers else None,
        prices=[f"{price(amount)} for {whom}" for amount, whom in who if amount is not None],
        note=availability.note,
        recorded=availability.free_to_subscribers is not None or any(a is not None for a, _ in who),
    )


@dataclass(frozen=True)
class Part:
    """A numbered or unnumbered part of a briefing: a contents entry, a heading and a bookmark."""

    anchor: str
    title: str
    number: str = ""

    @property
    def heading(self) -> str:
        """The heading as read: '3. Delusions', or 'Summary'."""
        return f"{self.number}. {self.title}" if self.number else self.title


def contents(briefing: Briefing) -> list[Part]:
    """Front matter unnumbered, then the sections and the briefing's furniture numbered in
    order, then the back matter: the same numbers on the site and in print."""
    numbered = [Part(f"section-{s.id}", s.title) for s in briefing.sections]
    furniture = {
        "delusions": ("Delusions", briefing.delusions),
        "principles": ("Principles", briefing.principles or briefing.invokes_principles),
        "case-studies": ("Case studies", briefing.case_studies),
        "further-reading": ("Further reading", briefing.further_reading),
    }
    numbered += [Part(anchor, title) for anchor, (title, items) in furniture.items() if items]
    front = [Part("summary", "Summary")]
    if briefing.key_messages:
        front.append(Part("key-messages", "Key messages"))
    return [
        *front,
        *(Part(p.anchor, p.title, str(n)) for n, p in enumerate(numbered, start=1)),
        Part("further-information", "Further information"),
    ]


def invoked_principles(
    catalogue: Catalogue, briefing: Briefing
) -> list[tuple[Briefing, Principle]]:
    """Principles set out in other briefings that `briefing` invokes, with where they come from."""
    return [
        (source, p)
        for source, p in catalogue.principles()
        if source is not briefing and briefing in catalogue.invoked_by.get(p.id, ())
    ]


@dataclass(frozen=True)
class Facet:
    """A list field of a case study, as its tags and the explorer's filters name it."""

    field: str
    label: str
    """Over its tags: 'Services'."""
    one: str
    """Over the explorer's filter: 'Service'."""


CASE_FACETS = [
    Facet("services", "Services", "Service"),
    Facet("technologies", "Technologies", "Technology"),
    Facet("customer_groups", "Customer groups", "Customer group"),
    Facet("drivers", "Drivers", "Driver"),
    Facet("toolkit_components", "Toolkit", "Toolkit component"),
]


def case_tags(case: CaseStudy) -> list[tuple[str, list[str]]]:
    """(label, values) of each facet the case study has values of, in order."""
    return [(f.label, getattr(case, f.field)) for f in CASE_FACETS if getattr(case, f.field)]


# What subscribers read where the public edition withholds it, by the place it is withheld.
WITHHELD = {
    "delusions": "each delusion set against what is actually the case",
    "principles": "what each principle means in practice",
    "case-studies": "each case study in full",
    "delusions-index": "each delusion set against the reality",
    "explorer": "each case study in full, and filter them by service, technology, "
    "customer group and driver",
}


def withheld(edition: Edition) -> dict[str, str]:
    """Place -> what subscribers read there, for an edition that withholds it; else nothing."""
    return dict(WITHHELD) if edition is Edition.public else {}


def full_text_offer(briefing: Briefing, edition: Edition) -> list[str]:
    """What the whole briefing holds that this edition's page does not: [] when it holds it all."""
    if not withheld(edition):
        return []
    counted = [
        (
            briefing.case_studies,
            "case study",
            "case studies",
            "in full, with the services, technologies and drivers of each",
        ),
        (briefing.delusions, "delusion", "delusions", "each set against what is actually the case"),
        (
            briefing.principles,
            "design principle",
            "design principles",
            "with what each means in practice",
        ),
    ]
    return [
        "its full text, section by section",
        *(
            f"its {len(items)} {one if len(items) == 1 else many}, {how}"
            for items, one, many, how in counted
            if items
        ),
        *(f"the {name}, to download and print" for name in withheld_downloads(edition)),
    ]


def withheld_downloads(edition: Edition) -> list[str]:
    """The names of the formats subscribers can download and this edition cannot."""
    return [d.name for d in DOWNLOADS if edition not in d.editions]


@dataclass(frozen=True)
class BriefingView:
    """Everything a renderer shows of one briefing in one edition, decided here."""

    b: Briefing
    line: str
    offer: Offer
    contents: list[Part]
    part: dict[str, Part]
    invoked: list[tuple[Briefing, Principle]]
    related: list[Briefing]
    withheld: dict[str, str]
    full_text: list[str]
    """The offer of the whole briefing, line by line, where this edition shows less of it."""
    downloads: list[str]
    """The names of the formats this edition offers, each of every briefing."""


def present(
    catalogue: Catalogue, briefing: Briefing, edition: Edition, brand: Brand
) -> BriefingView:
    """The view of `briefing` in `edition`, from the catalogue that edition is rendered from."""
    parts = contents(briefing)
    return BriefingView(
        b=briefing,
        line=series_line(briefing),
        offer=offer(briefing.availability, brand),
        contents=parts,
        part={p.anchor: p for p in parts},
        invoked=invoked_principles(catalogue, briefing),
        related=[catalogue.briefing(ref) for ref in briefing.related],
        withheld=withheld(edition),
        full_text=full_text_offer(briefing, edition),
        downloads=download_names(edition),
    )


def download_names(edition: Edition) -> list[str]:
    return [d.name for d in downloads_of(edition)]
