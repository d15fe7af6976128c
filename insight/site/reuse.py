"""Pages made again only when what they are made from has changed.

MkDocs converts, lays out and indexes every page on every build, which is most of
what a warm build and an editor's preview cost. Built dirty, it leaves out each
page whose file says it is unmodified. Here a page says so only when its key is
the one it was last made from, and what it was made as is in the store, byte for
byte. The key covers the page's own text and head tags, and what every page is
made from: the site's configuration and docs, the project's brand and templates, the
theme, our package, every installed package's version, the navigation and the list
of files.

A page left out still gets its HTML, its search entries and its anchors from the
store, so the site, its search index and MkDocs's check of links to anchors are
those a full build makes (tests compare the two byte for byte). Where the key cannot
vouch for a page, as when a plugin or Markdown extension not listed here may carry
state from page to page, every page is made.

Only builds that ask for it reuse pages (`build.py build` and `serve`); a plain
`mkdocs build` is untouched. The store is written only after a build succeeds, so
a page whose build warned in a strict build is made again, and warns again.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property, partial
from pathlib import Path
from typing import Annotated, Any

from jinja2.bccache import Bucket, FileSystemBytecodeCache
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.theme import Theme
from mkdocs.utils.meta import get_data
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from insight.incremental import digest, readable_json, write_atomically

# Plugins and extensions whose output for a page depends on that page and the
# configuration alone, as the key assumes. The search index is merged here.
PLUGINS = frozenset({"insight", "material/search"})
EXTENSIONS = frozenset(
    {
        *("abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes"),
        *("md_in_html", "sane_lists", "smarty", "tables", "toc"),
        *("pymdownx.betterem", "pymdownx.caret", "pymdownx.details", "pymdownx.emoji"),
        *("pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.keys", "pymdownx.mark"),
        *("pymdownx.smartsymbols", "pymdownx.superfences", "pymdownx.tabbed"),
        *("pymdownx.tasklist", "pymdownx.tilde"),
    }
)


class CompiledTemplates(FileSystemBytecodeCache):
    """The theme's templates as the last build compiled them, kept beside the store: Jinja
    compiles a template again when its source differs.

    Bytecode is code, so it is read only where the store is: build.py refuses a build/
    that a commit brought (see insight.project.Project.refuse_tracked_outputs). A cache
    that cannot be read or written only makes the next build slower."""

    def __init__(self, folder: Path) -> None:
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        super().__init__(str(folder))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # whatever a damaged file raises, the template is compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


SEARCH_INDEX = Path("search") / "search_index.json"
DIGEST = re.compile(r"^[0-9a-f]{64}$")
MANIFEST = "pages.json"


class Made(BaseModel):
    """What one page was made as."""

    model_config = ConfigDict(frozen=True, strict=True)

    key: str
    title: str | None
    output: Annotated[str, StringConstraints(pattern=DIGEST.pattern)]
    """The digest of its HTML, which the store keeps under that name."""
    anchors: list[str]
    links: dict[str, dict[str, str]] | None
    """Its links to anchors of pages: {page's src_uri: {anchor: link as written}}; None where
    MkDocs did not record them (it does not when its pages log at DEBUG)."""


class PageStore:
    """The pages of the last successful build, in a folder of their own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        manifest = readable_json(folder / MANIFEST)
        stored = manifest.get("pages")
        self.last: dict[str, Made] = {}
        for src_uri, made in stored.items() if isinstance(stored, dict) else ():
            # An entry damaged in any way is a page to make again.
            with contextlib.suppress(ValidationError):
                self.last[src_uri] = Made.model_validate(made)
        index = manifest.get("index")
        self.index = index if isinstance(index, str) and DIGEST.fullmatch(index) else None
        """The digest of the last build's search index, kept whole (the entries of a page
        reused come from it); None where that build had none."""
        if "index" not in manifest or (index is not None and self.index is None):
            self.last = {}  # a manifest that does not say which index its pages are in
        self.made: dict[str, Made] = {}
        self.made_index: str | None = None

    def html(self, src_uri: str, key: str) -> tuple[Made, bytes] | None:
        """What the page was made as from `key`, if the store still holds it intact."""
        made = self.last.get(src_uri)
        if made is None or made.key != key or not self.index_intact:
            return None
        html = intact(self.folder / made.output, made.output)
        return (made, html) if html is not None else None

    @cached_property
    def index_intact(self) -> bool:
        return self.index is None or intact(self.folder / self.index, self.index) is not None

    def stored_entries(self) -> dict[str, list[dict[str, Any]]]:
        """The last build's search entries, by the address of their page."""
        if self.index is None:
            return {}
        stored = readable_json(self.folder / self.index).get("docs")
        return entries_by_page(stored if isinstance(stored, list) else [])

    def keep(self, src_uri: str, made: Made, written: Path | None = None) -> None:
        """Remember what a page was made as; the HTML MkDocs has `written` is stored now,
        under its own digest, and the manifest only by `commit`."""
        self.made[src_uri] = made
        if written is not None:
            self.save(written, made.output)

    def keep_index(self, written: Path) -> None:
        """Keep the site's whole search index, as this build wrote it."""
        self.made_index = digest([written.read_bytes()])
        self.save(written, self.made_index)

    def save(self, written: Path, name: str) -> None:
        """A file of the site under the digest `name` of its bytes, unless it is there."""
        stored = self.folder / name
        if intact(stored, name):
            return
        # A store that cannot be written only makes the next build slower.
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            stored.unlink(missing_ok=True)  # one damaged since, under the name it had
            try:
                os.link(written, stored)
            except OSError:
                write_atomically(stored, written.read_bytes())

    def place(self, made: Made, html: bytes, destination: Path) -> None:
        """Put a reused page, whose `html` was found intact, at `destination`: as a second name
        of the stored file where the disk allows (writing every page would be most of what
        reusing them costs), else as a copy."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.folder / made.output, destination)
        except OSError:
            destination.write_bytes(html)

    def commit(self) -> None:
        """Make what this build made the store's, and drop the HTML no page refers to now
        (first, so that a disk too full for the manifest is still cleared)."""
        kept = {made.output for made in self.made.values()} | {MANIFEST, self.made_index}
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                if entry.name not in kept and not entry.name.startswith("."):
                    Path(entry.path).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            pages = {uri: made.model_dump() for uri, made in self.made.items()}
            manifest = {"index": self.made_index, "pages": pages}
            write_atomically(self.folder / MANIFEST, json.dumps(manifest).encode())


def intact(path: Path, output: str) -> bytes | None:
    """The bytes of a stored page, if they are still those its name is the digest of."""
    try:
        html = path.read_bytes()
    except OSError:
        return None
    return html if digest([html]) == output else None


def reusable(config: MkDocsConfig) -> bool:
    """Whether a page's output depends on nothing the key leaves out."""
    return set(config.plugins) <= PLUGINS and set(config.markdown_extensions) <= EXTENSIONS


class Reuse:
    """One build's use of the store: attached to every page when the navigation is known,
    finished after MkDocs has written the site."""

    def __init__(
        self,
        store: PageStore,
        config: MkDocsConfig,
        files: Files,
        nav: Navigation,
        inputs: str,
        head: Callable[[Page], object],
    ) -> None:
        self.store = store
        self.config = config
        self.files = files
        self.head = head
        # MkDocs records the links of a page to anchors only when its pages do not log at
        # DEBUG: what it checks after a build depends on it.
        recorded = logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG
        layout = layout_key(nav, files)
        self.key = digest([inputs, settings_key(config), layout, str(recorded)])
        self.templates = CompiledTemplates(store.folder.with_name("templates"))
        self.pages: dict[str, tuple[Page, str, bytes | None]] = {}
        """Each page MkDocs has asked about, in its order: the key, and the HTML reused."""
        self.asked: str | None = None
        self.warned: set[str] = set()
        """Pages that logged a warning as they were made: not kept, so that they warn again."""
        self.warnings = PageWarnings(self)
        logging.getLogger("mkdocs").addHandler(self.warnings)
        for file in files.documentation_pages(inclusion=InclusionLevel.all):
            # MkDocs asks each page, when built dirty, whether to make it again, just before
            # it reads the page and again before it writes it.
            file.is_modified = partial(self.changed, file)  # type: ignore[method-assign]

    def changed(self, file: File) -> bool:
        page = file.page
        assert page is not None, "MkDocs makes a page of every file before it asks"
        self.asked = file.src_uri
        if file.src_uri not in self.pages:
            self.pages[file.src_uri] = (page, *self.reused(page))
        return self.pages[file.src_uri][2] is None

    def close(self) -> None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)

    def reused(self, page: Page) -> tuple[str, bytes | None]:
        src_uri = page.file.src_uri
        # The head as made before the page is read: what it depends on beyond the page's
        # text (the briefing, its downloads, the address) is the same at both times.
        key = digest(
            [self.key, src_uri, page.file.content_bytes, json.dumps(self.head(page), default=str)]
        )
        found = self.store.html(src_uri, key)
        if found is None:
            return key, None
        made, html = found
        # What other pages read of this one, as a build of it would have left them.
        page.read_source(self.config)
        page.title = made.title  # as rendered: the nav's key says whether it still holds
        page.present_anchor_ids = set(made.anchors)
        page.links_to_anchors = made.links and {
            target: links
            for uri, links in made.links.items()
            if (target := self.files.get_file_from_path(uri)) is not None
        }
        self.store.keep(src_uri, made)
        return key, html

    def finish(self) -> tuple[int, int]:
        """Put each page left out where MkDocs would have written it, keep each page made,
        and give the search index the entries of every page, in MkDocs's order; return how
        many pages were made and how many reused."""
        self.close()
        if not self.pages:  # a build that was not dirty has made every page itself
            return 0, 0
        index = Path(self.config.site_dir) / SEARCH_INDEX
        for src_uri, (page, key, html) in self.pages.items():
            if html is not None:
                self.store.place(self.store.made[src_uri], html, Path(page.file.abs_dest_path))
                continue
            output = Path(page.file.abs_dest_path)
            if not output.is_file():  # a page MkDocs did not write, as a draft in a build
                continue
            made = Made(
                key=key,
                title=page.title,
                output=digest([output.read_bytes()]),
                anchors=sorted(page.present_anchor_ids or ()),
                links=None
                if page.links_to_anchors is None
                else {
                    target.src_uri: dict(found) for target, found in page.links_to_anchors.items()
                },
            )
            if src_uri not in self.warned:
                self.store.keep(src_uri, made, output)
        reused = sum(html is not None for _, _, html in self.pages.values())
        if index.is_file():
            if reused:
                self.merge_search_index(index)
            self.store.keep_index(index)
        return len(self.pages) - reused, reused

    def merge_search_index(self, index: Path) -> None:
        """The index Material wrote, of the pages made, with the entries of the pages reused,
        in MkDocs's order of pages: the index a full build writes."""
        written = readable_json(index)
        fresh = entries_by_page(written.get("docs", []))
        stored = self.store.stored_entries()
        written["docs"] = [
            entry
            for page, _, html in self.pages.values()
            for entry in (stored if html is not None else fresh).get(page.url, [])
        ]
        # As Material writes it.
        index.write_text(json.dumps(written, separators=(",", ":"), default=str), "utf-8")


class PageWarnings(logging.Handler):
    """Notes which page was being made when MkDocs warned: the last one it asked about."""

    def __init__(self, reuse: Reuse) -> None:
        super().__init__(logging.WARNING)
        self.reuse = reuse

    def emit(self, record: logging.LogRecord) -> None:
        if self.reuse.asked is not None:
            self.reuse.warned.add(self.reuse.asked)


def entries_by_page(entries: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Search entries by the address of their page (their location up to the anchor)."""
    pages: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        pages.setdefault(str(entry.get("location", "")).partition("#")[0], []).append(entry)
    return pages


def layout_key(nav: Navigation, files: Files) -> str:
    """The navigation every page shows, and where every file is: the links of each page."""
    return digest(
        [
            json.dumps(nav_outline(nav.items)),
            *(f"{f.src_uri} {f.url} {f.inclusion.name}" for f in files),
        ]
    )


def nav_outline(items: Iterable[Any]) -> list[Any]:
    """What every page shows of the navigation: each section and page, with each page's
    title, address and front matter (the theme may show its icon or status beside it)."""
    outline: list[Any] = []
    for item in items:
        if isinstance(item, Page):
            text, meta = get_data(item.file.content_string)
            # A title taken from the page's own first heading, which other pages show.
            title = item.title or meta.get("title") or heading_key(text)
            outline.append([title, item.url, json.dumps(meta, default=str, sort_keys=True)])
        elif isinstance(item, Section):
            outline.append([item.title, nav_outline(item.children)])
        else:
            outline.append([item.title, getattr(item, "url", None)])
    return outline


PLAIN_HEADING = re.compile(r"# (?:[^\W_]|[ ,.;'\u2019?()\u2013-])+")


def heading_key(text: str) -> str:
    """What a title taken from a page's first heading is made from: that line, where it is a
    heading of plain words, which MkDocs renders the same whatever else the page says;
    otherwise the whole text."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first if PLAIN_HEADING.fullmatch(first) else digest([text])


def settings_key(config: MkDocsConfig) -> str:
    """The configuration as loaded: what mkdocs.yml says, and what the environment and the
    build have set (the address, the edition), but not the folder it is built into. A
    value the key cannot spell out the same in every run is spelled with its address in
    memory, which only makes every page again."""
    loaded = {name: value for name, value in config.items() if name != "site_dir"}
    return digest([json.dumps(loaded, default=spelled, sort_keys=True)])


def spelled(value: object) -> object:
    if isinstance(value, set | frozenset):
        return sorted(map(str, value))
    if isinstance(value, BasePlugin):
        return {"plugin": type(value).__qualname__, "config": dict(value.config)}
    if isinstance(value, Theme):
        return {"dirs": value.dirs, "templates": sorted(value.static_templates), **dict(value)}
    if isinstance(value, Mapping):
        return dict(value)
    if callable(value) and hasattr(value, "__qualname__"):
        # Code named in mkdocs.yml (!!python/name:) by its name and the file it is in.
        name = f"{getattr(value, '__module__', '')}.{value.__qualname__}"
        with contextlib.suppress(TypeError, OSError):
            source = inspect.getsourcefile(value)
            return [name, digest([Path(source).read_bytes()]) if source else ""]
        return name
    return repr(value)
