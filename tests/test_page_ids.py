"""Every id on a page or in a printed document is unique, even where one Markdown text is
shown twice, so that each footnote link goes to its own footnote."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from insight.catalogue import load_catalogue
from insight.pdf.document import briefing_html
from tests.conftest import ROOT, mkdocs_build

TWICE = "Said twice.[^n]\n\n[^n]: The note.\n\n# A heading"
SOURCE = """\
id: {id}
title: "Briefing {id}"
kind: briefing
date: 2022-06-0{day}
publishers: [Socitm]
provenance: "Illustrative test fixture."
availability: {{free_to_subscribers: true}}
summary: {twice}
key_messages: [{twice}, {twice}]
"""


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
            if name == "href" and value and value.startswith("#"):
                self.links.append(value[1:])


def ids_of(html: str) -> Ids:
    parser = Ids()
    parser.feed(html)
    return parser


def project(tmp_path: Path) -> Path:
    (tmp_path / "briefings").mkdir()
    for day, briefing_id in enumerate(["one", "two"], start=1):
        (tmp_path / "briefings" / f"{briefing_id}.yaml").write_text(
            SOURCE.format(id=briefing_id, day=day, twice=json.dumps(TWICE))
        )
    (tmp_path / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n"
    )
    return tmp_path


def assert_unique_and_resolved(html: str) -> None:
    found = ids_of(html)
    assert [i for i, n in found.ids.items() if n > 1] == []
    notes = [link for link in found.links if "-fn" in link]
    assert len(notes) >= 4 and all(link in found.ids for link in notes)


def test_a_text_shown_three_times_in_one_pdf_has_ids_of_its_own_each_time(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    catalogue = load_catalogue(sorted((root / "briefings").glob("*.yaml")), root / "images")
    assert_unique_and_resolved(briefing_html(catalogue, catalogue.briefing("one")))


def test_texts_shown_twice_on_a_page_have_ids_of_their_own(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = mkdocs_build(root / "mkdocs.yml", root / "site")
    assert result.returncode == 0, result.stderr
    for page in ("briefings/index.html", "briefings/one/index.html"):
        assert_unique_and_resolved((root / "site" / page).read_text())
