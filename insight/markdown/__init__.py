"""Markdown fields to HTML through pandoc: one dialect for the site and the PDFs.

Every Markdown field of a briefing goes through one sandboxed pandoc run (which, for
the briefings not in the cache, converts several briefings' fields together).
Raw HTML is read as text and every attribute a source writes is dropped by our
pandoc writer; the HTML is then sanitised by allow-list (`sanitise`). Link and
image targets come back with the HTML, so that unsafe ones become errors at the
field's location instead of output, and so that the site publishes exactly the
images the texts show, under the names checked (`images`). Tables wider and lists
deeper than print can hold are errors too. Given a cache file, an unchanged briefing
is not sent to pandoc again.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel

from insight.errors import SourceError
from insight.incremental import cached_json, digest, readable_json, store_json
from insight.load import Loc, Locator
from insight.markdown import pandoc
from insight.markdown.images import check_image
from insight.markdown.sanitise import sanitise
from insight.model import MARKDOWN

# A link may go to the web, an address, a phone number or an anchor, however it is spelt:
# the target must start with one of these as written (pandoc has decoded its entities).
LINK = re.compile(r"(?i)(https?://|mailto:|tel:|#)")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What an A4 page holds (the print stylesheet sets tables and indents for these at most).
MAX_COLUMNS = 10
MAX_NESTING = 6
# Links, images and footnotes in each other: pandoc's reader backtracks over every level, so
# a couple of dozen nested brackets take it minutes; no real text nests more than a few.
MAX_BRACKETS = 5
TOO_DEEP = (
    f"square brackets are nested more than {MAX_BRACKETS} deep here",
    "a link or footnote holds at most a few others: close each [ with its ]",
)
# Quotations and lists in each other, as markers in a row or as indentation: pandoc nests
# them as deep as they are written, and our writer's walk over a hundred levels overflows
# the Lua engine's stack. A printed page holds MAX_NESTING; past MAX_BLOCKS the text is
# not sent at all.
MAX_BLOCKS = 30
BLOCKS_TOO_DEEP = (
    f"lists or quotations are nested more than {MAX_BLOCKS} deep here",
    f"a printed page holds at most {MAX_NESTING}: flatten the list, or split it into several",
)
# A bracket, or an escape with the character it escapes (which does not count, if a bracket).
BRACKET_OR_ESCAPE = re.compile(r"\\.|[\[\]]", re.DOTALL)
BLOCK_MARKER = r"(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*"
# Where a line's blocks start: its indentation, a footnote's label, the markers in a row.
LINE_BLOCKS = re.compile(r"^([ \t]*)(?:\[\^[^\]\n]*\]:[ \t]*)?((?:" + BLOCK_MARKER + ")*)", re.M)
# A line that could start past MAX_BLOCKS levels (a tab is two): looked for first, as a
# text without one, which is every real text, is then read no further.
DEEP_LINE = re.compile(
    r"^(?:[ \t]*\[\^[^\]\n]*\]:)?[ \t>*+\-0-9.)]{" + str(MAX_BLOCKS // 2 + 1) + ",}", re.M
)
# Markers in a row anywhere, as in the cell of a grid table.
MARKERS_IN_A_ROW = re.compile(
    # (The look-ahead, a run of their characters at least that long, fails fast in prose.)
    r"(?=[>*+\-0-9.) \t]{" + str(MAX_BLOCKS + 1) + "})"
    r"(?:(?:>|[*+-][ \t]|\d{1,9}[.)][ \t])[ \t]*){" + str(MAX_BLOCKS + 1) + "}"
)
# Sources, and characters of their Markdown, converted in one pandoc run at the most: eight
# briefings of fifteen pages take a second or two, well inside pandoc's time limit, however
# long each is (one longer than that runs alone, as it would without batches).
BATCH = 8
BATCH_BYTES = 200_000
# How long, in all, finding the texts of a briefing that pandoc cannot convert may take.
LOCATE_SECONDS = 10.0


@dataclass(frozen=True)
class Rendered:
    """The sanitised HTML of each text, the images each shows (names within
    briefings/images/), and the errors found in them."""

    html: dict[str, str] = field(default_factory=dict)
    images: dict[str, tuple[str, ...]] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)


@dataclass
class Texts:
    """The Markdown texts of a model, each with its location: read once for all that is
    asked of them (see `answered_ahead` and `render_texts`)."""

    fields: list[tuple[Loc, str]]

    @cached_property
    def too_deep(self) -> list[tuple[Loc, str, tuple[str, str]]]:
        """(location, part of the text, problem) where brackets or blocks nest too deep to
        send the text to pandoc: brackets that deep take its reader exponential time, and
        blocks that deep overflow our writer."""
        return [
            (loc, text[start : end + 1], problem)
            for loc, text in self.fields
            for (start, end), problem in [
                (deepest_brackets(text), TOO_DEEP),
                (deepest_blocks(text), BLOCKS_TOO_DEEP),
            ]
            if end >= 0
        ]

    @cached_property
    def request(self) -> str:
        """The JSON that asks our pandoc reader for each text, once however often it is
        written."""
        texts = dict.fromkeys(text for _, text in self.fields)
        return json.dumps([{"key": key_for(text), "markdown": text} for text in texts])


def texts_of(model: BaseModel) -> Texts:
    return Texts(list(markdown_fields(model, ())))


def render_fields(
    model: BaseModel, locator: Locator, images: Path, cache_file: Path | None = None
) -> Rendered:
    """The HTML and images of each Markdown text in `model`: see `render_texts`."""
    return render_texts(texts_of(model), locator, images, cache_file)


def render_texts(
    texts: Texts,
    locator: Locator,
    images: Path,
    cache_file: Path | None = None,
    ahead: Mapping[str, list[dict[str, Any]]] | None = None,
) -> Rendered:
    """The HTML and images of each Markdown text, and errors for unsafe links or images and
    for structure print cannot hold.

    With `cache_file`, pandoc's answer is kept there and reused while the texts are the same.
    `ahead`: answers found before, by request (see `answered_ahead`).
    """
    ahead = ahead or {}
    fields = texts.fields
    if texts.too_deep:
        errors = [locator.error_at(loc, part, *problem) for loc, part, problem in texts.too_deep]
        return Rendered(errors=errors)
    keys = {text: key_for(text) for _, text in fields}
    if not keys:
        return Rendered()
    request = texts.request
    try:
        if request in ahead:
            results = ahead[request]
        elif cache_file is None:
            results = pandoc.convert(request)
        else:
            results = cached_json(cache_file, cache_key(request), lambda: pandoc.convert(request))
    except pandoc.PandocLimit:
        return Rendered(errors=over_limit(fields, locator))
    by_key = {result["key"]: result for result in results}
    answers = {text: by_key[key] for text, key in keys.items()}
    checked = {text: checked_targets(answer, images) for text, answer in answers.items()}
    errors = [
        locator.error_at(loc, target, problem, hint)
        for loc, text in fields
        for target, problem, hint in checked[text][1]
    ] + [
        locator.error(loc, problem, hint)
        for loc, text in fields
        for problem, hint in structure_problems(answers[text], loc)
    ]
    return Rendered(
        html={text: sanitise(answer["html"]) for text, answer in answers.items()},
        images={text: names for text, (names, _) in checked.items()},
        errors=errors,
    )


def cache_key(request: str) -> str:
    return digest([request, *pandoc.identity()])


def stored_answer(texts: Texts, cache_file: Path | None) -> list[dict[str, Any]] | None:
    """pandoc's answer for `texts` as `cache_file` keeps it, if it does."""
    if not texts.fields or cache_file is None:
        return None
    stored = readable_json(cache_file)
    if stored.get("key") == cache_key(texts.request) and "value" in stored:
        return stored["value"]
    return None


def answered_ahead(
    sources: list[tuple[Texts, Path | None]],
    workers: int,
    found: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """pandoc's answers for the texts of many sources, by request, before `render_texts`
    asks for each: those `found` before, those a source's cache file holds, and, when more
    sources than `workers` need pandoc, those converted several to a run (and kept in the
    cache file). A source left out (brackets or blocks nested too deep to send, a run past
    the limits, or too few sources to gain from running together) is converted by
    `render_texts` alone."""
    answers: dict[str, list[dict[str, Any]]] = dict(found or {})
    missing: dict[str, list[Path]] = {}  # request -> the cache files that lack its answer
    for texts, cache_file in sources:
        if not texts.fields:
            continue
        request = texts.request
        stored = stored_answer(texts, cache_file)
        if stored is not None:
            answers[request] = stored
        elif not texts.too_deep:
            missing.setdefault(request, []).extend([cache_file] if cache_file else [])
    sending = [request for request in missing if request not in answers]
    if len(sending) > workers:
        answers.update(converted_together(sending, workers))
    # Each cache file that lacks an answer found here gets it, even one another source with
    # the same texts already had: `render_texts`, finding it here, writes none.
    for request, files in missing.items():
        for cache_file in files if request in answers else []:
            store_json(cache_file, cache_key(request), answers[request])
    return answers


def converted_together(
    requests: list[str], workers: int, *, seconds: float = pandoc.SECONDS
) -> dict[str, list[dict[str, Any]]]:
    """pandoc's answer to each request, from runs of several requests together, `workers`
    at a time. A run costs its start (the runtime and the Lua engine, about half of what one
    briefing takes) whatever it converts. A run that goes past pandoc's limits answers none
    of its requests: `render_texts` then sends each alone, and locates what went over."""
    # Longest first, dealt out in turn: runs of about the same size.
    unique = sorted(dict.fromkeys(requests), key=len, reverse=True)
    size = sum(len(request) for request in unique)
    runs = max(1, -(-len(unique) // BATCH), -(-size // BATCH_BYTES))
    runs = -(-runs // workers) * workers  # as many runs for each worker
    batches = [unique[start::runs] for start in range(runs) if unique[start::runs]]

    def convert(batch: list[str]) -> dict[str, list[dict[str, Any]]]:
        asked = [json.loads(request) for request in batch]
        items = {item["key"]: item for request in asked for item in request}
        try:
            answers = pandoc.convert(json.dumps(list(items.values())), seconds=seconds)
        except pandoc.PandocLimit:
            return {}
        by_key = {answer["key"]: answer for answer in answers}
        return {
            request: [by_key[item["key"]] for item in items_asked]
            for request, items_asked in zip(batch, asked, strict=True)
        }

    together: dict[str, list[dict[str, Any]]] = {}
    with pandoc.threads(workers) as pool:
        for answered in pool.map(convert, batches):
            together.update(answered)
    return together


def checked_targets(
    answer: dict[str, Any], images: Path
) -> tuple[tuple[str, ...], list[tuple[str, str, str]]]:
    """The image names a text shows, and (target, problem, hint) for each target it may not have."""
    names: list[str] = []
    problems: list[tuple[str, str, str]] = []
    for target in as_list(answer["targets"]):
        if target["kind"] == "link":
            problem, hint = check_link(target["target"])
        else:
            name, problem, hint = check_image(target["target"], images)
            names += [name] if name else []
            if not problem and not target.get("alt", "").strip():
                problem, hint = missing_alt(target["target"])
        problems += [(target["target"], problem, hint)] if problem else []
    return tuple(dict.fromkeys(names)), problems


def missing_alt(target: str) -> tuple[str, str]:
    """An image without alt text: screen readers would have nothing to say for it (WCAG
    1.1.1), and a PDF/UA document may not hold it."""
    return (
        f"image '{target}' has no alt text",
        f"say what it shows between the brackets: ![what the image shows]({target})",
    )


def structure_problems(answer: dict[str, Any], loc: Loc) -> list[tuple[str, str]]:
    """(problem, hint) for a table wider or lists nested deeper than a printed page holds."""
    label = field_path(loc)
    problems = []
    if answer["columns"] > MAX_COLUMNS:
        problems.append(
            (
                f"a table in {label} has {answer['columns']} columns; "
                f"a printed page holds at most {MAX_COLUMNS}",
                "split it into narrower tables, or turn it round so that columns become rows",
            )
        )
    if answer["nesting"] > MAX_NESTING:
        problems.append(
            (
                f"lists or quotations in {label} are nested {answer['nesting']} deep; "
                f"a printed page holds at most {MAX_NESTING}",
                "flatten the list, or split it into several",
            )
        )
    return problems


def field_path(loc: Loc) -> str:
    """'sections[2].body' for ('sections', 2, 'body')."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def markdown_fields(value: Any, loc: Loc, annotation: Any = None) -> Iterator[tuple[Loc, str]]:
    """Every (location, text) in a model whose type is the `Markdown` text type."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            hint = (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            )
            yield from markdown_fields(getattr(value, name), (*loc, name), hint)
    elif isinstance(value, list):
        inner = get_args(annotation)[0] if get_origin(annotation) is list else None
        for index, item in enumerate(value):
            yield from markdown_fields(item, (*loc, index), inner)
    elif isinstance(value, str) and MARKDOWN in get_args(annotation):
        yield loc, value


def deepest_blocks(text: str) -> tuple[int, int]:
    """(start, end) of the first place where lists and quotations nest past `MAX_BLOCKS` in
    a text, counting each marker and every two columns of indentation as a level (at least
    as many as pandoc makes of them), or (-1, -1) when they never do."""
    for line in LINE_BLOCKS.finditer(text) if DEEP_LINE.search(text) else []:
        indent, markers = line[1], line[2]
        levels = len(indent.expandtabs(4)) // 2 + len(re.findall(BLOCK_MARKER, markers))
        if levels > MAX_BLOCKS:
            return line.start(), max(line.start(), line.end() - 1)
    if found := MARKERS_IN_A_ROW.search(text):
        return found.start(), found.end() - 1
    return -1, -1


def deepest_brackets(text: str) -> tuple[int, int]:
    """(where the outermost bracket opens, where nesting first passes `MAX_BRACKETS`) in a
    text, or (-1, -1) when it never does. Escaped brackets (\\[) do not count."""
    # Looking at every character took a tenth of a second a build: only brackets and
    # escapes are looked at, and only in a text with enough brackets to nest that deep.
    if text.count("[") <= MAX_BRACKETS:
        return -1, -1
    depth, outermost = 0, -1
    for found in BRACKET_OR_ESCAPE.finditer(text):
        if found.group() == "[":
            outermost = found.start() if depth == 0 else outermost
            depth += 1
            if depth > MAX_BRACKETS:
                return outermost, found.start()
        elif found.group() == "]" and depth:
            depth -= 1
    return -1, -1


def over_limit(fields: list[tuple[Loc, str]], locator: Locator) -> list[SourceError]:
    """Errors at each text that pandoc cannot convert within its limits on its own.

    Only reached when a whole briefing went over, so the cost of one run per text is paid
    only by a source that is already in error; past `LOCATE_SECONDS` in all, the texts not
    yet tried are left untried, and the briefing as a whole is in error.
    """
    deadline = time.monotonic() + LOCATE_SECONDS

    def problem(text: str) -> str:
        if time.monotonic() > deadline:
            return ""
        try:
            pandoc.convert(json.dumps([{"key": key_for(text), "markdown": text}]), seconds=2)
        except pandoc.PandocLimit as exc:
            return exc.what
        return ""

    texts = list(dict.fromkeys(text for _, text in fields))
    with pandoc.threads(2) as pool:
        problems = dict(zip(texts, pool.map(problem, texts), strict=True))
    hint = "look for deeply nested or unclosed brackets [ ], or split the text"
    errors = [
        locator.error(loc, f"this Markdown is too complex to convert: it {problems[text]}", hint)
        for loc, text in fields
        if problems[text]
    ]
    return errors or [
        locator.error((), "the briefing's Markdown is too complex to convert in one go", hint)
    ]


def key_for(text: str) -> str:
    return "m" + hashlib.sha1(text.encode()).hexdigest()[:10]


def as_list(value: Any) -> list[Any]:
    # pandoc's JSON encoder writes an empty Lua table as {}.
    return value if isinstance(value, list) else []


def check_link(target: str) -> tuple[str, str]:
    """('', '') for a link a reader may follow, else a problem and a hint."""
    if LINK.match(target) and not CONTROL.search(target):
        return "", ""
    shown = CONTROL.sub("?", target)
    return (
        f"link to '{shown}' is not allowed",
        "links must start with https://, http://, mailto:, tel: or #",
    )
