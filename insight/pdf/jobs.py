"""The print jobs of a build: which PDFs are out of date, and their rendering, in worker
processes, while the build goes on.

`insight.pdf.render.pdf_bytes` is a pure function of the document's HTML, the brand's
colours and the served assets, so `rendering` keys each PDF on them, renders only the
briefings whose key changed, and renders those in a pool of processes, one document per
core at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from concurrent.futures import as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from insight.catalogue import Catalogue, Source, saved_last_first
from insight.errors import SourceError, SourceErrors
from insight.incremental import Stamp, discard_leftovers
from insight.look import look_of_catalogue
from insight.model import Briefing
from insight.pdf.document import briefing_html
from insight.pdf.key import print_key
from insight.pdf.limits import Problem
from insight.pdf.workers import deaf_workers, render_in_worker, worker_count, worker_pool
from insight.progress import progress_bar
from insight.project import Project

if TYPE_CHECKING:
    from insight.pdf.style import Variables


@dataclass(frozen=True)
class PrintJob:
    """One briefing's PDF: what a worker process needs to render it, and its cache key."""

    source: Source
    html: str
    variables: Variables
    images: Path
    out: Path
    stamp: Stamp
    key: str
    fonts: Path

    @property
    def arguments(self) -> tuple[str, Path, Path, Variables, Path]:
        """What `render_in_worker` takes (and what pickles cheaply: not the source)."""
        return self.html, self.images, self.out, self.variables, self.fonts


@dataclass
class Rendering:
    """PDFs being rendered by worker processes, while the build does other work."""

    stale: list[PrintJob]
    results: Iterator[tuple[PrintJob, Problem | None]]

    @property
    def pending(self) -> list[Path]:
        """The PDFs that will be written, each replacing the one there (if any) once whole."""
        return [job.out for job in self.stale]

    def finish(self) -> list[Path]:
        """Wait for every PDF; return those written, or raise the errors of those refused."""
        errors: list[SourceError] = []
        with progress_bar(len(self.stale), "Rendering PDFs") as advance:
            for job, refused in self.results:
                if refused:
                    errors.append(refusal(job.source, refused))
                else:
                    job.stamp.write(job.key, job.out)
                advance()
        if errors:
            raise SourceErrors(errors)
        return self.pending


@contextmanager
def rendering(
    project: Project,
    catalogue: Catalogue,
    ids: Iterable[str] | None = None,
    *,
    jobs: int | None = None,
    meanwhile: bool = False,
) -> Iterator[Rendering]:
    """Start rendering the PDFs that are out of date, in worker processes when there is more
    than one or when the caller works `meanwhile`; leaving the block before `finish()` (by an
    error, Ctrl-C or SIGTERM) stops every worker and keeps only whole PDFs."""
    wanted = list(ids) if ids is not None else [b.id for b in catalogue.briefings]
    found = stale_jobs(project, catalogue, wanted)
    workers = worker_count(jobs)
    if not meanwhile:
        listed = list(found)
        if workers == 1 or len(listed) <= 1:
            # In this process: a single document gains nothing from a pool.
            yield Rendering(
                listed,
                ((job, render_in_worker(*job.arguments)) for job in listed),
            )
            return
        found = iter(listed)
    first = next(found, None)
    if first is None:  # all up to date: no worker is asked for (one started ahead is let go)
        yield Rendering([], iter(()))
        return
    stale: list[PrintJob] = []
    try:
        # Workers start as documents are sent, up to `workers`.
        with worker_pool(workers) as pool:
            futures = {}
            # Each sent as soon as it is found stale: its worker starts (and loads WeasyPrint)
            # while the keys of the others are worked out.
            for job in itertools.chain([first], found):
                stale.append(job)
                with deaf_workers():  # a submit may start a worker
                    future = pool.submit(render_in_worker, *job.arguments)
                futures[future] = job
            yield Rendering(stale, ((futures[f], f.result()) for f in as_completed(futures)))
    except BaseException:
        # A worker killed half-way through writing a PDF leaves its temporary file.
        discard_leftovers(job.out for job in stale)
        raise


def stale_jobs(project: Project, catalogue: Catalogue, wanted: list[str]) -> Iterator[PrintJob]:
    """The print jobs whose PDF is out of date, those of the sources saved last first: after
    an edit, the one document to render is found before the keys of the others."""

    def saved(briefing_id: str) -> int:
        return saved_last_first(source_of(catalogue, catalogue.briefing(briefing_id)).path)

    for briefing_id in sorted(wanted, key=saved):
        job = print_job(project, catalogue, briefing_id)
        discard_leftovers([job.out])  # of a build killed while this PDF was written
        if not job.stamp.matches(job.key, job.out):
            yield job


def print_job(project: Project, catalogue: Catalogue, briefing_id: str) -> PrintJob:
    briefing = catalogue.briefing(briefing_id)
    source = source_of(catalogue, briefing)
    look = look_of_catalogue(catalogue)
    html = briefing_html(catalogue, briefing, look)
    variables = look.variables("print")
    images = images_of(source)
    found = project.cache_dir / "pdf" / f"{briefing_id}.images.json"
    return PrintJob(
        source=source,
        html=html,
        variables=variables,
        images=images,
        out=project.pdf_dir / f"{briefing_id}.pdf",
        stamp=Stamp(project.cache_dir / "pdf" / f"{briefing_id}.sha256"),
        key=print_key(html, images, variables, found),
        fonts=project.cache_dir / "fonts",
    )


def render_pdf(catalogue: Catalogue, briefing: Briefing, out_path: Path) -> None:
    """Render `briefing` to `out_path`, replacing it only once the new PDF is complete."""
    source = source_of(catalogue, briefing)
    look = look_of_catalogue(catalogue)
    html = briefing_html(catalogue, briefing, look)
    refused = render_in_worker(html, images_of(source), out_path, look.variables("print"))
    if refused:
        raise SourceErrors([refusal(source, refused)])


def source_of(catalogue: Catalogue, briefing: Briefing) -> Source:
    return next(s for s in catalogue.sources if s.briefing.id == briefing.id)


def images_of(source: Source) -> Path:
    """The image folder beside a source, which its Markdown writes as images/<file>."""
    return source.path.parent / "images"


def refusal(source: Source, problem: Problem) -> SourceError:
    return source.locator.error((), problem.message, problem.hint)
