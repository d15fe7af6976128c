"""Files generated from the model and committed, for editors: the JSON Schema their
tools validate against, and the field reference in CONTRIBUTING.md."""

from __future__ import annotations

import json
from pathlib import Path

from insight.fieldref import with_reference
from insight.incremental import write_atomically
from insight.model import Briefing

SCHEMA_HEADER = "# yaml-language-server: $schema=briefing.schema.json"


def schema_text() -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Insight briefing source",
        **Briefing.model_json_schema(),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated_files(root: Path) -> dict[Path, str]:
    """Each generated file and the text it should have now.

    The field reference goes into the project's editors' guide where it has one; a
    project folder built with --root (such as the benchmark's) may have none.
    """
    files = {root / "briefings" / "briefing.schema.json": schema_text()}
    guide = root / "CONTRIBUTING.md"
    if guide.is_file():
        files[guide] = with_reference(guide.read_text(encoding="utf-8"))
    return files


def stale_files(root: Path) -> list[Path]:
    return [
        path
        for path, text in generated_files(root).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def write_generated(root: Path) -> list[Path]:
    """Rewrite the generated files that are out of date; return those rewritten."""
    stale = stale_files(root)
    for path, text in generated_files(root).items():
        if path in stale:
            write_atomically(path, text.encode("utf-8"))
    return stale
