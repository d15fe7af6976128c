"""The JSON Schema of a briefing source, generated from the model, for editors' tools."""

from __future__ import annotations

import json
from pathlib import Path

from insight.model import Briefing

SCHEMA_HEADER = "# yaml-language-server: $schema=briefing.schema.json"


def schema_text() -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Insight briefing source",
        **Briefing.model_json_schema(),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path) -> bool:
    """Write the schema if it changed; True when the file was rewritten."""
    text = schema_text()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
