"""The JSON Schema that editors' tools use stays in step with the model and the sources."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from insight.cli import main
from insight.schema import SCHEMA_HEADER, schema_text, stale_files

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "briefings").glob("*.yaml"))


def test_the_committed_schema_and_field_reference_are_current() -> None:
    assert stale_files(ROOT) == [], "run 'python build.py schema' and commit the result"
    assert main(["schema", "--check"]) == 0


def test_the_field_reference_describes_every_field() -> None:
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "| `organisation_kind` | yes | one of: `unitary authority`," in guide
    assert "| `price_members` |  | amount in pounds | Price in pounds for members" in guide


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_source_points_editors_at_the_schema(source: Path) -> None:
    assert source.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_HEADER


def as_editor_tools_read_it(path: Path) -> object:
    """YAML as a YAML 1.2 language server sees it: dates stay text."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_editor_tools_accept_every_real_source(source: Path) -> None:
    jsonschema.validate(as_editor_tools_read_it(source), json.loads(schema_text()))


def test_editor_tools_flag_a_misspelt_field() -> None:
    schema = json.loads(schema_text())
    data = as_editor_tools_read_it(ROOT / "tests/fixtures/broken/unknown-key.yaml")
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert any("'sumary' was unexpected" in e.message for e in errors)
