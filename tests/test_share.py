"""The share image of a briefing shows its whole title, in any script, inside the card."""

from __future__ import annotations

from PIL import Image, ImageDraw

from insight.site.share import MARGIN, SERIF_BOLD, SIZE, covers, length, runs, wrapped

TITLE = "東京都のデジタル改革 مجلس المدينة Привет Ωmega नगर परिषद 😀"


def test_every_letter_of_a_title_is_drawn_in_a_font_that_has_it() -> None:
    drawn = runs(TITLE, SERIF_BOLD)
    assert "".join(text for text, _ in drawn) == TITLE
    missing = [c for text, name in drawn for c in text if c != " " and ord(c) not in covers(name)]
    assert missing == []
    assert len({name for _, name in drawn}) >= 5  # house serif, extended, Arabic, CJK, emoji


def test_a_word_longer_than_a_line_is_broken_to_fit() -> None:
    draw = ImageDraw.Draw(Image.new("RGB", SIZE))
    width = SIZE[0] - 2 * MARGIN
    lines = wrapped(draw, "Supercalifragilisticexpialidocious" * 4 + " and more", 72, width)
    assert len(lines) > 2
    assert all(length(draw, line, SERIF_BOLD, 72) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == ("Supercalifragilisticexpialidocious" * 4) + "andmore"
