"""One briefing as the HTML document that WeasyPrint paginates.

The contents page, the headings and the PDF outline all come from one list of
parts, so their titles and numbers cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from insight.catalogue import Catalogue
from insight.markdown.sanitise import page_renderer
from insight.model import Briefing, Principle, Quote

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Part:
    """A top-level part of the publication: a contents entry, a heading and a bookmark."""

    anchor: str
    title: str
    number: str = ""


def briefing_html(catalogue: Catalogue, briefing: Briefing) -> str:
    """The complete print HTML of `briefing`, with its Markdown already rendered by pandoc."""
    parts = contents(briefing)
    return (
        environment()
        .get_template("briefing.html")
        .render(
            b=briefing,
            markdown=page_renderer(catalogue.markdown),
            contents=parts,
            part={p.anchor: p for p in parts},
            quotes_after=place_quotes(briefing),
            invoked=invoked_principles(catalogue, briefing),
            related=[catalogue.briefing(ref) for ref in briefing.related],
            cited=catalogue.references.get(briefing.id),
            embargoed=briefing.id in catalogue.embargoed,
        )
    )


def contents(briefing: Briefing) -> list[Part]:
    """Front matter unnumbered, then the sections and the briefing's furniture numbered in order."""
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


def place_quotes(briefing: Briefing) -> dict[str, list[Quote]]:
    """Part anchor -> the pull quotes printed at its end: one after each section in order,
    starting after the summary when there are more quotes than sections, so that quotes
    break up the text instead of piling up; any still left over follow the last section."""
    sections = [f"section-{s.id}" for s in briefing.sections]
    slots = sections if 0 < len(briefing.quotes) <= len(sections) else ["summary", *sections]
    placed: dict[str, list[Quote]] = {slot: [] for slot in slots}
    for index, quote in enumerate(briefing.quotes):
        placed[slots[min(index, len(slots) - 1)]].append(quote)
    return placed


def invoked_principles(
    catalogue: Catalogue, briefing: Briefing
) -> list[tuple[Briefing, Principle]]:
    """Principles set out in other briefings that this one draws on, with where they come from."""
    wanted = set(briefing.invokes_principles)
    return [
        (source, p)
        for source, p in catalogue.principles()
        if p.id in wanted and source is not briefing
    ]


def series_line(briefing: Briefing) -> str:
    """'Insight report' for a briefing in a series, 'Paper' for one outside any."""
    return f"{briefing.series} {briefing.kind}" if briefing.series else briefing.kind.capitalize()


def and_list(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]])) if items else ""


def pounds(amount: Decimal) -> str:
    """£195 for whole pounds, £195.50 otherwise."""
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pounds"] = pounds
    env.filters["and_list"] = and_list
    env.globals["series_line"] = series_line
    return env
