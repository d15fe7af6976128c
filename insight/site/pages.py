"""Which pages the site generates from the catalogue, and where they sit in the navigation.

Pages are data: a source path in the docs tree, a title, the template that renders
it and what the template needs. Nothing here knows about HTML.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from insight.addresses import briefing_uri, organisation_uri, slugify
from insight.catalogue import Catalogue
from insight.fieldref import field_reference
from insight.model import Briefing, CaseStudy, Kind
from insight.site.facets import explorer

CATALOGUE = "briefings/index.md"
ORGANISATIONS = "organisations/index.md"
NavItem = str | dict[str, Any]
WIDE = {"hide": ["navigation", "toc"]}

KIND_HEADINGS = {Kind.report: "Reports", Kind.briefing: "Briefings", Kind.paper: "Papers"}


@dataclass(frozen=True)
class Page:
    src_uri: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    """Front matter for MkDocs and the theme, e.g. {'hide': ['toc']}."""
    listed: bool = True
    """In the navigation. Organisation pages are not: there can be hundreds, and every
    page of the site carries the navigation, so listing them would make each page
    slower to build and harder to read. Their A to Z index is listed instead."""


@dataclass(frozen=True)
class Organisation:
    """Everything the collection says about one organisation, gathered across briefings."""

    slug: str
    name: str
    case_studies: list[tuple[Briefing, CaseStudy]]

    @property
    def kinds(self) -> list[str]:
        return sorted({str(c.organisation_kind) for _, c in self.case_studies})

    @property
    def regions(self) -> list[str]:
        return sorted({c.region for _, c in self.case_studies if c.region})


def site_pages(catalogue: Catalogue) -> list[Page]:
    """Every generated page, in navigation order within each section."""
    organisations = gather_organisations(catalogue)
    by_kind = {
        # A withdrawn briefing keeps its page, with a notice, but leaves the catalogue.
        heading: [b for b in catalogue.briefings if b.kind is kind and not b.withdrawn]
        for kind, heading in KIND_HEADINGS.items()
    }
    return [
        Page(CATALOGUE, "All briefings", "catalogue.md", {"groups": by_kind}),
        *(
            Page(
                briefing_uri(b.id), b.title, "briefing.md", {"briefing": b}, listed=not b.withdrawn
            )
            for b in catalogue.briefings
        ),
        Page("delusions.md", "Delusions", "delusions.md", {"items": list(catalogue.delusions())}),
        Page(
            "principles.md", "Principles", "principles.md", {"items": list(catalogue.principles())}
        ),
        # The explorer's facets need the width the sidebars would take.
        Page("case-studies.md", "Case-study explorer", "explorer.md", explorer(catalogue), WIDE),
        Page(
            ORGANISATIONS, "All organisations", "organisations.md", {"organisations": organisations}
        ),
        *(
            Page(
                organisation_uri(o.name),
                o.name,
                "organisation.md",
                {"organisation": o},
                listed=False,
            )
            for o in organisations
        ),
        Page(
            "field-reference.md",
            "Field reference",
            "field-reference.md",
            {"reference": field_reference()},
        ),
    ]


def navigation(nav: list[NavItem], pages: list[Page]) -> list[NavItem]:
    """The nav of mkdocs.yml, with each generated index page made into a section of its pages.

    `- Briefings: briefings/index.md` becomes a 'Briefings' section holding that index
    and then every listed page generated under briefings/.
    """
    return [expand(item, pages) for item in nav]


def expand(item: NavItem, pages: list[Page]) -> NavItem:
    if not isinstance(item, dict) or len(item) != 1:
        return item
    [(title, target)] = item.items()
    if isinstance(target, list):
        return {title: navigation(target, pages)}
    folder = target.removesuffix("index.md")
    children = [
        p for p in pages if p.listed and p.src_uri.startswith(folder) and p.src_uri != target
    ]
    if target not in (CATALOGUE, ORGANISATIONS) or not children:
        return item
    # Nav titles are inserted into the theme as HTML, so plain-text titles are escaped.
    return {title: [target, *({html.escape(p.title): p.src_uri} for p in children)]}


def gather_organisations(catalogue: Catalogue) -> list[Organisation]:
    """Organisations A to Z; case studies whose names make the same slug are one organisation."""
    cases: dict[str, list[tuple[Briefing, CaseStudy]]] = defaultdict(list)
    for briefing, case in catalogue.case_studies():
        cases[slugify(case.organisation)].append((briefing, case))
    organisations = [
        Organisation(slug, found[0][1].organisation, found) for slug, found in cases.items()
    ]
    return sorted(organisations, key=lambda o: o.name.casefold())
