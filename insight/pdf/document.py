"""One briefing as the HTML document that WeasyPrint paginates.

What the document shows comes from the presentation model (insight.presentation), as
the site's pages do; its colours and fonts from the project's brand (insight.look). The
contents page, the headings and the PDF outline all come from one list of parts, so
their titles and numbers cannot disagree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.look import Look, look_of_catalogue
from insight.markdown.sanitise import page_renderer
from insight.model import Briefing, Quote
from insight.presentation import and_list, case_tags, contents, present, price, series_line

__all__ = ["briefing_html", "contents", "place_quotes", "series_line"]


def briefing_html(catalogue: Catalogue, briefing: Briefing, look: Look | None = None) -> str:
    """The complete print HTML of `briefing`, with its Markdown already rendered by pandoc,
    in the look of the project its sources belong to unless `look` is given."""
    look = look or look_of_catalogue(catalogue)
    view = present(catalogue, briefing, Edition.subscriber, look.brand)
    return (
        environment(tuple(look.templates("print")))
        .get_template("briefing.html")
        .render(
            b=briefing,
            view=view,
            brand=look.brand,
            brand_variables=look.stylesheet_variables("print"),
            markdown=page_renderer(catalogue.markdown),
            quotes_after=place_quotes(briefing),
            cited=catalogue.references.get(briefing.id),
            embargoed=briefing.id in catalogue.embargoed,
        )
    )


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


@cache
def environment(search_path: tuple[Path, ...]) -> Environment:
    env = Environment(
        loader=FileSystemLoader(search_path),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["price"] = price
    env.filters["and_list"] = and_list
    env.globals["series_line"] = series_line
    env.globals["case_tags"] = case_tags
    return env
