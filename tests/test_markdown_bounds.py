"""No Markdown text can make pandoc hang a build: brackets nested past what any real text
needs are refused before pandoc sees them, where they are written, and every pandoc run
has a time and memory bound as the second wall."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from insight.cli import main

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
