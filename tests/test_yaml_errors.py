"""YAML mistakes in plain words: each indentation or quoting slip says what was expected
and where, on one line at the place to fix, and never in the parser's own terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from insight.errors import SourceErrors
from insight.load import load_file

# libyaml's vocabulary, which means nothing to an editor.
JARGON = ("indicator", "block mapping", "block collection", "scanning", "token", "scalar", "stream")

# The mistake -> (source, 'line:column: error: message (hint)' as shown).
MISTAKES = {
    "a field indented less than the one above it in a list item": (
        "sections:\n  - id: a\n   title: b\n",
        "3:4: error: this line is indented to column 4, which lines up with nothing above it "
        "(indent it to column 1, like line 1, 'sections:'; or to column 3, like a list item, "
        "as on line 2; or to column 5, under the first field of the item on line 2)",
    ),
    "a field indented more than the one above it": (
        "id: a\ntitle: b\n  kind: c\n",
        "3:3: error: this line is indented to column 3, which lines up with nothing above it "
        "(indent it to column 1, like line 2, 'title: b')",
    ),
    "a list item indented between two levels": (
        "sections:\n  - id: a\n    title: b\n - id: c\n",
        "4:2: error: this line is indented to column 2, which lines up with nothing above it "
        "(indent it to column 1, like line 1, 'sections:'; or to column 3, like a list item, "
        "as on line 2; or to column 5, like line 3, 'title: b')",
    ),
    "a field among list items": (
        "publishers:\n  - Socitm\n  note: x\n",
        "3:3: error: this line is inside a list but does not start with '- ' "
        "(start it with '- ' to make it an item of the list, or indent it to column 1, "
        "like line 1, 'publishers:'; or to column 5, under the first field of the item on line 2)",
    ),
    "a line of a block of text indented less than the block": (
        "summary: |\n    line one\n  line two\n",
        "3:3: error: this line is indented to column 3, which lines up with nothing above it "
        "(indent it to column 1, like line 1, 'summary: |'; or to column 5, like line 2, 'line one')",
    ),
    "an unclosed double quote": (
        'id: a\ntitle: "An unclosed quote\nkind: briefing\n',
        '2:8: error: the text opened with " here is never closed '
        '(end it with " on the same line or a later one; inside it, write " as \\")',
    ),
    "an apostrophe inside single quotes": (
        "title: 'it's here'\n",
        "1:12: error: text after the closing ': a quoted value ends at its closing quote "
        "(quote the whole value, writing ' inside single quotes as '' (it''s), "
        "or use double quotes around text that holds a ')",
    ),
    "a colon and space inside an unquoted value": (
        "title: Digital: the next step\n",
        "1:15: error: ': ' inside a value that is not in quotes "
        '(put the value in quotes, e.g. title: "Digital: the next step")',
    ),
    "an unclosed bracket": (
        "publishers: [Socitm, Example\nkind: briefing\n",
        "1:13: error: the '[' here is never closed with ']' (end it with ']' and separate its "
        "items with commas, or quote the text if the '[' is part of it)",
    ),
    "a value starting with a reserved character": (
        "title: @home\n",
        '1:8: error: a value cannot start with @ unless it is quoted (put the whole value in quotes: "@…")',
    ),
    "a backslash that escapes nothing in double quotes": (
        'title: "C:\\new\\q"\n',
        "1:15: error: '\\q' is not something a backslash can stand for inside double quotes "
        "(write a backslash as \\\\, or put the text in single quotes instead)",
    ),
    "a field name without its colon": (
        'id: a\ntitle "A title"\nkind: briefing\n',
        "2:1: error: a field name here has no ':' after it on the same line "
        "(write the name, a colon and a space, then the value: title: My title)",
    ),
}


def first_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mistake.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceErrors) as raised:
        load_file(path, "mistake.yaml")
    [error] = raised.value.errors
    return str(error)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_says_what_was_expected_where(tmp_path: Path, mistake: str) -> None:
    text, expected = MISTAKES[mistake]
    shown = first_error(tmp_path, text)
    assert shown == f"mistake.yaml:{expected}"
    assert "\n" not in shown
    assert not [word for word in JARGON if word in shown.lower()]


@pytest.mark.parametrize(
    "text",
    [
        "%YAML 1.2\n%TAG ! x\nid: a\n",
        "publishers: [a, b]]\n",
        "kind: [\n",
        "a: {b: [c}\n",
        "- a\nb: c\n",
        "a:\n  - b\n c: d\n",
        '"a" "b": c\n',
        "title: 'x'y\n",
        "a: b\n- c\n",
    ],
)
def test_any_other_syntax_error_is_located_and_in_plain_words(tmp_path: Path, text: str) -> None:
    shown = first_error(tmp_path, text)
    assert shown.startswith("mistake.yaml:")
    assert not [word for word in JARGON if word in shown.lower()], shown
    assert "expected" not in shown, shown
