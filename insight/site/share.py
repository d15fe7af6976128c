"""The images a link to the public edition shows when shared (Open Graph, cards):
drawn at build time with Pillow, from the brand's colours in the site's stylesheet
and the fonts the project ships, so nothing is fetched and every build draws the same
pixels. One for each briefing, with its title, and one for the rest of the site.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from insight import ASSETS
from insight.look import look_of
from insight.model import Briefing

STYLESHEET = Path(__file__).parent / "assets" / "insight.css"
FONTS = ASSETS / "fonts"
FOLDER = "share/"
SITE_IMAGE = FOLDER + "insight.png"
SIZE = (1200, 630)  # what Open Graph and large cards show without cropping
MARGIN = 80
TITLE_LINES = 4
SERIF_BOLD = "source-serif-4-latin-700-normal.woff2"
SANS_BOLD = "source-sans-3-latin-700-normal.woff2"
SANS_SEMIBOLD = "source-sans-3-latin-600-normal.woff2"
SCRIPTS = ("arabic", "hebrew", "devanagari", "bengali", "gurmukhi", "tamil")
# The print edition's fallbacks (insight/assets/fonts/FALLBACKS.md), in its order.
FALLBACKS = (
    "noto-serif-extended-regular.ttf",
    *(f"noto-sans-{script}-regular.ttf" for script in SCRIPTS),
    "noto-sans-cjk-sc-regular.ttf",
    "noto-emoji-regular.ttf",
)


def share_image_path(briefing_id: str) -> str:
    return f"{FOLDER}{briefing_id}.png"


@cache
def brand() -> dict[str, str]:
    """The brand's colours, by name, as the site's stylesheet gets them (--insight-ink: #14213d)."""
    text = look_of(None).stylesheet_variables("site")  # see insight.look
    return dict(re.findall(r"--insight-([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", text))


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


@cache
def covers(name: str) -> frozenset[int]:
    """The characters a shipped font has glyphs for."""
    return frozenset(TTFont(FONTS / name, lazy=True).getBestCmap())


def runs(text: str, house: str) -> list[tuple[str, str]]:
    """`text` cut into runs, each with the first font in house-then-fallbacks order that has
    its characters, as the print edition's font stacks choose: no letter drawn as a box."""
    found: list[tuple[str, str]] = []
    for char in text:
        name = next((f for f in (house, *FALLBACKS) if ord(char) in covers(f)), house)
        if found and found[-1][1] == name:
            found[-1] = (found[-1][0] + char, name)
        else:
            found.append((char, name))
    return found


def length(draw: ImageDraw.ImageDraw, text: str, house: str, size: int) -> float:
    return sum(draw.textlength(run, font=font(name, size)) for run, name in runs(text, house))


def write(
    draw: ImageDraw.ImageDraw, at: tuple[float, float], text: str, house: str, size: int, fill: str
) -> None:
    x, y = at
    for run, name in runs(text, house):
        draw.text((x, y), run, font=font(name, size), fill=fill)
        x += draw.textlength(run, font=font(name, size))


def briefing_image(briefing: Briefing, site_name: str) -> bytes:
    """The share image of a briefing: the site's name, what it is and when, and its title."""
    kicker = f"{briefing.series + ' ' if briefing.series else ''}{briefing.kind} · {briefing.date}"
    return card(site_name, kicker, briefing.title)


def site_image(site_name: str, description: str) -> bytes:
    return card(site_name, "Research briefings", description)


def card(wordmark: str, kicker: str, title: str) -> bytes:
    colours = brand()
    image = Image.new("RGB", SIZE, colours["ink"])
    draw = ImageDraw.Draw(image)
    width = SIZE[0] - 2 * MARGIN
    draw.rectangle([0, SIZE[1] - 24, SIZE[0], SIZE[1]], fill=colours["accent"])
    write(draw, (MARGIN, MARGIN), wordmark, SANS_BOLD, 40, colours["paper"])
    write(draw, (MARGIN, MARGIN + 64), kicker.upper(), SANS_SEMIBOLD, 28, colours["accent-soft"])
    size, lines = fitted(draw, title, width)
    top = MARGIN + 150
    for number, text in enumerate(lines):
        write(draw, (MARGIN, top + number * size * 1.2), text, SERIF_BOLD, size, colours["paper"])
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def fitted(draw: ImageDraw.ImageDraw, text: str, width: int) -> tuple[int, list[str]]:
    """The largest type size at which `text` wraps into TITLE_LINES lines or fewer, and those
    lines; at the smallest size, the lines that fit, the last ending in an ellipsis."""
    for size in (72, 62, 54, 46):
        lines = wrapped(draw, text, size, width)
        if len(lines) <= TITLE_LINES:
            return size, lines
    kept = lines[:TITLE_LINES]
    kept[-1] = kept[-1].rstrip(" ,;:") + "…"
    return size, kept


def wrapped(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> list[str]:
    """Lines of `text` no wider than `width` at `size`: broken between words, and inside a
    word only where the word alone is wider than a line."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and length(draw, candidate, SERIF_BOLD, size) <= width:
            lines[-1] = candidate
            continue
        piece = ""
        for char in word:
            if piece and length(draw, piece + char, SERIF_BOLD, size) > width:
                lines.append(piece)
                piece = ""
            piece += char
        lines.append(piece)
    return lines
