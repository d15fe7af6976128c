"""What a change does to the content, in plain language: `python build.py diff <git-ref>`.

The summary is Markdown, ready for a pull request's comment, and written for reviewers
who read briefings, not YAML. Every change is said once, under the edition that shows
it: what the public edition shows (anyone can read it) first, then what only
subscribers read. A quote made public is the one edit that hands subscriber text to
everyone, so the summary opens with it when there is one. Images are compared by the
names the texts show and by their bytes, so that a picture replaced under the same
name is reported too.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from insight.catalogue import Catalogue
from insight.errors import SourceErrors
from insight.load import load_file
from insight.markdown import markdown_fields, render_fields
from insight.model import Availability, Briefing, Quote, Revision
from insight.presentation import price
from insight.public import PUBLIC, public_briefing
from insight.validate import validate_briefing

# What makes Markdown of plain text: emphasis, code, links and images, headings, tables,
# strike-through; '<' and '&' are written as entities, so no HTML or comment either.
MARKDOWN_MARKS = re.compile(r"([\\`*_{}\[\]()#+!|~])")

LONG_TEXT = 80
QUOTE_SHOWN = 60
# How alike two quotes' words must be (difflib's ratio) to be one quote reworded.
REWORDED = 0.6
IMAGES = "briefings/images"


@dataclass(frozen=True)
class Version:
    """A briefing as it stands at one point, with the images its texts show."""

    briefing: Briefing
    images: dict[str, str]
    """Name within briefings/images/ -> digest of the file's bytes."""
    public_images: frozenset[str]
    """The names the public edition shows."""


@dataclass(frozen=True)
class Change:
    text: str
    public: bool
    """True when the public edition shows the change."""
    exposes: bool = False
    """True when text only subscribers could read becomes public."""


def summarise_changes(root: Path, ref: str, current: Catalogue) -> str:
    """A Markdown summary of how the `current` catalogue differs from the briefings at git `ref`."""
    before, unreadable = versions_at(root, ref)
    after = current_versions(root, current)
    lines = [f"## Content changes since `{ref}`", ""]
    added = [after[i].briefing for i in sorted(after.keys() - before.keys())]
    removed = [before[i].briefing for i in sorted(before.keys() - after.keys())]
    changed = {
        i: list(briefing_changes(before[i], after[i])) for i in sorted(after.keys() & before.keys())
    }
    changed = {i: items for i, items in changed.items() if items}
    exposing = [(i, c) for i, items in changed.items() for c in items if c.exposes]
    if exposing:
        lines += [
            "> **This change makes subscriber text public.** Once merged, anyone can read:",
            *(f"> - in *{literal(after[i].briefing.title)}*: {c.text}" for i, c in exposing),
            "",
        ]
    if added:
        lines += ["### Briefings added", *(f"- {headline(b)}: {contents(b)}" for b in added), ""]
    if removed:
        lines += ["### Briefings removed", *(f"- {headline(b)}" for b in removed), ""]
    for briefing_id, items in changed.items():
        lines += [f"### Changed: {headline(after[briefing_id].briefing)}", ""]
        lines += grouped(items)
    if unreadable:
        lines += [
            "### Not compared",
            *(f"- `{name}` could not be read at `{ref}`" for name in unreadable),
            "",
        ]
    if not (added or removed or changed or unreadable):
        lines += ["No content changes.", ""]
    return "\n".join(lines)


def grouped(items: list[Change]) -> list[str]:
    lines: list[str] = []
    for public, title in [
        (True, "In the public edition (anyone can read it)"),
        (False, "For subscribers only"),
    ]:
        shown = [c.text for c in items if c.public is public]
        if shown:
            lines += [f"{title}:", "", *(f"- {text}" for text in shown), ""]
    return lines


# The briefings at a ref and now, with their images.


def versions_at(root: Path, ref: str) -> tuple[dict[str, Version], list[str]]:
    """The briefings as they were at `ref`, and the names of sources that did not validate then."""
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        raise GitError(f"'{ref}' is not a commit in this repository") from None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "briefings"
        extract(root, ref, Path(tmp))
        versions: dict[str, Version] = {}
        unreadable: list[str] = []
        for path in sorted(folder.glob("*.yaml")):
            try:
                data, locator = load_file(path, path.name)
                briefing = validate_briefing(data, locator)
            except SourceErrors:
                unreadable.append(path.name)
                continue
            # Rendered only for the images each text shows; errors of the old text are not ours.
            shown = render_fields(briefing, locator, folder / "images").images
            versions[briefing.id] = version(briefing, shown, folder / "images")
    return versions, unreadable


def extract(root: Path, ref: str, into: Path) -> None:
    """briefings/ as it was at `ref`, written into `into` (nothing outside it, links or not)."""
    if not git(root, "ls-tree", "--name-only", ref, "briefings").strip():
        (into / "briefings").mkdir()
        return
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "briefings"], cwd=root, capture_output=True
    )
    if archive.returncode:
        raise GitError(archive.stderr.decode(errors="replace").strip())
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def current_versions(root: Path, catalogue: Catalogue) -> dict[str, Version]:
    return {b.id: version(b, catalogue.images, root / IMAGES) for b in catalogue.briefings}


def version(briefing: Briefing, shown: dict[str, tuple[str, ...]], images: Path) -> Version:
    def names(model: Briefing) -> set[str]:
        return {n for _, text in markdown_fields(model, ()) for n in shown.get(text, ())}

    return Version(
        briefing,
        {name: file_digest(images / name) for name in sorted(names(briefing))},
        frozenset(names(public_briefing(briefing))),
    )


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode:
        raise GitError(result.stderr.strip() or f"git {' '.join(args)} failed")
    return result.stdout


class GitError(Exception):
    """git could not answer: an unknown ref, or not a repository."""


def headline(briefing: Briefing) -> str:
    return f"*{literal(briefing.title)}* (`{briefing.id}`)"


def contents(briefing: Briefing) -> str:
    counts = {
        "section": len(briefing.sections),
        "case study": len(briefing.case_studies),
        "delusion": len(briefing.delusions),
        "principle": len(briefing.principles),
    }
    parts = [plural(n, what) for what, n in counts.items() if n]
    if public_quotes := sum(q.public for q in briefing.quotes):
        parts.append(f"{plural(public_quotes, 'public quote')}")
    return ", ".join([f"{briefing.kind}, {briefing.date}", *parts])


def plural(n: int, what: str) -> str:
    if n == 1:
        return f"1 {what}"
    return f"{n} {what[:-1] + 'ies' if what.endswith('y') else what + 's'}"


# What changed, field by field.


def briefing_changes(old: Version, new: Version) -> Iterator[Change]:
    for name in Briefing.model_fields:
        before, after = getattr(old.briefing, name), getattr(new.briefing, name)
        public = name in PUBLIC[Briefing]
        if before == after:
            continue
        if isinstance(before, Availability):
            yield from availability_changes(before, after)
        elif name == "quotes":
            yield from quote_changes(before, after)
        elif name == "revisions":
            yield from revision_changes(before, after)
        elif isinstance(before, list) and has_ids(before + after):
            yield from item_changes(label(name), before, after, public)
        else:
            yield Change(value_change(label(name), before, after), public)
    yield from image_changes(old, new)


def revision_changes(old: list[Revision], new: list[Revision]) -> Iterator[Change]:
    """Each revision recorded, dropped or reworded, with its day and kind: readers of both
    editions see it on the page, in the feed and in the PDF."""
    for revision in new:
        if revision not in old:
            yield Change(f"**Revision**: {revision.kind} on {revision.date} recorded", True)
    for revision in old:
        if revision not in new:
            yield Change(f"**Revision**: {revision.kind} on {revision.date} removed", True)


def availability_changes(old: Availability, new: Availability) -> Iterator[Change]:
    if old.free_to_subscribers != new.free_to_subscribers:
        now = "now free" if new.free_to_subscribers else "no longer free"
        yield Change(f"**Availability**: {now} to Insight subscribers", True)
    for name, what in [("price_non_members", "non-members"), ("price_members", "members")]:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            yield Change(f"**Price for {what}**: {money(before)} → {money(after)}", True)
    if old.note != new.note:
        yield Change(value_change("Availability note", old.note, new.note), True)


def money(value: Decimal | None) -> str:
    if value is None:
        return "none"
    return price(value)


def has_ids(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, BaseModel) and hasattr(i, "id") for i in items)


def item_changes(what: str, old: list[Any], new: list[Any], listed: bool) -> Iterator[Change]:
    """Items matched by id. `listed`: the public edition lists these items, showing of each
    the fields its PUBLIC entry names."""
    before, after = {i.id: i for i in old}, {i.id: i for i in new}
    for item_id in sorted(after.keys() - before.keys()):
        yield Change(f"**{what}**: added {describe_item(after[item_id])}", listed)
    for item_id in sorted(before.keys() - after.keys()):
        yield Change(f"**{what}**: removed {describe_item(before[item_id])}", listed)
    for item_id in sorted(before.keys() & after.keys()):
        old_item, new_item = before[item_id], after[item_id]
        shown = PUBLIC.get(type(new_item), frozenset()) if listed else frozenset()
        fields = [
            n for n in type(new_item).model_fields if getattr(old_item, n) != getattr(new_item, n)
        ]
        for public in (True, False):
            mine = [label(n).lower() for n in fields if (n in shown) is public]
            if mine:
                yield Change(
                    f"**{what}**: {describe_item(new_item)} changed ({', '.join(mine)})", public
                )
    if [i.id for i in old if i.id in after] != [i.id for i in new if i.id in before]:
        yield Change(f"**{what}**: reordered", listed)


def describe_item(item: Any) -> str:
    name = getattr(item, "organisation", None)
    title = f"*{literal(item.title)}* (`{item.id}`)"
    return f"{literal(name)}: {title}" if name else title


def quote_changes(old: list[Quote], new: list[Quote]) -> Iterator[Change]:
    """Quotes have no id: the same words are the same quote, and words alike enough are
    one quote reworded; the rest were added or removed."""
    pairs, gone, came = match_quotes(old, new)
    for quote in came:
        where = "shown in the public edition" if quote.public else "for subscribers only"
        yield Change(f"**Quotes**: added {quoted(quote)}, {where}", quote.public, quote.public)
    for quote in gone:
        yield Change(f"**Quotes**: removed {quoted(quote)}", quote.public)
    for before, after in pairs:
        if before.text != after.text:
            yield Change(
                f"**Quotes**: reworded {quoted(before)} → “{literal(short(after.text))}”",
                before.public and after.public,
            )
        if not before.public and after.public:
            yield Change(
                f"**Quotes**: made public {quoted(after)}: words until now for subscribers "
                "only will be shown in the public edition, which anyone can read",
                True,
                True,
            )
        elif before.public and not after.public:
            yield Change(
                f"**Quotes**: made private {quoted(after)}: no longer in the public edition", True
            )
        attribution = [
            label(n).lower()
            for n in ("speaker", "role", "organisation")
            if getattr(before, n) != getattr(after, n)
        ]
        if attribution:
            yield Change(
                f"**Quotes**: {quoted(after)} changed ({', '.join(attribution)})",
                before.public or after.public,
            )


def match_quotes(
    old: list[Quote], new: list[Quote]
) -> tuple[list[tuple[Quote, Quote]], list[Quote], list[Quote]]:
    """(pairs of one quote before and after, quotes removed, quotes added)."""
    gone, came = list(old), list(new)
    pairs: list[tuple[Quote, Quote]] = []
    for quote in list(came):
        same = next((q for q in gone if q.text == quote.text), None)
        if same is not None:
            pairs.append((same, quote))
            gone.remove(same)
            came.remove(quote)
    alike = sorted(
        ((similarity(a, b), i, j) for i, a in enumerate(gone) for j, b in enumerate(came)),
        reverse=True,
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    for ratio, i, j in alike:
        if ratio >= REWORDED and i not in used_old and j not in used_new:
            pairs.append((gone[i], came[j]))
            used_old.add(i)
            used_new.add(j)
    return (
        pairs,
        [q for i, q in enumerate(gone) if i not in used_old],
        [q for j, q in enumerate(came) if j not in used_new],
    )


def similarity(a: Quote, b: Quote) -> float:
    return difflib.SequenceMatcher(None, a.text.split(), b.text.split()).ratio()


def quoted(quote: Quote) -> str:
    return f"“{literal(short(quote.text))}” ({literal(quote.speaker)})"


def short(text: str) -> str:
    return text if len(text) <= QUOTE_SHOWN else text[: QUOTE_SHOWN - 1].rstrip() + "…"


def image_changes(old: Version, new: Version) -> Iterator[Change]:
    def public(name: str) -> bool:
        return name in old.public_images or name in new.public_images

    for name in sorted(new.images.keys() - old.images.keys()):
        yield Change(f"**Images**: added `images/{name}`", public(name))
    for name in sorted(old.images.keys() - new.images.keys()):
        yield Change(f"**Images**: removed `images/{name}`", public(name))
    for name in sorted(old.images.keys() & new.images.keys()):
        if old.images[name] != new.images[name]:
            yield Change(
                f"**Images**: replaced `images/{name}` (same name, a different picture)",
                public(name),
            )
        if name in new.public_images and name not in old.public_images:
            yield Change(f"**Images**: `images/{name}` now shown in the public edition", True)
        elif name in old.public_images and name not in new.public_images:
            yield Change(f"**Images**: `images/{name}` no longer in the public edition", True)


def value_change(what: str, before: Any, after: Any) -> str:
    if before is None or before == []:
        return f"**{what}**: added"
    if after is None or after == []:
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
    return f"“{literal(value)}”" if isinstance(value, str) else literal(str(value))


def literal(text: str) -> str:
    """An editor's text as it reads, in the Markdown of a pull-request comment: on one line,
    and making no link, image, HTML, comment, emphasis or @mention of its own."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    return MARKDOWN_MARKS.sub(r"\\\1", escaped).replace("@", "@\u2060")


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()
