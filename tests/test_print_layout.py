"""The print layout loses no text: whatever an editor writes within what `check` allows,
and beyond it, every word prints inside the page, whole, in fonts the project ships.

One hostile but valid briefing (tests/fixtures/hostile/print/) is rendered once, with
a 40-column table and a list 50 deep slipped past the checks, and the PDF is read back
glyph by glyph: what lies outside the page counts as lost.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

from insight import ASSETS
from insight.catalogue import Catalogue, load_catalogue
from insight.markdown import pandoc
from insight.markdown.sanitise import sanitise
from insight.model import Briefing
from insight.pdf.jobs import render_pdf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "hostile" / "print"
SOURCE = FIXTURES / "hostile-print.yaml"
# What the checks refuse (tables over 10 columns, lists over 6 deep), printed all the same
# as a second wall: the layout must hold even if a check is ever loosened or bypassed.
BEYOND = FIXTURES / "beyond-the-checks.md"
MM = 72 / 25.4
# The narrowest side margin the style brief allows is about 20 mm; nothing prints nearer
# the edge than that, nor nearer than 5 mm (what printers leave blank) to the top or the foot.
SIDE, TOP_AND_FOOT = 20 * MM, 5 * MM
FALLBACKS = {
    "Insight-CJK": "noto-sans-cjk-sc-regular.ttf",
    "Insight-Emoji": "noto-emoji-regular.ttf",
}
# The fixture's long words: 120 letters, or as many as a field may hold (a series, 40).
LONG_WORD = re.compile(r"[A-Za-z]{40,}")
# print.css: the inner margin is on the left of right-hand (odd) pages, the outer on even ones.
INNER, OUTER = 27 * MM, 23 * MM


@dataclass(frozen=True)
class Glyph:
    text: str
    font: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x0: float

    @property
    def indent(self) -> float:
        """How far the word starts from the left edge of the text block."""
        return self.x0 - (INNER if self.page % 2 else OUTER)


@dataclass(frozen=True)
class Printed:
    briefing: Briefing
    width: float
    height: float
    glyphs: list[Glyph]
    words: list[Word]
    warnings: list[str]

    @property
    def text(self) -> str:
        """Everything printed inside the page, squeezed (see `squeeze`) and in lower case
        (headers print in capitals), in reading order."""
        return squeeze("".join(g.text for g in self.glyphs if self.inside(g))).lower()

    def inside(self, g: Glyph) -> bool:
        return (
            g.x0 >= SIDE - 0.5
            and g.x1 <= self.width - SIDE + 0.5
            and g.top >= TOP_AND_FOOT
            and g.bottom <= self.height - TOP_AND_FOOT
        )


def beyond_the_checks(catalogue: Catalogue, briefing: Briefing) -> Catalogue:
    """The catalogue with BEYOND, converted by the real pandoc and sanitiser, appended to
    the briefing's last section."""
    request = json.dumps([{"key": "beyond", "markdown": BEYOND.read_text(encoding="utf-8")}])
    html = sanitise(pandoc.convert(request)[0]["html"])
    last = briefing.sections[-1].body
    return replace(catalogue, html={**catalogue.html, last: catalogue.html[last] + html})


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    catalogue = load_catalogue([SOURCE], FIXTURES / "images", base=ROOT)
    briefing = catalogue.briefings[0]
    out = tmp_path_factory.mktemp("print") / "hostile-print.pdf"
    with Recorded("weasyprint") as warnings:
        render_pdf(beyond_the_checks(catalogue, briefing), briefing, out)
    with pdfplumber.open(out) as pdf:
        width, height = float(pdf.pages[0].width), float(pdf.pages[0].height)
        glyphs = [
            Glyph(c["text"], c["fontname"], n, c["x0"], c["x1"], c["top"], c["bottom"])
            for n, page in enumerate(pdf.pages, start=1)
            for c in page.chars
        ]
        words = [
            Word(w["text"], n, w["x0"])
            for n, page in enumerate(pdf.pages, start=1)
            for w in page.extract_words(keep_blank_chars=False)
        ]
    return Printed(briefing, width, height, glyphs, words, warnings)


class Recorded(logging.Handler):
    """The messages of one logger while in the `with` block, as a list."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.WARNING)
        self.logger = logging.getLogger(name)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> list[str]:
        self.logger.addHandler(self)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)


def squeeze(text: str) -> str:
    """Text without whitespace or hyphens: lines break and words hyphenate in print."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


def source_text() -> str:
    return SOURCE.read_text(encoding="utf-8") + BEYOND.read_text(encoding="utf-8")


# ---------- Nothing is lost ----------


def test_every_glyph_lies_inside_the_page_margins(printed: Printed) -> None:
    outside = [g for g in printed.glyphs if not printed.inside(g)]
    assert not outside, [
        (g.page, "".join(o.text for o in outside if o.page == g.page)[:80])
        for g in {o.page: o for o in outside}.values()
    ]


def test_every_long_unbroken_word_prints_whole_inside_the_page(printed: Printed) -> None:
    """Titles, subtitle, series, running head, publishers, contacts, table cells, case
    study and quote: each holds a 120-letter word, and each word wraps to fit."""
    words = set(LONG_WORD.findall(source_text()))
    assert len(words) >= 20
    missing = [w[:20] for w in sorted(words) if w.lower() not in printed.text]
    assert not missing


def test_every_word_of_the_wide_tables_and_deep_lists_prints_inside_the_page(
    printed: Printed,
) -> None:
    bodies = [s.body for s in printed.briefing.sections if s.id in ("wide-table", "deep-list")]
    words = set(re.findall(r"[^\W_]+", " ".join(bodies) + BEYOND.read_text(encoding="utf-8")))
    assert {"Heading10", "Wide40", "v40", "Levelword6", "Levelword50"} <= words
    assert [w for w in sorted(words) if w.lower() not in printed.text] == []


def test_a_ten_column_table_prints_each_heading_whole_on_one_line(printed: Printed) -> None:
    printed_words = {w.text for w in printed.words}
    headings = [f"Heading{n:02d}" for n in range(1, 11)]
    assert [h for h in headings if h not in printed_words] == []


def test_lists_indent_for_six_levels_then_no_further(printed: Printed) -> None:
    starts: dict[str, list[float]] = {}
    for word in printed.words:
        if re.fullmatch(r"Levelword\d+", word.text):
            starts.setdefault(word.text, []).append(word.indent)
    # Depths 1 to 6 print twice, in the briefing's list and then in the one past the checks.
    within = [starts[f"Levelword{d}"][0] for d in range(1, 7)]
    beyond = [starts[f"Levelword{d}"][-1] for d in range(1, 51)]
    assert within == sorted(within) and len(set(within)) == 6
    assert beyond[:6] == pytest.approx(within)
    assert max(beyond) == pytest.approx(beyond[5])


# ---------- Every script in a font we ship ----------


def fallback_for(char: str) -> str:
    """The fallback font whose shipped file maps `char` to a glyph."""
    for family, file in FALLBACKS.items():
        if ord(char) in TTFont(ASSETS / "fonts" / file, lazy=True).getBestCmap():
            return family
    raise AssertionError(f"no shipped font has U+{ord(char):04X}")


def test_cjk_and_emoji_print_in_the_shipped_fallback_fonts(printed: Printed) -> None:
    chars = sorted({c for c in source_text() if ord(c) >= 0x2E80 and c != "\ufe0f"})
    assert len(chars) >= 25
    fonts: dict[str, set[str]] = {}
    for g in printed.glyphs:
        fonts.setdefault(g.text, set()).add(re.sub(r"^[A-Z]{6}\+|-Bold$", "", g.font))
    printed_in = {c: fonts.get(c, set()) for c in chars}
    assert printed_in == {c: {fallback_for(c)} for c in chars}


def test_letters_beyond_western_latin_print_in_the_shipped_extended_fonts(
    printed: Printed,
) -> None:
    """Polish, Czech, Welsh, Vietnamese, Greek and Cyrillic letters: never a system font."""
    latin_greek_cyrillic = [(0x100, 0x52F), (0x1E00, 0x1FFF)]
    chars = {
        c
        for c in source_text()
        if c.isalpha() and any(lo <= ord(c) <= hi for lo, hi in latin_greek_cyrillic)
    }
    assert {"Ł", "ř", "Ŵ", "ộ", "θ", "\u041c", "ї"} <= chars
    fonts = {re.sub(r"^[A-Z]{6}\+", "", g.font) for g in printed.glyphs if g.text in chars}
    assert fonts and fonts <= {"Insight-Serif-Extended", "Insight-Sans-Extended"}


@pytest.mark.parametrize(
    ("script", "first", "last", "family"),
    [
        ("Arabic", 0x0600, 0x06FF, "Insight-Arabic"),
        ("Hebrew", 0x0590, 0x05FF, "Insight-Hebrew"),
        ("Devanagari", 0x0900, 0x097F, "Insight-Devanagari"),
        ("Bengali", 0x0980, 0x09FF, "Insight-Bengali"),
        ("Gurmukhi", 0x0A00, 0x0A7F, "Insight-Gurmukhi"),
        ("Tamil", 0x0B80, 0x0BFF, "Insight-Tamil"),
    ],
)
def test_the_scripts_of_uk_community_languages_print_in_shipped_fonts(
    printed: Printed, script: str, first: int, last: int, family: str
) -> None:
    assert any(first <= ord(c) <= last for c in source_text()), script
    # Shaped scripts print as glyphs the text layer maps back to (some of) their letters.
    fonts = {
        re.sub(r"^[A-Z]{6}\+", "", g.font)
        for g in printed.glyphs
        if g.text and any(first <= ord(c) <= last for c in g.text)
    }
    assert fonts == {family}


def test_no_character_prints_as_a_blank_box(printed: Printed) -> None:
    # WeasyPrint says so for each character no font in the stack has a glyph for.
    assert [w for w in printed.warnings if ".notdef" in w] == []


def test_every_font_in_the_pdf_is_one_we_ship(printed: Printed) -> None:
    fonts = {g.font for g in printed.glyphs}
    # Subset tag, then a family the stylesheet gives one of our files.
    strays = [f for f in fonts if not re.fullmatch(r"[A-Z]{6}\+Insight-[A-Za-z-]+", f)]
    assert strays == []
