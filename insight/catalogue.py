"""All briefings together: load and validate every source, check what they say of
each other, render their Markdown, and answer the questions the outputs ask."""

from __future__ import annotations

import difflib
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from insight.addresses import clashes
from insight.citation import References, render_references
from insight.errors import SourceError, SourceErrors
from insight.load import Loc, Locator, load_file, load_kept, read_source
from insight.markdown import (
    Rendered,
    Texts,
    answered_ahead,
    pandoc,
    render_texts,
    stored_answer,
    texts_of,
)
from insight.model import Briefing, CaseStudy, Delusion, Principle
from insight.validate import validate_briefing


@dataclass(frozen=True)
class Source:
    """A validated briefing and where its values stand in its file."""

    path: Path
    briefing: Briefing
    locator: Locator


@dataclass(frozen=True)
class Catalogue:
    """Every briefing, newest first, with the HTML of every Markdown text and the
    images each text shows (names within briefings/images/)."""

    sources: list[Source]
    html: dict[str, str] = field(default_factory=dict, repr=False)
    images: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    references: dict[str, list[str]] = field(default_factory=dict, repr=False)
    """Briefing id -> the HTML of each further reading, formatted as a reference (see
    insight.citation), in the order of its source."""
    embargoed: frozenset[str] = frozenset()
    """Ids of briefings not yet released, kept only in a preview (see insight.release)."""

    @property
    def briefings(self) -> list[Briefing]:
        return [source.briefing for source in self.sources]

    def markdown(self, text: str) -> str:
        """The HTML of a Markdown text from any briefing."""
        return self.html[text]

    def shown_images(self) -> list[str]:
        """The names of the images the catalogue's texts show, within briefings/images/."""
        return sorted({name for text in self.html for name in self.images.get(text, ())})

    def briefing(self, briefing_id: str) -> Briefing:
        return self.by_id[briefing_id]

    @cached_property
    def by_id(self) -> dict[str, Briefing]:
        return {b.id: b for b in self.briefings}

    def delusions(self) -> Iterator[tuple[Briefing, Delusion]]:
        return ((b, d) for b in self.briefings for d in b.delusions)

    def principles(self) -> Iterator[tuple[Briefing, Principle]]:
        return ((b, p) for b in self.briefings for p in b.principles)

    def case_studies(self) -> Iterator[tuple[Briefing, CaseStudy]]:
        return ((b, c) for b in self.briefings for c in b.case_studies)

    @cached_property
    def invoked_by(self) -> dict[str, list[Briefing]]:
        """Principle id -> the briefings that set it out or invoke it."""
        result: dict[str, list[Briefing]] = defaultdict(list)
        for briefing in self.briefings:
            for principle_id in [p.id for p in briefing.principles] + briefing.invokes_principles:
                result[principle_id].append(briefing)
        return result


def source_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def load_catalogue(
    files: Iterable[Path],
    images: Path,
    *,
    base: Path | None = None,
    cache: Path | None = None,
    parsed: Parsed | None = None,
) -> Catalogue:
    """Load, validate and render every source; raise `SourceErrors` with all problems found.

    With a `cache` folder, a source whose bytes did not change is not parsed again, nor the
    Markdown of one whose texts did not change rendered again; with `parsed`, a source whose
    bytes did not change since a load given the same is not parsed or validated again.
    """
    files = list(files)
    sources: list[Source] = []
    errors: list[SourceError] = []
    unresolved = Unresolved()
    texts: dict[Path, Texts] = {}
    found: dict[str, list[dict[str, Any]]] = {}  # pandoc's answers kept in the cache, by request

    def cache_file(source: Source, suffix: str) -> Path | None:
        return cache / f"{source.path.stem}{suffix}" if cache else None

    def render(source: Source) -> tuple[Rendered, References]:
        return (
            render_texts(
                texts[source.path], source.locator, images, cache_file(source, ".json"), found
            ),
            render_references(
                source.briefing, source.locator, cache_file(source, ".references.json")
            ),
        )

    workers = os.cpu_count() or 1
    # Threads keep every core busy while each waits for its pandoc process.
    with pandoc.threads(workers) as pool:
        # The first sources pandoc has not seen are converted as soon as each is read, while
        # the others are: after an edit, the one text to convert is done by the time the rest
        # are read. The sources saved last are read first, so that an edit is among them.
        early: dict[Path, Future[tuple[Rendered, References]]] = {}
        lacking: list[Source] = []  # the others whose answers the cache does not hold
        for path in sorted(files, key=saved_last_first):
            data = None
            display = display_path(path, base)
            try:
                raw = read_source(path, display)
                source = parsed.get(path, display, raw) if parsed else None
                if source is None:
                    data, locator = (
                        load_kept(path, display, raw, cache / f"{path.stem}.source.json")
                        if cache
                        else load_file(path, display, raw)
                    )
                    source = source_of(path, data, locator)
                    if parsed is not None:
                        parsed.keep(path, display, raw, source)
            except SourceErrors as exc:
                errors.extend(exc.errors)
                unresolved.add(path, data)
                continue
            sources.append(source)
            texts[path] = texts_of(source.briefing)
            request = texts[path].request
            answer = stored_answer(texts[path], cache_file(source, ".json"))
            if answer is not None:
                found[request] = answer
            elif len(early) < workers and texts[path].fields and request not in found:
                early[path] = pool.submit(render, source)
            else:
                lacking.append(source)
        if parsed is not None:
            parsed.forget_all_but(files)
        given = {path: number for number, path in enumerate(files)}
        sources.sort(key=lambda s: given[s.path])  # as given: which is first seen is kept
        errors.extend(cross_check(sources, unresolved))
        errors.extend(clashes(sources))
        # The Markdown of the other sources not in the cache, several sources to a pandoc
        # process; as many processes at once as there are cores, so not beside the first ones
        # (a pandoc process takes about 180 MB).
        if len(lacking) > workers:
            wait(early.values())
        found |= answered_ahead(
            [(texts[s.path], cache_file(s, ".json")) for s in lacking], workers, found
        )
        later = [s for s in sources if s.path not in early]
        rendered = {s.path: done for s, done in zip(later, pool.map(render, later), strict=True)}
        rendered |= {path: future.result() for path, future in early.items()}
    html: dict[str, str] = {}
    shown: dict[str, tuple[str, ...]] = {}
    references: dict[str, list[str]] = {}
    for source in sources:
        texts_html, cited = rendered[source.path]
        html.update(texts_html.html)
        shown.update(texts_html.images)
        errors.extend(texts_html.errors + cited.errors)
        references.update(cited.html)
    if errors:
        raise SourceErrors(errors)
    sources.sort(key=lambda s: (s.briefing.date.first_day, s.briefing.id), reverse=True)
    return Catalogue(sources, html, shown, references)


class Parsed:
    """Sources parsed and validated by earlier loads in this process, each kept with the
    bytes and the name it was read as: the preview loads every source at each save, and
    only the one saved has changed."""

    def __init__(self) -> None:
        self.kept: dict[Path, tuple[str, bytes, Source]] = {}

    def get(self, path: Path, display: str, raw: bytes) -> Source | None:
        kept = self.kept.get(path)
        return kept[2] if kept is not None and kept[:2] == (display, raw) else None

    def keep(self, path: Path, display: str, raw: bytes, source: Source) -> None:
        self.kept[path] = (display, raw, source)

    def forget_all_but(self, paths: Iterable[Path]) -> None:
        """Keep only the sources still there: a preview outlives many renames."""
        self.kept = {path: self.kept[path] for path in set(paths) & self.kept.keys()}


def saved_last_first(path: Path) -> int:
    try:
        return -path.stat().st_mtime_ns
    except OSError:
        return 0  # reading it will say what is wrong


def source_of(path: Path, data: Any, locator: Locator) -> Source:
    briefing = validate_briefing(data, locator)
    if path.stem != briefing.id:
        raise SourceErrors(
            [
                locator.error(
                    ("id",),
                    f"id '{briefing.id}' does not match the file name",
                    f"rename the file to {briefing.id}.yaml",
                )
            ]
        )
    return Source(path, briefing, locator)


def display_path(path: Path, base: Path | None) -> str:
    base = (base or Path.cwd()).resolve()
    resolved = path.parent.resolve() / path.name  # a link is named as itself, not its target
    return str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(path)


@dataclass
class Unresolved:
    """What the sources that failed to load may define: references to it are not reported,
    so that one broken file is blamed for its own errors and not for other files' links."""

    briefing_ids: set[str] = field(default_factory=set)
    principle_ids: set[str] = field(default_factory=set)
    any_principle: bool = False
    """A source was not even YAML: any principle id may be one of its."""

    def add(self, path: Path, data: Any) -> None:
        """Note a source that failed, with its plain data if it was YAML at all."""
        self.briefing_ids.add(path.stem)
        if not isinstance(data, dict):
            self.any_principle = True
            return
        items = data.get("principles")
        self.principle_ids.update(
            item["id"]
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        )

    def principle(self, ref: str) -> bool:
        return self.any_principle or ref in self.principle_ids


def cross_check(sources: list[Source], unresolved: Unresolved) -> list[SourceError]:
    """Ids unique across the collection, and every reference pointing at something real."""
    errors: list[SourceError] = []
    first_seen: dict[tuple[str, str], SourceError] = {}
    principle_ids: set[str] = set()
    briefing_ids = {s.briefing.id for s in sources}
    for source in sources:
        b, locator = source.briefing, source.locator
        collections = {
            "delusions": b.delusions,
            "principles": b.principles,
            "case_studies": b.case_studies,
        }
        for name, items in collections.items():
            for index, item in enumerate(items):
                errors.extend(duplicate(first_seen, "item", item.id, locator, (name, index, "id")))
        principle_ids.update(p.id for p in b.principles)
    for source in sources:
        b, locator = source.briefing, source.locator
        for index, ref in enumerate(b.related):
            if ref == b.id:
                errors.append(
                    locator.error(("related", index), "a briefing cannot be related to itself")
                )
            elif ref not in briefing_ids and ref not in unresolved.briefing_ids:
                errors.append(
                    locator.error(
                        ("related", index),
                        f"no briefing has the id '{ref}'",
                        nearest(ref, briefing_ids),
                    )
                )
        for index, ref in enumerate(b.invokes_principles):
            if ref not in principle_ids and not unresolved.principle(ref):
                errors.append(
                    locator.error(
                        ("invokes_principles", index),
                        f"no principle has the id '{ref}'",
                        nearest(ref, principle_ids),
                    )
                )
    return errors


def duplicate(
    first_seen: dict[tuple[str, str], SourceError],
    scope: str,
    item_id: str,
    locator: Locator,
    loc: Loc,
) -> list[SourceError]:
    here = locator.error(loc, "")
    earlier = first_seen.setdefault((scope, item_id), here)
    if earlier is here:
        return []
    return [
        locator.error(
            loc,
            f"id '{item_id}' is used twice",
            f"first used at {earlier.path}:{earlier.line}:{earlier.column}",
        )
    ]


def nearest(ref: str, known: set[str]) -> str:
    close = difflib.get_close_matches(ref, sorted(known), n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else ""
