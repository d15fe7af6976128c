"""What a change does to the content, in plain language: `python build.py diff <git-ref>`.

The summary is Markdown, ready for a pull request's description or a comment,
and written for reviewers who read briefings, not YAML.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from insight.errors import SourceErrors
from insight.load import load_file
from insight.model import Availability, Briefing
from insight.validate import validate_briefing

LONG_TEXT = 80


def summarise_changes(root: Path, ref: str, current: list[Briefing]) -> str:
    """A Markdown summary of how `current` differs from the briefings at git `ref`."""
    before, unreadable = briefings_at(root, ref)
    after = {b.id: b for b in current}
    lines = [f"## Content changes since `{ref}`", ""]
    added = [after[i] for i in sorted(after.keys() - before.keys())]
    removed = [before[i] for i in sorted(before.keys() - after.keys())]
    changed = {
        i: list(briefing_changes(before[i], after[i])) for i in sorted(after.keys() & before.keys())
    }
    changed = {i: items for i, items in changed.items() if items}
    if added:
        lines += ["### Briefings added", *(f"- {headline(b)}: {contents(b)}" for b in added), ""]
    if removed:
        lines += ["### Briefings removed", *(f"- {headline(b)}" for b in removed), ""]
    for briefing_id, items in changed.items():
        lines += [f"### Changed: {headline(after[briefing_id])}", *(f"- {i}" for i in items), ""]
    if unreadable:
        lines += [
            "### Not compared",
            *(f"- `{name}` could not be read at `{ref}`" for name in unreadable),
            "",
        ]
    if not (added or removed or changed or unreadable):
        lines += ["No content changes.", ""]
    return "\n".join(lines)


def briefings_at(root: Path, ref: str) -> tuple[dict[str, Briefing], list[str]]:
    """The briefings as they were at `ref`, and the names of sources that did not validate then."""
    names = git(root, "ls-tree", "--name-only", f"{ref}:briefings").split()
    briefings: dict[str, Briefing] = {}
    unreadable: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in (n for n in names if n.endswith(".yaml")):
            path = Path(tmp) / name
            path.write_text(git(root, "show", f"{ref}:briefings/{name}"), encoding="utf-8")
            try:
                briefing = validate_briefing(*load_file(path, name))
            except SourceErrors:
                unreadable.append(name)
                continue
            briefings[briefing.id] = briefing
    return briefings, unreadable


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode:
        raise GitError(result.stderr.strip() or f"git {' '.join(args)} failed")
    return result.stdout


class GitError(Exception):
    """git could not answer: an unknown ref, or not a repository."""


def headline(briefing: Briefing) -> str:
    return f"*{briefing.title}* (`{briefing.id}`)"


def contents(briefing: Briefing) -> str:
    counts = {
        "section": len(briefing.sections),
        "case study": len(briefing.case_studies),
        "delusion": len(briefing.delusions),
        "principle": len(briefing.principles),
    }
    parts = [plural(n, what) for what, n in counts.items() if n]
    return ", ".join([f"{briefing.kind}, {briefing.date}", *parts])


def plural(n: int, what: str) -> str:
    if n == 1:
        return f"1 {what}"
    return f"{n} {what[:-1] + 'ies' if what.endswith('y') else what + 's'}"


def briefing_changes(old: Briefing, new: Briefing) -> Iterator[str]:
    for name in Briefing.model_fields:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        if isinstance(before, Availability):
            yield from availability_changes(before, after)
        elif isinstance(before, list) and has_ids(before + after):
            yield from item_changes(label(name), before, after)
        else:
            yield value_change(label(name), before, after)


def availability_changes(old: Availability, new: Availability) -> Iterator[str]:
    if old.free_to_subscribers != new.free_to_subscribers:
        now = "now free" if new.free_to_subscribers else "no longer free"
        yield f"**Availability**: {now} to Insight subscribers"
    for name, what in [("price_non_members", "non-members"), ("price_members", "members")]:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            yield f"**Price for {what}**: {money(before)} → {money(after)}"
    if old.note != new.note:
        yield value_change("Availability note", old.note, new.note)


def money(value: Decimal | None) -> str:
    if value is None:
        return "none"
    return f"£{value:,.2f}".removesuffix(".00")


def has_ids(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, BaseModel) and hasattr(i, "id") for i in items)


def item_changes(what: str, old: list[Any], new: list[Any]) -> Iterator[str]:
    before, after = {i.id: i for i in old}, {i.id: i for i in new}
    for item_id in after.keys() - before.keys():
        yield f"**{what}**: added {describe_item(after[item_id])}"
    for item_id in before.keys() - after.keys():
        yield f"**{what}**: removed {describe_item(before[item_id])}"
    for item_id in sorted(before.keys() & after.keys()):
        fields = [
            label(name)
            for name in type(after[item_id]).model_fields
            if getattr(before[item_id], name) != getattr(after[item_id], name)
        ]
        if fields:
            yield f"**{what}**: {describe_item(after[item_id])} changed ({', '.join(fields).lower()})"
    if [i.id for i in old if i.id in after] != [i.id for i in new if i.id in before]:
        yield f"**{what}**: reordered"


def describe_item(item: Any) -> str:
    name = getattr(item, "organisation", None)
    return f"{name}: *{item.title}* (`{item.id}`)" if name else f"*{item.title}* (`{item.id}`)"


def value_change(what: str, before: Any, after: Any) -> str:
    if before is None:
        return f"**{what}**: added"
    if after is None:
        return f"**{what}**: removed"
    old, new = show(before), show(after)
    if len(old) > LONG_TEXT or len(new) > LONG_TEXT:
        return f"**{what}**: edited"
    return f"**{what}**: {old} → {new}"


def show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(show(v) for v in value) or "none"
    if isinstance(value, BaseModel):
        return str(value.model_dump(exclude_none=True))
    return f"“{value}”" if isinstance(value, str) else str(value)


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()
