"""No Markdown text can make pandoc hang a build: brackets nested past what any real text
needs are refused before pandoc sees them, where they are written, and every pandoc run
has a time and memory bound as the second wall."""

from __future__ import annotations

import errno
import json
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from insight.cli import main
from insight.markdown.images import picture_problem

SOURCE = """\
id: probe
title: Probe
kind: briefing
date: 2022-06-01
publishers: [Socitm]
provenance: "A test."
availability: {{free_to_subscribers: true}}
summary: "A summary."
key_messages:
{messages}
"""


def check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *messages: str
) -> tuple[int, list[str]]:
    (tmp_path / "briefings").mkdir(exist_ok=True)
    lines = "\n".join(f"  - {json.dumps(m)}" for m in messages)
    (tmp_path / "briefings" / "probe.yaml").write_text(SOURCE.format(messages=lines))
    code = main(["--root", str(tmp_path), "check"])
    return code, [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]


@pytest.mark.parametrize(
    "text",
    [
        "Intro " + "[" * 12 + "]" * 12,
        "Intro " + "[@a " * 12,
        "Intro " + "![" * 12,
        "Intro " + "[x](y) " + "[[[[[[" + "]]]]]]",
    ],
)
def test_brackets_nested_past_the_bound_are_refused_where_they_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    started = time.monotonic()
    code, errors = check(tmp_path, capsys, "A fine message.", text)
    # Sent to pandoc, the first of these took it over a minute and a gigabyte.
    assert time.monotonic() - started < 30
    assert code == 1
    # The text starts at column 6 of its line (after '  - "'): the error is at the first
    # bracket of the nest that goes too deep.
    column = 6 + (text.index("[[[[[[") if "[[[[[[" in text else text.index("["))
    assert errors == [
        f"briefings/probe.yaml:11:{column}: error: square brackets are nested more than 5 deep"
        " here (a link or footnote holds at most a few others: close each [ with its ])"
    ]


def test_brackets_within_the_bound_and_escaped_brackets_convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    within = "[[[[[a]]]]] [link](https://example.org/) " + "\\[" * 20
    code, errors = check(tmp_path, capsys, *[f"{i}: {within}" for i in range(100)])
    assert (code, errors) == (0, [])


def picture_project(tmp_path: Path, name: str) -> Path:
    (tmp_path / "briefings" / "images").mkdir(parents=True)
    (tmp_path / "briefings" / "probe.yaml").write_text(
        SOURCE.format(messages=f'  - "A picture: ![what it shows](images/{name})"')
    )
    return tmp_path / "briefings" / "images" / name


def test_a_picture_of_more_pixels_than_a_page_can_use_is_refused_before_it_is_decoded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 17 KB on disk, 144 million pixels decoded: half a gigabyte in the check, again in print.
    Image.new("1", (12000, 12000)).save(picture_project(tmp_path, "huge.png"), optimize=True)
    code = main(["--root", str(tmp_path), "check"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[0] == (
        "briefings/probe.yaml:10:34: error: image 'images/huge.png' is 12000 by 12000 pixels,"
        " more than a page can use (scale it down to at most 6000 pixels a side and 24 million"
        " in all)"
    )
    assert "Warning" not in err


def test_a_file_with_a_pictures_signature_that_does_not_decode_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture_project(tmp_path, "page.png").write_bytes(
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    )
    code = main(["--root", str(tmp_path), "check"])
    assert code == 1
    assert "image 'images/page.png' cannot be read as a picture" in capsys.readouterr().err


def test_a_picture_written_over_is_checked_again_in_the_same_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The preview checks every picture at every save, in one process that keeps what it
    # decoded; a picture saved over, even at once and with the same size, is decoded again.
    picture = picture_project(tmp_path, "chart.png")
    Image.new("RGB", (40, 20), "white").save(picture)
    good = picture.read_bytes()
    broken = b"\x89PNG\r\n\x1a\n" + b"\0" * (len(good) - 8)
    assert main(["--root", str(tmp_path), "check"]) == 0
    time.sleep(1.1)  # long enough for a file's times to tell it from itself once changed
    assert main(["--root", str(tmp_path), "check"]) == 0  # kept, since it is the same file
    picture.write_bytes(broken)
    assert main(["--root", str(tmp_path), "check"]) == 1
    picture.write_bytes(good)
    assert main(["--root", str(tmp_path), "check"]) == 0
    picture.write_bytes(broken)  # within the same tick of the clock, as like as not
    assert main(["--root", str(tmp_path), "check"]) == 1
    assert capsys.readouterr().err.count("image 'images/chart.png' cannot be read") == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Intro " + "> " * 100 + "x", "> > > >"),
        ("Intro\n\n" + "\n".join("  " * i + "- item" for i in range(100)), "  - item"),
        ("Intro\n\n[^1]: " + "1. " * 60 + "x", "[^1]:"),
    ],
    ids=["quotations in a row", "lists by indentation", "in a footnote"],
)
def test_lists_and_quotations_nested_past_the_bound_are_refused_where_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str
) -> None:
    """A hundred levels overflowed pandoc's Lua engine: the build stopped as if at a fault
    of its own. Now the text is refused, at its source's line, and never sent."""
    (tmp_path / "briefings").mkdir()
    body = "\n".join("      " + line for line in text.splitlines())
    source = SOURCE.format(messages='  - "A fine message."') + "sections:\n"
    source += "  - id: deep\n    title: Deep\n    body: |\n" + body + "\n"
    (tmp_path / "briefings" / "probe.yaml").write_text(source)
    code = main(["--root", str(tmp_path), "check"])
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert code == 1
    assert len(errors) == 1
    assert re.fullmatch(
        r"briefings/probe\.yaml:\d+:\d+: error: lists or quotations are nested more than 30"
        r" deep here \(a printed page holds at most 6: flatten the list, or split it into"
        r" several\)",
        errors[0],
    )


def test_lists_and_quotations_within_the_bound_are_checked_by_what_print_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, errors = check(tmp_path, capsys, "> " * 10 + "x")
    assert code == 1
    assert len(errors) == 1 and "nested 10 deep; a printed page holds at most 6" in errors[0]


def test_a_picture_the_system_could_not_read_once_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No file handle left, a disk error: no verdict on the picture is kept, in the preview
    # (one process for many builds) as in a build.
    picture = tmp_path / "chart.png"
    Image.new("RGB", (40, 20), "white").save(picture)
    time.sleep(1.1)  # settled, so that a verdict could be kept
    opened = Image.open

    def no_handle_left(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(Image, "open", no_handle_left)
    assert picture_problem(picture)[0] == "cannot be read as a picture"
    monkeypatch.setattr(Image, "open", opened)
    assert picture_problem(picture) == ("", "")
