"""The print edition: one A4 PDF per briefing, through Jinja, one stylesheet and WeasyPrint.

`pdf_bytes` is a pure function of the document's HTML and the served assets, so a
later cache can key on them and a process pool can call it for many briefings.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from insight.catalogue import Catalogue
from insight.errors import SourceErrors
from insight.model import Briefing
from insight.pdf.document import briefing_html
from insight.pdf.fetch import AssetFetcher, FetchRefused
from insight.project import ASSETS, Project

STYLESHEET = Path(__file__).parent / "print.css"
# Tagged PDF/UA-1, so that screen readers get the reading order, headings and alt text.
PDF_VARIANT = "pdf/ua-1"


def build_pdfs(
    project: Project, catalogue: Catalogue, ids: Iterable[str] | None = None
) -> list[Path]:
    """Write build/pdf/<id>.pdf for the given briefings (default: all); return the paths."""
    wanted = list(ids) if ids is not None else [b.id for b in catalogue.briefings]
    written = []
    for briefing_id in wanted:
        out = project.pdf_dir / f"{briefing_id}.pdf"
        render_pdf(catalogue, catalogue.briefing(briefing_id), out)
        written.append(out)
    return written


def render_pdf(catalogue: Catalogue, briefing: Briefing, out_path: Path) -> None:
    """Render `briefing` to `out_path`, replacing it only once the new PDF is complete."""
    source = next(s for s in catalogue.sources if s.briefing.id == briefing.id)
    try:
        data = pdf_bytes(briefing_html(catalogue, briefing), images=source.path.parent / "images")
    except FetchRefused as exc:
        raise SourceErrors(
            [
                source.locator.error(
                    (),
                    f"the PDF renderer refused to fetch '{exc.url}'",
                    "images must be files in briefings/images/, written images/<file name>",
                )
            ]
        ) from None
    write_atomically(out_path, data)


def pdf_bytes(html: str, *, images: Path) -> bytes:
    """The PDF of a print HTML document; the same HTML and assets give the same bytes."""
    fetcher = AssetFetcher([ASSETS, images])
    # The @font-face rules register our fonts in this configuration, and only there.
    fonts = FontConfiguration()
    stylesheet = CSS(filename=STYLESHEET, url_fetcher=fetcher, font_config=fonts)
    document = HTML(
        string=html, base_url=images.resolve().parent.as_uri() + "/", url_fetcher=fetcher
    )
    return document.write_pdf(
        stylesheets=[stylesheet],
        font_config=fonts,
        pdf_variant=PDF_VARIANT,
        # A file identifier derived from the content, not a random one, keeps builds reproducible.
        pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode(),
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file beside `path`, so readers never see half a PDF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        temporary = Path(tmp.name)
    try:
        temporary.write_bytes(data)
        temporary.chmod(0o644)  # the site publishes it: readable like any other build output
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
