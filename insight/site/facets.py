"""The case-study explorer's data: facets with counts, and the bars of its charts.

The browser filters with the facet values written on each case study (see
explorer.js); the counts and charts here are what the page shows before any filter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from insight.catalogue import Catalogue
from insight.model import CaseStudy
from insight.presentation import CASE_FACETS

# Field of CaseStudy -> label shown above its facet: the kind, then the facets every output
# tags a case study with (see insight.presentation). Toolkit components are tags on each
# card but not a filter: a sixth facet makes the panel taller than a laptop's screen.
FILTERED = ("services", "technologies", "customer_groups", "drivers")
FACETS = {
    "organisation_kind": "Kind of organisation",
    **{f.field: f.one for f in CASE_FACETS if f.field in FILTERED},
}
CHARTED = ("drivers", "services")


@dataclass(frozen=True)
class Facet:
    field: str
    label: str
    counts: list[tuple[str, int]]
    """(value, number of case studies with it), most frequent first."""


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: int
    """The bar's length, in per cent of the longest."""


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]


def explorer(catalogue: Catalogue) -> dict[str, Any]:
    """What the explorer template needs: each case study with its facet values, facets, charts."""
    cases = [(b, c, facet_values(c)) for b, c in catalogue.case_studies()]
    every = [facet(name, label, [values for *_, values in cases]) for name, label in FACETS.items()]
    # A facet no case study has a value of (as the public edition withholds most) is left out.
    facets = [f for f in every if f.counts]
    charts = [chart(f) for f in facets if f.field in CHARTED]
    return {"cases": cases, "facets": facets, "charts": charts}


def facet_values(case: CaseStudy) -> dict[str, list[str]]:
    values = {name: getattr(case, name) for name in FACETS}
    return {
        name: value if isinstance(value, list) else [str(value)] for name, value in values.items()
    }


def facet(name: str, label: str, all_values: list[dict[str, list[str]]]) -> Facet:
    counts = Counter(value for values in all_values for value in set(values[name]))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    return Facet(name, label, ordered)


def chart(facet: Facet) -> Chart:
    """A horizontal bar chart of how many case studies have each value of `facet`."""
    most = max((count for _, count in facet.counts), default=1)
    bars = [Bar(value, count, round(100 * count / most)) for value, count in facet.counts]
    return Chart(f"Case studies by {facet.label.lower()}", bars)
