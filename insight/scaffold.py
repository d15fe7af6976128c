"""Start new sources for editors: `new briefing` and `new case-study`.

Scaffolds are commented YAML whose "FILL IN" texts `check` reports until an
editor replaces them, so a half-filled source can never be published.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from insight.errors import SourceError, SourceErrors
from insight.incremental import write_atomically
from insight.model import SLUG_PATTERN

SCAFFOLDS = Path(__file__).parent / "scaffolds"
TOP_LEVEL_KEY = re.compile(r"^[a-z_]+:", re.MULTILINE)


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
    """Append a case-study scaffold to the briefing's `case_studies` list, keeping its comments."""
    require_slug(slug)
    path = briefings / f"{briefing_id}.yaml"
    if not path.is_file():
        raise SourceErrors(
            [SourceError(display(path), 1, 1, f"no briefing has the id '{briefing_id}'")]
        )
    text = path.read_text(encoding="utf-8")
    if re.search(rf"^\s*- id: {re.escape(slug)}\s*$", text, re.MULTILINE):
        raise SourceErrors(
            [SourceError(display(path), 1, 1, f"a case study '{slug}' already exists")]
        )
    # Whole or not at all: a full disk must not leave the editor's source cut short.
    write_atomically(path, insert_case_study(text, fill("case-study.yaml", slug)).encode("utf-8"))
    return path


def insert_case_study(text: str, item: str) -> str:
    start = re.search(r"^case_studies:[ \t]*(\[\])?[ \t]*$", text, re.MULTILINE)
    if start is None:
        return text.rstrip("\n") + "\n\ncase_studies:\n" + item
    following = TOP_LEVEL_KEY.search(text, start.end())
    end = following.start() if following else len(text)
    block = text[: start.start()] + "case_studies:" + text[start.end() : end].rstrip("\n")
    return block + "\n" + item + ("\n" + text[end:] if following else "")


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
