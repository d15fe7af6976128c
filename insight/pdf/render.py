"""What runs where the PDFs are laid out (in the worker processes): WeasyPrint, the print
stylesheet, the fetcher that serves it only the project's own files, and the tagging
that finishes PDF/UA-1.

The build that plans the PDFs (insight.pdf.jobs) does not import this module, so a build
whose PDFs are up to date, or that renders them in workers, never loads WeasyPrint.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pyphen
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from insight import ASSETS
from insight.incremental import write_atomically
from insight.pdf.fetch import AssetFetcher, FetchRefused
from insight.pdf.limits import LAYOUT_MEMORY, LAYOUT_SECONDS, LayoutTimeout, Problem, time_limit
from insight.pdf.style import Variables, resolved_stylesheet
from insight.pdf.tagging import finish_tagging

STYLESHEET = Path(__file__).parent / "print.css"
# Tagged PDF/UA-1, so that screen readers get the reading order, headings and alt text.
PDF_VARIANT = "pdf/ua-1"
# The language of the print template (<html lang>), whose words the stylesheet hyphenates.
PRINT_LANGUAGE = "en-GB"


def warm_up() -> None:
    """Load now what a process's first document would load half-way through its layout:
    the hyphenation patterns of the print language. Building them there made a worker's
    first document about a fifth slower than the next; pyphen keeps them for the process."""
    pyphen.Pyphen(lang=PRINT_LANGUAGE)


def render_file(
    html: str, images: Path, out_path: Path, variables: Variables, fonts: Path | None = None
) -> Problem | None:
    """Write the PDF of `html` to `out_path`; return what stopped the renderer, if anything
    the source caused: a file it may not fetch, or more time or memory than a document may take.
    `variables`: the values of the print stylesheet's variables (Look.variables); `fonts`:
    the build cache's folder of decompressed fonts (see `print_style`).

    Run in worker processes: it takes and returns only what pickles cheaply, and writes
    the PDF itself so that no document travels back to the parent.
    """
    try:
        with time_limit(LAYOUT_SECONDS):
            pdf = pdf_bytes(html, images=images, variables=variables, fonts=fonts)
            write_atomically(out_path, pdf)
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


# One brand a process, but a preview's may change while it runs.
@lru_cache(maxsize=2)
def print_style(variables: Variables, fonts: Path | None = None) -> tuple[CSS, FontConfiguration]:
    """The print stylesheet, its variables replaced by their values (see insight.pdf.style),
    and the fonts its @font-face rules register (there, and only there), made once per
    process: every font file is read and decompressed once, not once a document; with
    `fonts`, a folder of the build cache, once per project, as decompressing the WOFF2 files
    took a third of a worker's start. The stylesheet fetches from the shipped assets alone."""
    config = FontConfiguration()
    fetcher = AssetFetcher([ASSETS], fonts=fonts)
    css = resolved_stylesheet(STYLESHEET.read_text(encoding="utf-8"), variables)
    sheet = CSS(string=css, base_url=str(STYLESHEET), url_fetcher=fetcher, font_config=config)
    return sheet, config


def pdf_bytes(html: str, *, images: Path, variables: Variables, fonts: Path | None = None) -> bytes:
    """The PDF of a print HTML document in a brand's colours (`variables`); the same HTML,
    variables and assets give the same bytes."""
    stylesheet, config = print_style(variables, fonts)
    fetcher = AssetFetcher([ASSETS, images])
    document = HTML(
        string=html, base_url=images.resolve().parent.as_uri() + "/", url_fetcher=fetcher
    )
    rendered = document.write_pdf(
        stylesheets=[stylesheet],
        font_config=config,
        pdf_variant=PDF_VARIANT,
        # A file identifier derived from the content, not a random one, keeps builds reproducible.
        pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode(),
    )
    # WeasyPrint's tags fall short of PDF/UA-1 where only the whole document can tell
    # (artifacts, links, split lists, table headers): tagging finishes them.
    return finish_tagging(rendered)
