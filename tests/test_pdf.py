"""The print edition: real sources through real pandoc and WeasyPrint, checked in the PDFs."""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, replace
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from insight import ASSETS
from insight.catalogue import Catalogue, load_catalogue
from insight.cli import main
from insight.errors import SourceErrors
from insight.look import look_of
from insight.model import Briefing
from insight.outputs import PDF
from insight.pdf.document import briefing_html, contents, series_line
from insight.pdf.fetch import AssetFetcher, FetchRefused, decompressed
from insight.pdf.jobs import render_pdf
from insight.pdf.render import PRINT_LANGUAGE, pdf_bytes, render_file
from insight.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "pdf"
EVERY_FEATURE = FIXTURES / "every-feature.yaml"
OURS = look_of(None).variables("print")  # our brand's colours
A4 = (595.28, 841.89)


@dataclass(frozen=True)
class Rendered:
    briefing: Briefing
    catalogue: Catalogue
    path: Path
    reader: PdfReader

    def page_text(self, index: int) -> str:
        return self.texts[index]

    @cached_property
    def texts(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]


@pytest.fixture(scope="session")
def real(catalogue: Catalogue, real_pdfs: dict[str, Path]) -> list[Rendered]:
    """Every briefing in briefings/, as `build.py build` printed it for the whole session."""
    return [
        Rendered(b, catalogue, real_pdfs[b.id], PdfReader(real_pdfs[b.id]))
        for b in catalogue.briefings
    ]


@pytest.fixture(scope="session")
def fixture_catalogue(every_feature_pdf: tuple[Catalogue, Path]) -> Catalogue:
    return every_feature_pdf[0]


@pytest.fixture(scope="session")
def every(every_feature_pdf: tuple[Catalogue, Path]) -> Rendered:
    """The fixture with every piece of furniture: footnotes, an image, a long table."""
    catalogue, path = every_feature_pdf
    return Rendered(catalogue.briefings[0], catalogue, path, PdfReader(path))


@pytest.fixture(scope="session")
def all_rendered(real: list[Rendered], every: Rendered) -> list[Rendered]:
    return [*real, every]


def squeeze(text: str) -> str:
    """Text with whitespace and hyphens removed: line breaks and hyphenation differ
    between the PDF and the source, the words do not."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", html.unescape(text))


class BlockText(HTMLParser):
    """The text of each paragraph, list item, table cell and caption in an HTML fragment."""

    BLOCKS = frozenset({"p", "li", "td", "th", "caption", "figcaption"})

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.open: list[list[str]] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if ("class", "footnote-back") in attrs:
            self.hidden += 1
        if tag in self.BLOCKS:
            self.open.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.hidden:
            self.hidden -= 1
        if tag in self.BLOCKS and self.open:
            self.blocks.append("".join(self.open.pop()))

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            for block in self.open:
                block.append(data)


def blocks_of(fragment: str) -> list[str]:
    parser = BlockText()
    parser.feed(fragment)
    return [b for b in parser.blocks if b.strip()]


def contents_page(rendered: Rendered) -> int:
    return next(i for i, text in enumerate(rendered.texts) if text.lstrip().startswith("Contents"))


def heading(number: str, title: str) -> str:
    return f"{number} {title}".strip()


def start_page(rendered: Rendered, number: str, title: str) -> int:
    """The 1-based page where a part's heading is printed: the first after the contents."""
    after = contents_page(rendered) + 1
    wanted = squeeze(heading(number, title))
    for index in range(after, len(rendered.reader.pages)):
        lines = rendered.page_text(index).splitlines()
        # A heading may wrap, so look at each line together with the next.
        if any(squeeze(" ".join(lines[i : i + 2])).startswith(wanted) for i in range(len(lines))):
            return index + 1
    raise AssertionError(f"heading {heading(number, title)!r} not found in {rendered.path.name}")


# ---------- Shape of the publication ----------


def test_every_real_briefing_is_rendered(real: list[Rendered]) -> None:
    assert {r.briefing.id for r in real} == {p.stem for p in (ROOT / "briefings").glob("*.yaml")}


def test_every_pdf_is_a4_with_a_sane_page_count(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        assert 5 <= len(r.reader.pages) <= 40, r.path.name
        for page in r.reader.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert (round(width, 1), round(height, 1)) == (round(A4[0], 1), round(A4[1], 1))


def test_cover_shows_series_title_subtitle_date_and_publishers(
    all_rendered: list[Rendered],
) -> None:
    for r in all_rendered:
        b, cover = r.briefing, squeeze(r.page_text(0)).lower()
        expected = [
            series_line(b),
            b.title,
            b.subtitle or "",
            str(b.date),
            *b.publishers,
            *b.partners,
        ]
        for text in expected:
            assert squeeze(text).lower() in cover, (r.path.name, text)


def test_inside_cover_gives_price_copyright_and_citation(every: Rendered) -> None:
    inside = every.page_text(1)
    assert (
        "Free to Insight subscribers. £195.50 for non-members; £150 for Socitm members."
        in " ".join(inside.split())
    )
    assert "© Socitm 2016" in inside
    assert "HOW TO CITE" in inside  # the stylesheet sets these labels in capitals
    # In the house (Harvard) style, formatted by citeproc as the site formats it.
    assert "Socitm (2016) A briefing with every feature: Fixture for the print edition." in inside


def test_every_section_title_and_paragraph_is_printed(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        document = squeeze("".join(r.texts))
        for section in r.briefing.sections:
            assert squeeze(section.title) in document, (r.path.name, section.title)
            for block in blocks_of(r.catalogue.markdown(section.body)):
                assert squeeze(block) in document, (r.path.name, section.id, block[:60])


def test_furniture_is_printed(every: Rendered) -> None:
    document = squeeze("".join(every.texts))
    for text in [
        "Key messages", "The first key message.", "A delusion", "The belief", "What people wrongly believe.",
        "The reality", "A principle", "Example District Council", "Doing something well",
        "A quotation worth pulling out.", "Ann Example, Director, Example Council",
        "Further information", "Bob Example", "bob@example.org", "Another publication",
    ]:  # fmt: skip
        assert squeeze(text).lower() in document.lower(), text


def test_running_header_and_page_x_of_y_footer_on_every_page_but_the_cover(
    all_rendered: list[Rendered],
) -> None:
    for r in all_rendered:
        total = len(r.reader.pages)
        assert "page 1 of" not in r.page_text(0)
        for index in range(1, total):
            text = r.page_text(index)
            assert f"page {index + 1} of {total}" in text, (r.path.name, index)
            assert r.briefing.running_title.upper() in text, (r.path.name, index)


# ---------- Contents, outline and links ----------


def contents_listing(rendered: Rendered) -> dict[str, int]:
    """Squeezed entry -> the page number printed after its leader dots."""
    text = rendered.page_text(contents_page(rendered)).split("\n", 1)[1]
    # An entry may wrap before its leader; the running header and footer have no leader.
    entries = re.findall(r"([^.]+?)\s*(?:\.\s*){3,}(\d+)", text)
    return {squeeze(label): int(page) for label, page in entries}


def test_contents_page_numbers_match_section_start_pages(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        listing = contents_listing(r)
        assert list(listing) == [squeeze(heading(p.number, p.title)) for p in contents(r.briefing)]
        for part in contents(r.briefing):
            printed = listing[squeeze(heading(part.number, part.title))]
            assert printed == start_page(r, part.number, part.title), (r.path.name, part.title)


def test_contents_entries_link_to_the_pages_where_their_parts_start(
    all_rendered: list[Rendered],
) -> None:
    for r in all_rendered:
        page = r.reader.pages[contents_page(r)]
        targets = {a.get_object()["/Dest"] for a in page.get("/Annots", [])}
        destinations = r.reader.named_destinations
        for part in contents(r.briefing):
            assert part.anchor in targets, (r.path.name, part.anchor)
            landed = r.reader.get_destination_page_number(destinations[part.anchor]) + 1
            assert landed == start_page(r, part.number, part.title), (r.path.name, part.anchor)


def test_outline_mirrors_the_contents(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        top_level = [item.title for item in r.reader.outline if not isinstance(item, list)]
        assert top_level == [heading(p.number, p.title) for p in contents(r.briefing)]


# ---------- Fonts, metadata, accessibility, reproducibility ----------


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    """BaseFont name -> whether its program is embedded, over every page."""
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    return fonts


def test_every_font_is_embedded_and_is_one_of_ours(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        fonts = embedded_fonts(r.reader)
        assert fonts, r.path.name
        for name, embedded in fonts.items():
            assert embedded, (r.path.name, name)
            # Subset tag, then the family the stylesheet gives our shipped files (the house
            # fonts, and the fallbacks for scripts they lack).
            assert re.fullmatch(
                r"/[A-Z]{6}\+Insight-[A-Za-z-]+",
                name,
            ), (
                r.path.name,
                name,
            )


def test_footnote_back_links_are_not_printed(every: Rendered) -> None:
    text = "".join(every.texts)
    assert "Footnotes print without pandoc" in text
    assert "↩" not in text


def test_metadata_comes_from_the_source(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        b, info = r.briefing, r.reader.metadata
        assert info.title.startswith(b.title)
        assert info.author == ", ".join(b.publishers)
        assert info.subject
        assert info["/Keywords"] == ", ".join(b.keywords)
        assert info["/CreationDate"] == "D:" + b.date.first_day.strftime("%Y%m%d")
        assert r.reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_pdf_is_tagged_and_identifies_as_pdf_ua(all_rendered: list[Rendered]) -> None:
    for r in all_rendered:
        catalog = r.reader.trailer["/Root"]
        assert bool(catalog["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in catalog
        xmp = catalog["/Metadata"].get_object().get_data()
        assert b'pdfuaid:part="1"' in xmp


def test_rendering_is_byte_reproducible(every: Rendered, tmp_path: Path) -> None:
    again = tmp_path / "again.pdf"
    render_pdf(every.catalogue, every.briefing, again)
    assert again.read_bytes() == every.path.read_bytes()


# ---------- Furniture that must survive pagination ----------


def test_table_header_row_repeats_on_every_page_the_table_spans(every: Rendered) -> None:
    pages = [t for t in every.texts if re.search(r"Council \d\d", t)]
    assert len(pages) >= 2
    assert all("What it shares" in t for t in pages)


def test_image_from_the_briefings_image_folder_is_embedded(every: Rendered) -> None:
    # Pages share one resource dictionary, so the same image is listed on each.
    assert {img.name for page in every.reader.pages for img in page.images} != set()
    assert len({img.data for page in every.reader.pages for img in page.images}) == 1


def test_case_study_panel_is_not_split(real: list[Rendered]) -> None:
    for r in real:
        for case in r.briefing.case_studies:
            pages = [i for i, t in enumerate(r.texts) if squeeze(case.title) in squeeze(t)]
            assert len(pages) == 1, (r.path.name, case.id)
            assert squeeze(case.organisation) in squeeze(r.texts[pages[0]])


# ---------- Safety: only the asset folders are ever read ----------


UNSAFE_IMAGES = [
    "file:///etc/passwd",
    "../../etc/passwd",
    "https://example.org/x.png",
    "http://127.0.0.1/x.png",
]


@pytest.mark.parametrize("target", UNSAFE_IMAGES)
def test_image_outside_the_asset_folders_fails_at_its_source_location(
    target: str, tmp_path: Path
) -> None:
    source = tmp_path / "every-feature.yaml"
    text = EVERY_FEATURE.read_text(encoding="utf-8").replace("images/chart.png", target)
    source.write_text(text, encoding="utf-8")
    (tmp_path / "images").mkdir()
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if target in row)
    with pytest.raises(SourceErrors) as caught:
        load_catalogue([source], tmp_path / "images", base=tmp_path)
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 1
    # Where the image is written, inside the body's block of text.
    column = text.splitlines()[line - 1].index(target) + 1
    assert messages[0].startswith(f"every-feature.yaml:{line}:{column}: error: image '{target}'")


@pytest.mark.parametrize("alt", ["", "   "])
def test_image_without_alt_text_fails_where_it_is_written(alt: str, tmp_path: Path) -> None:
    source = tmp_path / "every-feature.yaml"
    text = EVERY_FEATURE.read_text(encoding="utf-8").replace(
        "![Five bars rising from left to right]", f"![{alt}]"
    )
    source.write_text(text, encoding="utf-8")
    shutil.copytree(FIXTURES / "images", tmp_path / "images")
    line, row = next((n, r) for n, r in enumerate(text.splitlines(), start=1) if "chart.png" in r)
    with pytest.raises(SourceErrors) as caught:
        load_catalogue([source], tmp_path / "images", base=tmp_path)
    assert [str(e) for e in caught.value.errors] == [
        f"every-feature.yaml:{line}:{row.index('images/chart.png') + 1}: error: image "
        "'images/chart.png' has no alt text (say what it shows between the brackets: "
        "![what the image shows](images/chart.png))"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        (ASSETS / "fonts" / ".." / ".." / ".." / "pyproject.toml").as_uri(),
        "https://example.org/font.woff2",
        "http://127.0.0.1/x.png",
        "data:text/plain,hello",
        ASSETS.as_uri(),
    ],
)
def test_fetcher_refuses_everything_but_files_in_the_asset_folders(url: str) -> None:
    with pytest.raises(FetchRefused):
        AssetFetcher([ASSETS]).fetch(url)


def test_fetcher_refuses_a_symlink_that_leads_out_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "escape.png").symlink_to("/etc/passwd")
    with pytest.raises(FetchRefused):
        AssetFetcher([tmp_path / "images"]).fetch((tmp_path / "images" / "escape.png").as_uri())


def test_fetcher_serves_a_shipped_font() -> None:
    font = next((ASSETS / "fonts").glob("*.woff2"))
    response = AssetFetcher([ASSETS]).fetch(font.as_uri())
    assert response.read() == font.read_bytes()


@pytest.mark.parametrize("image", ["file:///etc/passwd", "http://127.0.0.1:9/x.png"])
def test_renderer_refuses_an_image_the_loader_and_the_sanitiser_missed(
    fixture_catalogue: Catalogue, image: str, tmp_path: Path
) -> None:
    """The last wall: print HTML that names a file outside the served folders (as no
    sanitised text can) stops the renderer, and the previous PDF stays as it was."""
    briefing = fixture_catalogue.briefings[0]
    html = briefing_html(fixture_catalogue, briefing).replace(
        "</body>", f'<p><img src="{image}" alt="x"></p></body>'
    )
    out = tmp_path / "out.pdf"
    out.write_bytes(b"the previous build")
    problem = render_file(html, EVERY_FEATURE.parent / "images", out, OURS)
    assert problem is not None and f"refused to fetch '{image}'" in problem.message
    assert out.read_bytes() == b"the previous build"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def test_the_print_html_is_in_the_language_whose_hyphenation_workers_load_ahead(
    fixture_catalogue: Catalogue,
) -> None:
    html = briefing_html(fixture_catalogue, fixture_catalogue.briefings[0])
    assert f'<html lang="{PRINT_LANGUAGE}">' in html


def test_an_image_smuggled_into_a_text_never_reaches_the_print_html(
    fixture_catalogue: Catalogue,
) -> None:
    body = fixture_catalogue.briefings[0].sections[0].body
    html = {**fixture_catalogue.html, body: '<p><img src="file:///etc/passwd" alt="x"></p>'}
    smuggled = replace(fixture_catalogue, html=html)
    assert "/etc/passwd" not in briefing_html(smuggled, smuggled.briefings[0])


def test_pdf_bytes_is_a_pure_function_of_html_colours_and_assets(tmp_path: Path) -> None:
    page = '<html lang="en-GB"><body><h3>Hello</h3></body></html>'
    once = pdf_bytes(page, images=tmp_path, variables=OURS)
    assert pdf_bytes(page, images=tmp_path, variables=OURS) == once
    recoloured = tuple((name, "#123456" if name == "brand" else v) for name, v in OURS)
    assert pdf_bytes(page, images=tmp_path, variables=recoloured) != once


def test_fonts_kept_decompressed_by_one_worker_print_the_same_bytes_in_the_next(
    tmp_path: Path,
) -> None:
    page = '<html lang="en-GB"><body><p>Hello <b>world</b> <i>again</i></p></body></html>'
    fonts = tmp_path / "fonts"
    kept = pdf_bytes(page, images=tmp_path, variables=OURS, fonts=fonts)
    assert kept == pdf_bytes(page, images=tmp_path, variables=OURS)
    assert len(list(fonts.glob("*.ttf"))) == len(list((ASSETS / "fonts").glob("*.woff2")))


def test_a_damaged_decompressed_font_is_made_again_not_used(tmp_path: Path) -> None:
    woff2_font = (ASSETS / "fonts" / "source-serif-4-latin-400-normal.woff2").read_bytes()
    made = decompressed(woff2_font, tmp_path)
    assert made[:4] == b"\x00\x01\x00\x00"  # a TrueType font, no longer WOFF2
    [kept] = tmp_path.glob("*.ttf")
    kept.write_bytes(made[:-10])  # cut short, as by a full disk
    assert decompressed(woff2_font, tmp_path) == made
    assert [path.read_bytes() for path in tmp_path.glob("*.ttf")] == [made]


# ---------- Command line ----------


def test_rendering_the_pdfs_writes_one_file_per_briefing_into_the_pdf_folder(
    fixture_catalogue: Catalogue, tmp_path: Path
) -> None:
    project = Project(tmp_path)
    written = PDF.render(project, fixture_catalogue, None, None)
    assert written == [project.pdf_dir / "every-feature.pdf"]
    assert written[0].read_bytes().startswith(b"%PDF-1.7")


def test_pdf_command_rejects_an_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pdf", "no-such-briefing"]) == 1
    err = capsys.readouterr().err
    assert "no briefing has the id no-such-briefing" in err
    assert "living-with-austerity" in err


def test_pdf_command_help_says_where_the_files_go(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["pdf", "--help"])
    assert "build/pdf/ID.pdf" in capsys.readouterr().out
