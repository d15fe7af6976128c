"""libyaml's syntax errors in words an editor can act on: what was expected, and where.

libyaml says what its parser was doing ("while parsing a block collection: did not
find expected '-' indicator"). Almost every such error an editor meets is one of two
mistakes, a line indented to a column that lines up with nothing above it, or a quote
(or bracket) that is not closed or has text after it, and the text around the mark
says which. Each explanation here names the columns that would have been read, or
the place where the quote was opened. Whatever is not recognised gets a plain
sentence too, never the parser's own.
"""

from __future__ import annotations

import re

import yaml

Explanation = tuple[int, str, str]
"""(index in the text where the error is shown, message, hint)."""

QUOTES = "\"'"
CLOSERS = {"flow sequence": ("[", "]"), "flow mapping": ("{", "}")}
# A line that starts a field: its key, then ':' and a space or the end of the line.
FIELD = re.compile(r"\s*(?:-\s+)*([^\s#'\"][^:#]*?|'[^']*'|\"[^\"]*\"):(?:\s|$)")


def explain(text: str, exc: yaml.MarkedYAMLError) -> Explanation:
    """Where to show libyaml's error `exc` in `text`, and what to say."""
    mark = exc.problem_mark or exc.context_mark
    index = min(mark.index, len(text)) if mark else 0
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    opened = exc.context_mark.index if exc.context_mark else index
    if "quoted scalar" in context and "end of stream" in problem:
        return unclosed_quote(text, opened)
    if "quoted scalar" in context and "escape" in problem:
        return bad_escape(text, index)
    for kind, (opener, closer) in CLOSERS.items():
        if kind in context and "expected ','" in problem:
            return unclosed_bracket(text, opened, opener, closer)
    if "cannot start any token" in problem:
        return reserved_start(text, index)
    if "mapping values are not allowed" in problem:
        return stray_colon(text, index)
    if "expected key" in problem or "'-' indicator" in problem:
        return after_quote(text, index) or misaligned(text, index) or unexpected(text, index)
    if "directive" in context:
        return (
            line_start(text, index),
            "a line cannot start with '%'",
            "put the text in quotes, or remove the line",
        )
    if "could not find expected ':'" in problem:
        return missing_colon(text, opened)
    return (
        index,
        "this line cannot be read as YAML",
        "check that it is indented like the lines beside it and that every quote is closed",
    )


# Quoting.


def unclosed_quote(text: str, opened: int) -> Explanation:
    quote = text[opened]
    return (
        opened,
        f"the text opened with {quote} here is never closed",
        f"end it with {quote} on the same line or a later one; "
        f"inside it, write {quote} as {twice(quote)}",
    )


def twice(quote: str) -> str:
    return "''" if quote == "'" else '\\"'


def bad_escape(text: str, index: int) -> Explanation:
    at = index if text[index : index + 1] == "\\" else index - 1
    return (
        at,
        f"'{text[at : at + 2]}' is not something a backslash can stand for inside double quotes",
        "write a backslash as \\\\, or put the text in single quotes instead",
    )


def unclosed_bracket(text: str, opened: int, opener: str, closer: str) -> Explanation:
    return (
        opened,
        f"the '{opener}' here is never closed with '{closer}'",
        f"end it with '{closer}' and separate its items with commas, "
        f"or quote the text if the '{opener}' is part of it",
    )


def reserved_start(text: str, index: int) -> Explanation:
    char = text[index]
    return (
        index,
        f"a value cannot start with {char} unless it is quoted",
        f'put the whole value in quotes: "{char}…"',
    )


def after_quote(text: str, index: int) -> Explanation | None:
    """Text written after a quoted value's closing quote, on the same line."""
    start = line_start(text, index)
    before = text[start:index].rstrip()
    if (
        index == start
        or not before
        or before[-1] not in QUOTES
        or indent_of(text, start) == (index - start)
    ):
        return None
    quote = before[-1]
    return (
        index,
        f"text after the closing {quote}: a quoted value ends at its closing quote",
        "quote the whole value, writing ' inside single quotes as '' (it''s), "
        "or use double quotes around text that holds a '",
    )


def stray_colon(text: str, index: int) -> Explanation:
    """': ' where no field may start: inside an unquoted value, or on a line libyaml read as
    the continuation of the value above because it is indented further."""
    start = line_start(text, index)
    field = FIELD.match(text, start)
    if field and field.end(1) == index:  # the colon ends the line's first key
        return misaligned(text, start + indent_of(text, start))
    return (
        index,
        "': ' inside a value that is not in quotes",
        'put the value in quotes, e.g. title: "Digital: the next step"',
    )


def unexpected(text: str, index: int) -> Explanation:
    return (
        index,
        f"'{text[index : index + 1]}' here cannot follow what is before it on this line",
        "put the whole value in quotes if it is all one text",
    )


def missing_colon(text: str, opened: int) -> Explanation:
    return (
        opened,
        "a field name here has no ':' after it on the same line",
        "write the name, a colon and a space, then the value: title: My title",
    )


# Indentation.


def misaligned(text: str, index: int) -> Explanation | None:
    """A line whose indentation lines up with nothing it could belong to, or a field
    written at the column of a list's dashes; None when `index` is not where a line's
    text starts."""
    start = line_start(text, index)
    column = indent_of(text, start) + 1
    if start + column - 1 != index:
        return None
    expected = columns_before(text, start, column)
    choices = "; or to ".join(f"column {c}, {why}" for c, why in expected.values())
    hint = f"indent it to {choices}" if expected else "indent it like the lines above it"
    if column in expected and expected[column][1].startswith("like a list item"):
        others = "; or to ".join(
            f"column {c}, {why}" for c, why in expected.values() if c != column
        )
        return (
            index,
            "this line is inside a list but does not start with '- '",
            "start it with '- ' to make it an item of the list"
            + (f", or indent it to {others}" if others else ""),
        )
    return (
        index,
        f"this line is indented to column {column}, which lines up with nothing above it",
        hint,
    )


def columns_before(text: str, start: int, column: int) -> dict[int, tuple[int, str]]:
    """The columns a line at `start` could be indented to, with why: that of the line just
    above, the first field of a list item above, and those of the lines that enclose it."""
    lines = [
        (number, line)
        for number, line in enumerate(text[:start].splitlines(), 1)
        if line.strip() and not is_comment(line)
    ]
    choices: dict[int, str] = {}
    deepest = None
    for number, line in reversed(lines):
        if deepest is not None and indent(line) >= deepest:
            continue
        deepest = indent(line)
        dash = re.match(r"\s*-\s+(?=\S)", line)
        if dash:
            choices.setdefault(
                dash.end() + 1, f"under the first field of the item on line {number}"
            )
            choices.setdefault(deepest + 1, f"like a list item, as on line {number}")
        else:
            choices.setdefault(deepest + 1, f"like line {number}, {quoted_line(line)}")
        if deepest == 0:
            break
    near = sorted(choices, key=lambda c: abs(c - column))[:3]
    return {
        c: (c, choices[c])
        for c in sorted(near)
        if c != column or choices[c].startswith("like a list item")
    }


def quoted_line(line: str) -> str:
    shown = line.strip()
    return f"'{shown[:30]}…'" if len(shown) > 30 else f"'{shown}'"


def is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def indent_of(text: str, start: int) -> int:
    end = text.find("\n", start)
    return indent(text[start : end if end != -1 else len(text)])


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1
