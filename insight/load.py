"""Read one YAML source safely into plain data plus the location of every node.

libyaml only tokenises; the nodes are put together here, one event at a time, so that
every rule holds before anything is built: plain scalars mean only what the YAML 1.2
core schema says (null, true/false, decimal integers and decimals) or an ISO date;
decimals stay exact (`Decimal`, from their own text); explicit tags and merge keys
are refused; nesting is at most `MAX_DEPTH` deep, aliases may not contain themselves
and the document may expand to at most `MAX_NODES` values. Keys must be unique text,
and every problem becomes a `SourceError` at its own line and column.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import functools
import hashlib
import operator
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from insight.errors import SourceError, SourceErrors, echo
from insight.incremental import digest, readable_json, store_json
from insight.yamlerrors import explain

MAX_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 64

Loc = tuple[str | int, ...]


@dataclass
class Locator:
    """Where each value (and each mapping key) of a loaded document stands in its file."""

    path: str
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False)
    spans: dict[Loc, tuple[int, int]] = field(default_factory=dict, repr=False)
    """Where each text value is written in `text`, as character offsets."""

    def error(self, loc: Loc, message: str, hint: str = "", *, at_key: bool = False) -> SourceError:
        """An error at `loc`, or at the nearest enclosing node that has a location."""
        line, column = self.find(loc, at_key=at_key)
        return SourceError(self.path, line, column, message, hint)

    def error_at(self, loc: Loc, written: str, message: str, hint: str = "") -> SourceError:
        """An error where `written` first stands inside the value at `loc` (a link target in a
        Markdown text, say), or at the value when it is not written there as it is."""
        start, end = self.spans.get(loc, (0, 0))
        at = self.text.find(written, start, end) if written else -1
        if at == -1:
            return self.error(loc, message, hint)
        return SourceError(self.path, *Positions(self.text).at(at), message, hint)

    def find(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
        if at_key and loc in self.keys:
            return self.keys[loc]
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.values:
                return self.values[loc[:end]]
        return (1, 1)


def load_file(path: Path, display: str, raw: bytes | None = None) -> tuple[Any, Locator]:
    """Parse `path` (or `raw`, its bytes as `read_source` read them) into plain data; raise
    `SourceErrors` naming `display` on any problem."""
    locator = Locator(display)
    text = locator.text = decode(read_source(path, display) if raw is None else raw, locator)
    node = Composer(text, display).compose()
    if node is None:
        raise SourceErrors(
            [locator.error((), "file is empty; a briefing needs at least an id and a title")]
        )
    return Builder(locator).build(node, ()), locator


def load_kept(path: Path, display: str, raw: bytes, kept: Path) -> tuple[Any, Locator]:
    """`load_file`, or what it gave for the same bytes, name and reader, as kept at `kept`
    (a file of the build cache, written here): composing the nodes one event at a time
    took most of a build that follows a one-line edit."""
    key = digest([hashlib.sha256(raw).digest(), display, *reader_identity()])
    stored = readable_json(kept)
    if stored.get("key") == key and isinstance(value := stored.get("value"), dict):
        with contextlib.suppress(LookupError, TypeError, ValueError, ArithmeticError):  # damaged
            return thawed(value, display, decode(raw, Locator(display)))
    data, locator = load_file(path, display, raw)
    store_json(kept, key, frozen(data, locator))
    return data, locator


@cache
def reader_identity() -> tuple[str | bytes, ...]:
    """What `load_file`'s result depends on besides the source: this module and libyaml."""
    return (Path(__file__).read_bytes(), yaml.__version__, yaml._yaml.get_version_string())


def frozen(data: Any, locator: Locator) -> dict[str, Any]:
    """Plain data and its locations as JSON holds them: the decimals and dates, which JSON
    has not, are written as text and listed by location, as a key could hold any text."""
    typed: list[list[Any]] = []

    def plain(value: Any, loc: Loc) -> Any:
        if isinstance(value, dict):
            return {key: plain(item, (*loc, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item, (*loc, index)) for index, item in enumerate(value)]
        if isinstance(value, Decimal | date):
            typed.append([list(loc), type(value).__name__])
            return str(value)
        return value

    def places(found: dict[Loc, tuple[int, int]]) -> list[list[Any]]:
        return [[list(loc), *where] for loc, where in found.items()]

    return {
        "data": plain(data, ()),
        "typed": typed,
        "values": places(locator.values),
        "keys": places(locator.keys),
        "spans": places(locator.spans),
    }


def thawed(value: dict[str, Any], display: str, text: str) -> tuple[Any, Locator]:
    """What `frozen` wrote, as `load_file` gave it."""
    data = value["data"]
    for loc, kind in value["typed"]:
        restore = Decimal if kind == "Decimal" else date.fromisoformat
        if not loc:  # a document that is one value, which validation refuses
            data = restore(data)
            continue
        *parents, last = loc
        holder = functools.reduce(operator.getitem, parents, data)
        holder[last] = restore(holder[last])
    locator = Locator(display, text=text)
    for name in ("values", "keys", "spans"):
        setattr(locator, name, {tuple(loc): (a, b) for loc, a, b in value[name]})
    return data, locator


def read_source(path: Path, display: str) -> bytes:
    """The bytes of `path`: a regular file of at most MAX_BYTES, and not a symbolic link.

    A link could name any file of the machine, whose first line an error would then
    print, or a device or a pipe that never ends; a file is read no further than the bound,
    so one that grows while it is read cannot get past it.
    """
    locator = Locator(display)
    try:
        # Not following a link, and not waiting for a pipe to be written to.
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise  # a fault of the machine, which the command line reports as one
        raise SourceErrors(
            [locator.error((), "is a symbolic link", "put the source itself in briefings/")]
        ) from None
    found = os.fstat(descriptor)
    if not stat.S_ISREG(found.st_mode):
        os.close(descriptor)
        raise SourceErrors([locator.error((), "is not a regular file")])
    with os.fdopen(descriptor, "rb") as file:
        raw = file.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        size = max(found.st_size, len(raw)) / 1_000_000
        raise SourceErrors(
            [locator.error((), f"file is {size:.1f} MB; a briefing source may be at most 1 MB")]
        )
    return raw


def decode(raw: bytes, locator: Locator) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].removeprefix(b"\xef\xbb\xbf")
        line_start = before.rfind(b"\n") + 1
        raise SourceErrors(
            [
                SourceError(
                    locator.path,
                    before.count(b"\n") + 1,
                    len(before[line_start:].decode("utf-8")) + 1,
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None


# Nodes as composed from the events, before they become plain data.


@dataclass(eq=False)
class Node:
    line: int
    column: int
    size: int = 1  # values it stands for, counting what its aliases repeat
    height: int = 0  # lists and mappings nested inside it, itself included


@dataclass(eq=False)
class Scalar(Node):
    value: Any = None
    plain: bool = True
    span: tuple[int, int] = (0, 0)


@dataclass(eq=False)
class Sequence(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Mapping(Node):
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    key: Node | None = None  # a key whose value is still to come


@dataclass(eq=False)
class Alias(Node):
    target: Node | None = None


class Positions:
    """Line and column as an editor counts them: only '\\n' ends a line (libyaml also
    counts NEL, U+2028 and U+2029, which editors show inside the line)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


class Composer:
    """Builds the node tree of the single document in `text`, enforcing the rules above."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.positions = Positions(text)
        self.stack: list[tuple[Sequence | Mapping, str | None]] = []
        self.anchors: dict[str, Node] = {}
        self.expanded = 0
        self.aliased = False
        self.errors: list[SourceError] = []
        self.root: Node | None = None

    def compose(self) -> Node | None:
        """The root node, or None for an empty file; raise `SourceErrors` on any problem."""
        try:
            self.run()
        except yaml.reader.ReaderError as exc:
            raise SourceErrors([self.reader_error(exc)]) from None
        except yaml.MarkedYAMLError as exc:
            raise SourceErrors([self.syntax_error(exc)]) from None
        if self.errors:
            raise SourceErrors(self.errors)
        return self.root

    def run(self) -> None:
        documents = 0
        for event in yaml.parse(self.text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fatal(
                        event, "more than one YAML document in the file", "remove the '---' line"
                    )
            elif isinstance(event, yaml.ScalarEvent):
                self.check_tag(event)
                self.count(event, 1)
                self.add(self.scalar(event), event.anchor)
            elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                self.start(event)
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                self.end()
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)

    def start(self, event: yaml.CollectionStartEvent) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise self.fatal(
                event,
                f"lists and mappings are nested more than {MAX_DEPTH} deep",
                "a briefing needs only a few levels",
            )
        self.check_tag(event)
        self.count(event, 1)
        line, column = self.where(event)
        kind = Sequence if isinstance(event, yaml.SequenceStartEvent) else Mapping
        self.stack.append((kind(line, column), event.anchor))

    def end(self) -> None:
        node, anchor = self.stack.pop()
        children = node.items if isinstance(node, Sequence) else [n for p in node.pairs for n in p]
        node.size = 1 + sum(child.size for child in children)
        node.height = 1 + max((child.height for child in children), default=0)
        self.add(node, anchor)

    def alias(self, event: yaml.AliasEvent) -> None:
        name = event.anchor
        if any(anchor == name for _, anchor in self.stack):
            raise self.fatal(
                event,
                f"alias '*{name}' repeats the list or mapping that contains it",
                "an alias may only repeat content that is complete before it",
            )
        target = self.anchors.get(name)
        if target is None:
            raise self.fatal(
                event,
                f"alias '*{name}' has no anchor '&{name}' before it",
                "define the anchor first",
            )
        if len(self.stack) + target.height > MAX_DEPTH:
            raise self.fatal(
                event,
                f"alias '*{name}' nests lists and mappings more than {MAX_DEPTH} deep",
                "a briefing needs only a few levels",
            )
        self.aliased = True
        self.count(event, target.size)
        line, column = self.where(event)
        self.add(Alias(line, column, target.size, target.height, target), None)

    def add(self, node: Node, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = node
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1][0]
        if isinstance(parent, Sequence):
            parent.items.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            parent.pairs.append((parent.key, node))
            parent.key = None

    def count(self, event: yaml.Event, values: int) -> None:
        """Keep the values the document stands for within `MAX_NODES`, aliases repeated."""
        self.expanded += values
        if self.expanded > MAX_NODES:
            raise self.fatal(
                event,
                f"document expands to more than {MAX_NODES:,} values",
                "aliases (*name) may not be used to multiply content"
                if self.aliased or isinstance(event, yaml.AliasEvent)
                else "split it into several briefings",
            )

    def check_tag(self, event: yaml.NodeEvent) -> None:
        # Any tag, even '!!str', asks for a type chosen by the writer rather than by the model.
        if event.tag is not None:
            self.errors.append(
                self.error(
                    event,
                    f"explicit YAML tag {echo(shown_tag(event.tag))} is not allowed",
                    "remove it: values are read as text, numbers, true/false or dates as written",
                )
            )

    def scalar(self, event: yaml.ScalarEvent) -> Scalar:
        line, column = self.where(event)
        span = (event.start_mark.index, event.end_mark.index)
        if unwanted := UNWANTED.search(event.value):
            # Mostly written as an escape ("\e", "\x01", "\L"): raw control characters are
            # refused as the file is read, but separators and overrides are no control characters.
            self.errors.append(
                self.error(
                    event,
                    f"the character U+{ord(unwanted.group()):04X} is not allowed in a value",
                    "delete it: editors do not show it, and only line breaks and tabs may stand in text",
                )
            )
        plain = not event.style and event.tag is None
        if not plain:
            return Scalar(line, column, value=event.value, plain=False, span=span)
        try:
            return Scalar(line, column, value=resolve(event.value), span=span)
        except ValueError as exc:  # a date-shaped value that is no real date, e.g. 2016-02-30
            self.errors.append(
                self.error(
                    event,
                    f"{echo(event.value)} is not a real date: {exc}",
                    "write dates as 2016-08-23",
                )
            )
            return Scalar(line, column, value=event.value)

    def where(self, event: yaml.Event) -> tuple[int, int]:
        return self.positions.at(event.start_mark.index)

    def error(self, event: yaml.Event, message: str, hint: str) -> SourceError:
        return SourceError(self.path, *self.where(event), message, hint)

    def fatal(self, event: yaml.Event, message: str, hint: str) -> SourceErrors:
        return SourceErrors([*self.errors, self.error(event, message, hint)])

    def reader_error(self, exc: yaml.reader.ReaderError) -> SourceError:
        # libyaml counts the position in bytes of the UTF-8 text it was given.
        index = len(self.text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore"))
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        what = "control character" if "control" in exc.reason else "character"
        return SourceError(
            self.path,
            *self.positions.at(index),
            f"{what} U+{code:04X} is not allowed in a source",
            "delete it; most editors do not show it",
        )

    def syntax_error(self, exc: yaml.MarkedYAMLError) -> SourceError:
        mark = exc.problem_mark or exc.context_mark
        index = min(mark.index, len(self.text)) if mark else 0
        problem = (exc.problem or str(exc)).strip()
        if self.text[index : index + 1] == "\t":  # libyaml's own message does not name it
            message, hint = "tab character in indentation", "indent with spaces, not tabs"
        elif "expected <document start>" in problem:
            message, hint = "more than one YAML document in the file", "remove the '---' line"
        else:  # indentation and quoting, in words: what was expected, and where
            index, message, hint = explain(self.text, exc)
        return SourceError(self.path, *self.positions.at(index), message, hint)


def shown_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


# The YAML 1.2 core schema for plain scalars, without its octal and hexadecimal integers
# and its exponents and infinities: a leading zero or an 'x' makes text, never a number.
# What no value may hold, however written: control characters but tab and line feed,
# line and paragraph separators (editors show them inside a line), bidirectional overrides
# (they make text read differently from how it is stored), and non-characters.
UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\ufffe\uffff]"
)
NULL = re.compile(r"~|null|Null|NULL|")
TRUE = re.compile(r"true|True|TRUE")
FALSE = re.compile(r"false|False|FALSE")
INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+")
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def resolve(text: str) -> Any:
    """What a plain scalar means; raise ValueError for a date-shaped text that is no date."""
    if NULL.fullmatch(text):
        return None
    if TRUE.fullmatch(text):
        return True
    if FALSE.fullmatch(text):
        return False
    if INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # longer than Python converts: it stays as written
            return text
    if DECIMAL.fullmatch(text):
        return Decimal(text)
    if match := ISO_DATE.fullmatch(text):
        return date(*map(int, match.groups()))
    return text


class Builder:
    """Turns composed nodes into plain Python data, recording locations."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator

    def build(self, node: Node, loc: Loc) -> Any:
        self.locator.values.setdefault(loc, (node.line, node.column))
        while isinstance(node, Alias):
            assert node.target is not None
            node = node.target
        if isinstance(node, Mapping):
            return self.mapping(node, loc)
        if isinstance(node, Sequence):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.items)]
        assert isinstance(node, Scalar)
        self.locator.spans.setdefault(loc, node.span)
        return node.value

    def mapping(self, node: Mapping, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        errors: list[SourceError] = []
        for key_node, value_node in node.pairs:
            where = (key_node.line, key_node.column)
            key = key_text(key_node)
            if key is None:
                errors.append(self.at(where, "a key must be a plain name such as 'title'"))
                continue
            if key == "<<" and is_plain(key_node):
                errors.append(
                    self.at(
                        where,
                        "merge keys ('<<') are not supported",
                        "write the fields out in full",
                    )
                )
                continue
            if key in result:
                errors.append(self.at(where, f"key {echo(key)} appears twice in the same mapping"))
                continue
            self.locator.keys[(*loc, key)] = where
            result[key] = self.build(value_node, (*loc, key))
        if errors:
            raise SourceErrors(errors)
        return result

    def at(self, where: tuple[int, int], message: str, hint: str = "") -> SourceError:
        return SourceError(self.locator.path, *where, message, hint)


def key_text(node: Node) -> str | None:
    while isinstance(node, Alias):
        assert node.target is not None
        node = node.target
    return node.value if isinstance(node, Scalar) and isinstance(node.value, str) else None


def is_plain(node: Node) -> bool:
    return isinstance(node, Scalar) and node.plain
