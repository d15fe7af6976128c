"""A source whose bytes did not change is not parsed again: the build cache keeps what
parsing gave, and reading it back gives the same values, of the same types, at the same
lines and columns; any change, or a damaged entry, has the source parsed afresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from insight.errors import SourceErrors
from insight.load import load_file, load_kept, read_source

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = (ROOT / "tests/fixtures/valid/minimal.yaml").read_text(encoding="utf-8")
# Values of every kind the reader makes, under keys that look like how they are kept.
AWKWARD = MINIMAL + (
    "extra:\n"
    "  Decimal: 2016-08-23\n"
    "  date: 195.50\n"
    "  '0': [1.25, '1.25', 2020-02-29, '2020-02-29', null, true, 12345678901234567890]\n"
    "  typed: {data: [], values: x}\n"
    "  'a.b': &shared {price: 0.5, when: 2016-01-01}\n"
    "  again: *shared\n"
    '  text: "\\u00e9 \u2013 \\U0001F600"\n'
)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same type at every node (a Decimal is not its text)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)


def kept_twice(path: Path, display: str, kept: Path) -> list[tuple[Any, Any]]:
    raw = read_source(path, display)
    return [load_kept(path, display, raw, kept) for _ in range(2)]


@pytest.mark.parametrize(
    "source", [*sorted((ROOT / "briefings").glob("*.yaml")), "awkward"], ids=lambda s: str(s)[-30:]
)
def test_a_source_read_back_is_the_source_parsed(tmp_path: Path, source: Path | str) -> None:
    if source == "awkward":
        source = tmp_path / "awkward.yaml"
        source.write_text(AWKWARD, encoding="utf-8")
    assert isinstance(source, Path)
    kept = tmp_path / "kept.json"
    parsed = load_file(source, "briefings/x.yaml")
    stored, read_back = kept_twice(source, "briefings/x.yaml", kept)
    assert kept.is_file()
    for data, locator in (stored, read_back):
        assert same(data, parsed[0])
        assert locator == parsed[1]  # every value's, key's and text's place in the file


def test_the_awkward_source_holds_each_kind_of_value(tmp_path: Path) -> None:
    source = tmp_path / "awkward.yaml"
    source.write_text(AWKWARD, encoding="utf-8")
    data, _ = kept_twice(source, "awkward.yaml", tmp_path / "kept.json")[1]
    assert {type(value).__name__ for value in data["extra"]["0"]} == {
        "Decimal", "str", "date", "NoneType", "bool", "int"
    }  # fmt: skip
    assert data["extra"]["again"] == data["extra"]["a.b"]


def test_an_edit_is_parsed_afresh_and_its_error_located(tmp_path: Path) -> None:
    source, kept = tmp_path / "minimal.yaml", tmp_path / "kept.json"
    source.write_text(MINIMAL, encoding="utf-8")
    kept_twice(source, "minimal.yaml", kept)
    source.write_text(MINIMAL.replace("title: ", "title: [unclosed "), encoding="utf-8")
    with pytest.raises(SourceErrors) as raised:
        kept_twice(source, "minimal.yaml", kept)
    assert [(e.path, e.line) for e in raised.value.errors] == [("minimal.yaml", 3)]
    source.write_text(MINIMAL.replace("A minimal briefing", "Retitled"), encoding="utf-8")
    assert kept_twice(source, "minimal.yaml", kept)[1][0]["title"] == "Retitled"


def test_the_same_bytes_under_another_name_are_located_under_that_name(tmp_path: Path) -> None:
    source, kept = tmp_path / "minimal.yaml", tmp_path / "kept.json"
    source.write_text(MINIMAL, encoding="utf-8")
    kept_twice(source, "briefings/minimal.yaml", kept)
    _, locator = kept_twice(source, "elsewhere/minimal.yaml", kept)[1]
    assert locator.error(("title",), "x").path == "elsewhere/minimal.yaml"


@pytest.mark.parametrize(
    "damage",
    [
        lambda value: value.update(typed=[[["extra", "nowhere"], "Decimal"]]),
        lambda value: value.update(typed=[[["extra", "0", 1], "Decimal"]], data={"extra": 1}),
        lambda value: value["typed"].append([["title"], "Decimal"]),
        lambda value: value["typed"].append([["title"], "date"]),
        lambda value: value.update(values=[[["title"], 1]]),
        lambda value: value.update(keys=7),
        lambda value: value.pop("spans"),
    ],
)
def test_a_damaged_entry_is_parsed_afresh(tmp_path: Path, damage: Any) -> None:
    source, kept = tmp_path / "awkward.yaml", tmp_path / "kept.json"
    source.write_text(AWKWARD, encoding="utf-8")
    kept_twice(source, "awkward.yaml", kept)
    stored = json.loads(kept.read_bytes())
    damage(stored["value"])
    kept.write_text(json.dumps(stored), encoding="utf-8")
    data, locator = kept_twice(source, "awkward.yaml", kept)[0]
    parsed = load_file(source, "awkward.yaml")
    assert same(data, parsed[0])
    assert locator == parsed[1]
