"""Where each thing a source names is published: page paths and the anchors within pages.

Ids and organisation names from the sources become page paths and anchors, so a
source could take an address the outputs already use (a briefing with the id
`index` would replace the catalogue). The addresses the outputs reserve for
themselves are listed here, once, and `clashes` turns a source that asks for one
of them into a located error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from insight.errors import SourceError
from insight.load import Loc, Locator
from insight.model import Briefing

# Page paths under briefings/ and organisations/ that are the sections' own index pages.
RESERVED_PAGES = frozenset({"index"})

# Anchors the generated pages and the PDF give their own parts; a section, delusion, principle
# or case study uses its id as its anchor on the same pages.
PAGE_ANCHORS = frozenset(
    {
        *("summary", "key-messages", "full-text", "delusions", "principles", "case-studies"),
        *("quotes", "further-reading", "related", "further-information", "about-this-entry"),
        *("contents-title", "at-a-glance", "filter", "fields", "revisions", "how-to-cite"),
    }
)
# Pandoc prefixes the ids inside a text with the text's key (see insight.markdown).
TEXT_IDS = re.compile(r"m[0-9a-f]{10}-.*")


class HasSource(Protocol):
    @property
    def briefing(self) -> Briefing: ...
    @property
    def locator(self) -> Locator: ...


def briefing_uri(briefing_id: str) -> str:
    return f"briefings/{briefing_id}.md"


def organisation_uri(name: str) -> str:
    return f"organisations/{slugify(name)}.md"


def slugify(text: str) -> str:
    """Letters and digits of any script, lower case, joined by hyphens: 'Москва' and '東京都'
    keep their names. A name with none gets one from its text, so no two such names meet."""
    slug = re.sub(r"[\W_]+", "-", text.casefold()).strip("-")
    return slug or "organisation-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def clashes(sources: Iterable[HasSource]) -> Iterator[SourceError]:
    """An error at every id or name that would take an address the outputs reserve,
    or an anchor that another part of the same page already has."""
    for source in sources:
        b, locator = source.briefing, source.locator
        if b.id in RESERVED_PAGES:
            yield locator.error(
                ("id",),
                f"the id '{b.id}' is reserved: briefings/{b.id}/ is the list of all briefings",
                "choose another id, and rename the file to match",
            )
        for index, case in enumerate(b.case_studies):
            if slugify(case.organisation) in RESERVED_PAGES:
                yield locator.error(
                    ("case_studies", index, "organisation"),
                    f"the organisation name '{case.organisation}' would take the address "
                    f"organisations/{slugify(case.organisation)}/, which is the A to Z",
                    "name the organisation in full, e.g. 'Index Borough Council'",
                )
        yield from anchor_clashes(b, locator)


def anchor_clashes(b: Briefing, locator: Locator) -> Iterator[SourceError]:
    """Sections' ids must differ from each other and from the items' ids on the same page;
    items' ids are unique across the whole collection already (see `catalogue.cross_check`)."""
    sections: dict[str, Loc] = {}
    # The PDF anchors each section as section-<id>.
    print_anchors = {f"section-{section.id}" for section in b.sections}
    parts: list[tuple[str, list[str]]] = [
        ("sections", [s.id for s in b.sections]),
        ("delusions", [d.id for d in b.delusions]),
        ("principles", [p.id for p in b.principles]),
        ("case_studies", [c.id for c in b.case_studies]),
    ]
    for name, ids in parts:
        for index, anchor in enumerate(ids):
            loc = (name, index, "id")
            if anchor in PAGE_ANCHORS or TEXT_IDS.fullmatch(anchor):
                yield locator.error(
                    loc,
                    f"the id '{anchor}' is reserved for a part of every briefing page",
                    "choose another id, e.g. one that says what the item is about",
                )
            elif anchor in print_anchors:
                yield locator.error(
                    loc,
                    f"the id '{anchor}' is the PDF's anchor of the section "
                    f"'{anchor.removeprefix('section-')}'",
                    "choose another id, e.g. one that says what the item is about",
                )
            elif anchor in sections:
                line, column = locator.find(sections[anchor])
                yield locator.error(
                    loc,
                    f"the id '{anchor}' is already used on this briefing's page",
                    f"first used at line {line}, column {column}",
                )
            elif name == "sections":
                sections[anchor] = loc
