"""What an editor writes in a title stays the text it is in every citation, even where the
citation format reads some tags as formatting."""

from __future__ import annotations

import json

from insight.citation import csl_json, render_references
from insight.load import Locator
from insight.model import Briefing

TITLE = "Councils <b>and</b> <i>partners</i>"


def briefing() -> Briefing:
    return Briefing.model_validate(
        {
            **{"id": "tags", "title": TITLE, "kind": "report", "date": 2016},
            **{"publishers": ["Socitm"], "provenance": "p", "availability": {}, "summary": "s"},
            "further_reading": [{"title": "Reading <sc>small</sc>", "publisher": "P"}],
        }
    )


def test_tags_written_in_a_title_are_not_formatting_in_how_to_cite() -> None:
    cited = render_references(briefing(), Locator("briefings/tags.yaml")).html["tags"]
    assert "<strong>" not in cited.briefing and "<em>and" not in cited.briefing
    assert "&lt;\u2060b&gt;and&lt;\u2060/b&gt;" in cited.briefing
    assert all("<span" not in html or "small-caps" not in html for _, html in cited.readings)


def test_the_csl_json_file_keeps_them_as_text_for_reference_managers() -> None:
    [item] = json.loads(csl_json(briefing()))
    assert item["title"].startswith("Councils <\u2060b>and<\u2060/b> <\u2060i>partners")
