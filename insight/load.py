"""Read one YAML source safely into plain data plus the location of every node.

Only the safe YAML types are built (no Python objects), the file size and the
number of nodes that aliases may expand to are bounded, keys must be unique
text, and every problem becomes a `SourceError` with a line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from insight.errors import SourceError, SourceErrors

MAX_BYTES = 1_000_000
MAX_NODES = 100_000

Loc = tuple[str | int, ...]
PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


@dataclass
class Locator:
    """Where each value (and each mapping key) of a loaded document stands in its file."""

    path: str
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def error(self, loc: Loc, message: str, hint: str = "", *, at_key: bool = False) -> SourceError:
        """An error at `loc`, or at the nearest enclosing node that has a location."""
        line, column = self.find(loc, at_key=at_key)
        return SourceError(self.path, line, column, message, hint)

    def find(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int]:
        if at_key and loc in self.keys:
            return self.keys[loc]
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.values:
                return self.values[loc[:end]]
        return (1, 1)


def load_file(path: Path, display: str) -> tuple[Any, Locator]:
    """Parse `path` into plain data; raise `SourceErrors` naming `display` on any problem."""
    locator = Locator(display)
    if path.stat().st_size > MAX_BYTES:
        size = path.stat().st_size / 1_000_000
        raise SourceErrors(
            [locator.error((), f"file is {size:.1f} MB; a briefing source may be at most 1 MB")]
        )
    text = decode(path.read_bytes(), locator)
    node = compose(text, locator)
    if node is None:
        raise SourceErrors(
            [locator.error((), "file is empty; a briefing needs at least an id and a title")]
        )
    return Builder(locator).build(node, ()), locator


def decode(raw: bytes, locator: Locator) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceErrors(
            [
                SourceError(
                    locator.path,
                    line,
                    column,
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None


def compose(text: str, locator: Locator) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise SourceErrors(
            [SourceError(locator.path, line, column, *describe_yaml_error(exc, text))]
        ) from None
    except yaml.YAMLError as exc:
        raise SourceErrors([locator.error((), f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise SourceErrors([locator.error((), "YAML is nested too deeply")]) from None


def describe_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, str]:
    problem = (exc.problem or str(exc)).strip()
    mark = exc.problem_mark
    lines = text.splitlines()
    # libyaml's own message does not name the character, so look at it.
    if (
        mark is not None
        and mark.line < len(lines)
        and lines[mark.line][mark.column : mark.column + 1] == "\t"
    ):
        return "tab character in indentation", "indent with spaces, not tabs"
    if "expected <document start>" in problem or "more than one document" in problem:
        return "more than one YAML document in the file", "remove the '---' line"
    context = f"{exc.context}: " if exc.context else ""
    return f"not valid YAML: {context}{problem}", "check the indentation and quoting around here"


class Builder:
    """Turns composed YAML nodes into plain Python data, recording locations."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.constructor = yaml.SafeLoader("")
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SourceErrors(
                [
                    self.locator.error(
                        loc,
                        f"document expands to more than {MAX_NODES:,} values",
                        "aliases (*name) may not be used to multiply content",
                    )
                ]
            )
        self.locator.values.setdefault(loc, (node.start_mark.line + 1, node.start_mark.column + 1))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in PLAIN_COLLECTION_TAGS:
            raise SourceErrors(
                [
                    self.locator.error(
                        loc,
                        f"unsupported YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')}",
                        "remove the '!' tag",
                    )
                ]
            )
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, loc)

    def mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        self.constructor.flatten_mapping(node)  # resolves '<<' merge keys
        result: dict[str, Any] = {}
        errors: list[SourceError] = []
        for key_node, value_node in node.value:
            key = self.scalar(key_node, loc) if isinstance(key_node, yaml.ScalarNode) else None
            where = SourceError(
                self.locator.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1, ""
            )
            if not isinstance(key, str):
                errors.append(replace_message(where, "a key must be a plain name such as 'title'"))
                continue
            if key in result:
                errors.append(
                    replace_message(where, f"key '{key}' appears twice in the same mapping")
                )
                continue
            self.locator.keys[(*loc, key)] = (where.line, where.column)
            result[key] = self.build(value_node, (*loc, key))
        if errors:
            raise SourceErrors(errors)
        return result

    def scalar(self, node: yaml.Node, loc: Loc) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise SourceErrors(
                [
                    self.locator.error(
                        loc,
                        f"unsupported YAML value: {exc.problem}",
                        "use plain text, numbers, lists and mappings",
                    )
                ]
            ) from None
        except ValueError as exc:  # a timestamp-shaped value that is no real date, e.g. 2016-02-30
            raise SourceErrors(
                [
                    self.locator.error(
                        loc,
                        f"'{node.value}' is not a real date: {exc}",
                        "write dates as 2016-08-23",
                    )
                ]
            ) from None


def replace_message(error: SourceError, message: str) -> SourceError:
    return SourceError(error.path, error.line, error.column, message)
