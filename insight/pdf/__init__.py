"""The print edition: one A4 PDF per briefing, through Jinja, one stylesheet and WeasyPrint.

`pdf_bytes` is a pure function of the document's HTML and the served assets, so
`rendering` keys each PDF on them, renders only the briefings whose key changed,
and renders those in a pool of processes, one document per core at a time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from insight.catalogue import Catalogue, Source
from insight.errors import SourceError, SourceErrors
from insight.incremental import Stamp, discard_leftovers, write_atomically
from insight.model import Briefing
from insight.pdf.document import briefing_html
from insight.pdf.fetch import AssetFetcher, FetchRefused
from insight.pdf.key import print_key
from insight.pdf.limits import LAYOUT_MEMORY, LAYOUT_SECONDS, LayoutTimeout, Problem, time_limit
from insight.pdf.tagging import finish_tagging
from insight.pdf.workers import deaf_workers, worker_pool
from insight.progress import progress_bar
from insight.project import ASSETS, Project

STYLESHEET = Path(__file__).parent / "print.css"
# Tagged PDF/UA-1, so that screen readers get the reading order, headings and alt text.
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class PrintJob:
    """One briefing's PDF: what a worker process needs to render it, and its cache key."""

    source: Source
    html: str
    images: Path
    out: Path
    stamp: Stamp
    key: str


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
    planned = [print_job(project, catalogue, briefing_id) for briefing_id in wanted]
    discard_leftovers(job.out for job in planned)  # of a build killed while a PDF was written
    stale = [job for job in planned if not job.stamp.matches(job.key, job.out)]
    workers = min(jobs or os.cpu_count() or 1, len(stale))
    if workers < 1 or (workers == 1 and not meanwhile):
        # In this process: a single document gains nothing from a pool.
        yield Rendering(stale, ((job, render_file(job.html, job.images, job.out)) for job in stale))
        return
    try:
        with worker_pool(workers) as pool:
            with deaf_workers():  # each submit starts a worker, up to `workers`
                futures = {
                    pool.submit(render_file, job.html, job.images, job.out): job for job in stale
                }
            yield Rendering(stale, ((futures[f], f.result()) for f in as_completed(futures)))
    except BaseException:
        # A worker killed half-way through writing a PDF leaves its temporary file.
        discard_leftovers(job.out for job in stale)
        raise


def print_job(project: Project, catalogue: Catalogue, briefing_id: str) -> PrintJob:
    briefing = catalogue.briefing(briefing_id)
    source = source_of(catalogue, briefing)
    html = briefing_html(catalogue, briefing)
    images = images_of(source)
    return PrintJob(
        source=source,
        html=html,
        images=images,
        out=project.pdf_dir / f"{briefing_id}.pdf",
        stamp=Stamp(project.cache_dir / "pdf" / f"{briefing_id}.sha256"),
        key=print_key(html, images),
    )


def render_pdf(catalogue: Catalogue, briefing: Briefing, out_path: Path) -> None:
    """Render `briefing` to `out_path`, replacing it only once the new PDF is complete."""
    source = source_of(catalogue, briefing)
    refused = render_file(briefing_html(catalogue, briefing), images_of(source), out_path)
    if refused:
        raise SourceErrors([refusal(source, refused)])


def render_file(html: str, images: Path, out_path: Path) -> Problem | None:
    """Write the PDF of `html` to `out_path`; return what stopped the renderer, if anything
    the source caused: a file it may not fetch, or more time or memory than a document may take.

    Run in worker processes: it takes and returns only what pickles cheaply, and writes
    the PDF itself so that no document travels back to the parent.
    """
    try:
        with time_limit(LAYOUT_SECONDS):
            write_atomically(out_path, pdf_bytes(html, images=images))
    except FetchRefused as exc:
        return Problem(
            f"the PDF renderer refused to fetch '{exc.url}'",
            "images must be files in briefings/images/, written images/<file name>",
        )
    except LayoutTimeout:
        return Problem(
            f"laying out the PDF took longer than {LAYOUT_SECONDS:g} seconds",
            "the briefing is too long or its tables too large for one document: split it",
        )
    except MemoryError:
        return Problem(
            f"laying out the PDF needed more than {LAYOUT_MEMORY // 2**30} GB of memory",
            "the briefing is too long or its tables too large for one document: split it",
        )
    return None


def source_of(catalogue: Catalogue, briefing: Briefing) -> Source:
    return next(s for s in catalogue.sources if s.briefing.id == briefing.id)


def images_of(source: Source) -> Path:
    """The image folder beside a source, which its Markdown writes as images/<file>."""
    return source.path.parent / "images"


def refusal(source: Source, problem: Problem) -> SourceError:
    return source.locator.error((), problem.message, problem.hint)


@cache
def print_style() -> tuple[CSS, FontConfiguration]:
    """The print stylesheet and the fonts its @font-face rules register (there, and only
    there), made once per process: every font file is read and decompressed once, not once
    a document. The stylesheet fetches from the shipped assets alone."""
    fonts = FontConfiguration()
    fetcher = AssetFetcher([ASSETS])
    return CSS(filename=STYLESHEET, url_fetcher=fetcher, font_config=fonts), fonts


def pdf_bytes(html: str, *, images: Path) -> bytes:
    """The PDF of a print HTML document; the same HTML and assets give the same bytes."""
    stylesheet, fonts = print_style()
    fetcher = AssetFetcher([ASSETS, images])
    document = HTML(
        string=html, base_url=images.resolve().parent.as_uri() + "/", url_fetcher=fetcher
    )
    rendered = document.write_pdf(
        stylesheets=[stylesheet],
        font_config=fonts,
        pdf_variant=PDF_VARIANT,
        # A file identifier derived from the content, not a random one, keeps builds reproducible.
        pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode(),
    )
    # WeasyPrint's tags fall short of PDF/UA-1 where only the whole document can tell
    # (artifacts, links, split lists, table headers): tagging finishes them.
    return finish_tagging(rendered)
