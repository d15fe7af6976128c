"""Start new sources for editors: `new briefing` and `new case-study`.

Scaffolds are commented YAML whose "FILL IN" texts `check` reports until an
editor replaces them, so a half-filled source can never be published.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from string import Template

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

from insight.errors import SourceError, SourceErrors
from insight.incremental import write_atomically
from insight.load import load_file
from insight.model import SLUG_PATTERN

SCAFFOLDS = Path(__file__).parent / "scaffolds"
# Items whose ids are unique across every briefing (see insight.catalogue.cross_check).
ITEMS = ("delusions", "principles", "case_studies")


def new_briefing(briefings: Path, slug: str) -> Path:
    """Write briefings/<slug>.yaml from the scaffold; refuse to overwrite."""
    require_slug(slug)
    path = briefings / f"{slug}.yaml"
    if path.exists():
        raise SourceErrors(
            [SourceError(display(path), 1, 1, "a briefing with this id already exists")]
        )
    write_atomically(path, fill("briefing.yaml", slug).encode("utf-8"))
    return path


def new_case_study(briefings: Path, briefing_id: str, slug: str) -> Path:
    """Add a case-study scaffold to the end of the briefing's `case_studies`, leaving every
    other byte of the file, comments included, as it was."""
    require_slug(slug)
    path = briefings / f"{briefing_id}.yaml"
    if not path.is_file():
        raise SourceErrors(
            [SourceError(display(path), 1, 1, f"no briefing has the id '{briefing_id}'")]
        )
    refuse_unlike_a_briefing(path)
    refuse_taken(slug, path, briefings)
    with path.open(encoding="utf-8", newline="") as stream:
        text = stream.read()
    document = round_trip().load(text.replace("\r\n", "\n"))
    [case] = round_trip().load(fill("case-study.yaml", slug))
    if document.get("case_studies"):
        document["case_studies"].append(case)
    else:
        document["case_studies"] = CommentedSeq([case])
    written = io.StringIO()
    round_trip().dump(document, written)
    # The file's own line endings, so that only the added lines differ.
    added = written.getvalue().replace("\n", "\r\n") if "\r\n" in text else written.getvalue()
    # Whole or not at all: a full disk must not leave the editor's source cut short.
    write_atomically(path, added.encode("utf-8"))
    return path


def refuse_unlike_a_briefing(path: Path) -> None:
    """A located error for a file a case study cannot be added to: not a mapping of fields,
    or with a `case_studies` that is no list."""
    data, locator = load_file(path, display(path))
    if not isinstance(data, dict):
        problem = "a briefing must be a mapping of fields (id:, title:, ...)"
        raise SourceErrors([locator.error((), problem, "fix the file, then add the case study")])
    cases = data.get("case_studies")
    if cases is not None and not isinstance(cases, list):
        raise SourceErrors(
            [
                locator.error(
                    ("case_studies",),
                    "'case_studies' must be a list (lines starting '- ') to add a case study to",
                    "write 'case_studies: []' or list the case studies under it",
                )
            ]
        )


def round_trip() -> YAML:
    """A YAML reader and writer that gives back what it read as it was written, in the
    layout of our sources (lists indented under their key)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def refuse_taken(slug: str, path: Path, briefings: Path) -> None:
    """Refuse an id that an anchor of the briefing's page, or an item of any briefing, has,
    with an error where it is already used."""
    for source in sorted(briefings.glob("*.yaml")):
        data, locator = load_file(source, display(source))
        kinds = ITEMS + (("sections",) if source == path else ())
        for kind in kinds:
            items = data.get(kind) if isinstance(data, dict) else None
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and item.get("id") == slug:
                    raise SourceErrors(
                        [
                            locator.error(
                                (kind, index, "id"),
                                f"the id '{slug}' is already used here",
                                "choose another id for the new case study",
                            )
                        ]
                    )


def display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def fill(scaffold: str, slug: str) -> str:
    return Template((SCAFFOLDS / scaffold).read_text(encoding="utf-8")).substitute(id=slug)


def require_slug(slug: str) -> None:
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise SourceErrors(
            [
                SourceError(
                    "<command line>",
                    1,
                    1,
                    f"'{slug}' is not a valid id",
                    "use lower-case words joined by hyphens, e.g. 'tandridge-agile-cloud'",
                )
            ]
        )
