"""Every output a build makes, in the order it makes them: each file a reader downloads
for a briefing (the PDF; later an EPUB or a DOCX), then the site that offers them.

Everything that has to know the outputs iterates this list rather than naming them:
the command line builds those of an edition, the site publishes each download beside
its briefing's page and offers it there and in the feed, the site's cache key covers
the stamps of each, a preview held back is removed from each, and the leak test scans
every output of the public edition. A new format is one entry in DOWNLOADS and a
renderer of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from insight.edition import Edition
from insight.project import Project

if TYPE_CHECKING:
    from insight.catalogue import Catalogue
    from insight.site.downloads import Facts


class Rendering(Protocol):
    """Files being rendered while the build does other work."""

    @property
    def pending(self) -> list[Path]:
        """The files that will be written."""
        ...

    def finish(self) -> list[Path]:
        """Wait for every file; return those written, or raise the sources' errors."""
        ...


Start = Callable[
    [Project, "Catalogue", Iterable[str] | None, int | None, bool],
    AbstractContextManager[Rendering],
]


@dataclass(frozen=True)
class Download:
    """A format every briefing of an edition is rendered to, one file each."""

    key: str
    """Names its folder in build/ (and in the site) and in the cache: 'pdf'."""
    name: str
    """What a reader is told it is: 'PDF'."""
    suffix: str
    media_type: str
    editions: frozenset[Edition]
    start: Start
    """start(project, catalogue, ids, jobs, meanwhile): a context in which the files of the
    given briefings (all when None) that are out of date are rendered, up to `jobs` at a
    time, away from this process when the caller works `meanwhile`."""
    facts: Callable[[Path, Path | None], Facts | None]
    """facts(file, kept): what a reader is told before downloading a built file; None for a
    file that is not one. `kept`: a folder of the build cache to keep them in (see
    `kept_facts`), or None."""
    ahead: Callable[[int | None], AbstractContextManager[None]]
    """ahead(jobs): a context, entered before the catalogue is loaded, in which the files
    `start` renders (up to `jobs` at a time) start sooner: a PDF worker loads WeasyPrint
    meanwhile."""

    def render(
        self, project: Project, catalogue: Catalogue, ids: Iterable[str] | None, jobs: int | None
    ) -> list[Path]:
        """Write the files that are out of date; return those written."""
        with self.start(project, catalogue, ids, jobs, False) as rendering:
            return rendering.finish()

    def built(self, project: Project, briefing_id: str) -> Path:
        return project.output_dir(self.key) / f"{briefing_id}{self.suffix}"

    def site_path(self, briefing_id: str) -> str:
        return f"{self.key}/{briefing_id}{self.suffix}"

    def stamps(self, project: Project) -> Path:
        """Where the keys of the files last rendered are kept (see insight.incremental)."""
        return project.cache_dir / self.key

    def kept_facts(self, project: Project) -> Path | None:
        """Where the facts of the built files are kept while each is the same file: beside
        their stamps, in a project that has a build cache (a plain `mkdocs build` of one
        never built leaves none behind)."""
        return self.stamps(project) if project.cache_dir.is_dir() else None


def start_pdfs(
    project: Project,
    catalogue: Catalogue,
    ids: Iterable[str] | None,
    jobs: int | None,
    meanwhile: bool,
) -> AbstractContextManager[Rendering]:
    # Imported when rendering, so that the site alone never loads WeasyPrint.
    from insight.pdf.jobs import rendering

    return rendering(project, catalogue, ids, jobs=jobs, meanwhile=meanwhile)


def facts_of_pdf(path: Path, kept: Path | None) -> Facts | None:
    from insight.site.downloads import pdf_facts

    return pdf_facts(path, kept)


def pdf_workers_ahead(jobs: int | None) -> AbstractContextManager[None]:
    from insight.pdf.workers import worker_count, workers_ahead

    return workers_ahead(worker_count(jobs))


PDF = Download(
    key="pdf",
    name="PDF",
    suffix=".pdf",
    media_type="application/pdf",
    editions=frozenset({Edition.subscriber}),
    start=start_pdfs,
    facts=facts_of_pdf,
    ahead=pdf_workers_ahead,
)

DOWNLOADS: tuple[Download, ...] = (PDF,)
"""In the order the briefing page offers them."""


def downloads_of(edition: Edition) -> list[Download]:
    return [d for d in DOWNLOADS if edition in d.editions]


def site_downloads(
    project: Project, catalogue: Catalogue, edition: Edition, pending: Collection[str] = ()
) -> dict[str, Path | None]:
    """Site path -> built file, of every download the edition publishes that is there now or
    is `pending` (being rendered: None while not written yet), in one order either way."""
    found: dict[str, Path | None] = {}
    for download in downloads_of(edition):
        for briefing in catalogue.briefings:
            src_uri, path = download.site_path(briefing.id), download.built(project, briefing.id)
            if path.is_file():
                found[src_uri] = path
            elif src_uri in pending:
                found[src_uri] = None
    return found


def discard_held_back(project: Project, every: Catalogue, published: Catalogue) -> None:
    """Remove the downloads a preview made of briefings `published` holds back, so that a
    build for publishing leaves no output of theirs behind."""
    for briefing_id in every.by_id.keys() - published.by_id.keys():
        for download in DOWNLOADS:
            download.built(project, briefing_id).unlink(missing_ok=True)
