"""What an editor sees from `python build.py check`: every mistake, located, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from insight.cli import main

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path("tests/fixtures/broken")
VALID = Path("tests/fixtures/valid")

# fixture -> (line, column, what the message must say)
BROKEN_FIXTURES = {
    "bad-syntax": (2, 8, 'the text opened with " here is never closed'),
    "tab-indentation": (4, 1, "tab character in indentation"),
    "unknown-key": (9, 1, "unknown field 'sumary' (did you mean 'summary'?)"),
    "wrong-type": (8, 24, "'free_to_subscribers' must be true or false, not a list"),
    "duplicate-id": (16, 9, "id 'same-case' is used twice"),
    "dangling-reference": (11, 5, "no briefing has the id 'no-such-briefing'"),
    "missing-field": (1, 1, "missing required field 'title'"),
    "alias-bomb": (6, 36, "document expands to more than"),  # at the alias that passes the bound
    "non-utf8": (2, 12, "byte 0xe9 is not valid UTF-8"),
    "empty": (1, 1, "file is empty"),
    "list-not-mapping": (1, 1, "must be a mapping of fields"),
    "bad-date": (4, 7, "'2016-02-30' is not a real date"),
    "bad-money": (9, 22, "'195 quid' is not an amount in pounds"),
    "python-tag": (2, 8, "explicit YAML tag '!!python/object/apply:os.system' is not allowed"),
    "duplicate-key": (3, 1, "key 'title' appears twice"),
    "long-title": (3, 8, "'title' is 170 characters long; it may be at most 160"),
    "script-link": (9, 24, "link to 'javascript:alert(1)' is not allowed"),
    "image-outside": (9, 21, "image 'file:///etc/passwd' is outside the briefings' image folder"),
}


def check(*args: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_the_repository_sources_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(capsys=capsys)
    assert code == 0, err
    assert "no errors" in err


def test_a_minimal_valid_briefing_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(VALID / "minimal.yaml", capsys=capsys)
    assert code == 0, err


@pytest.mark.parametrize("name", sorted(BROKEN_FIXTURES))
def test_each_broken_source_gets_one_located_error(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line, column, message = BROKEN_FIXTURES[name]
    code, _, err = check(BROKEN / f"{name}.yaml", capsys=capsys)
    assert code == 1
    first, summary = err.strip().splitlines()
    assert first.startswith(f"tests/fixtures/broken/{name}.yaml:{line}:{column}: error: ")
    assert message in first
    assert summary == "1 error(s) in 1 file(s)."


def test_a_huge_file_is_refused_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("id: huge\nsummary: '" + "x" * 20_000_000 + "'\n")
    code, _, err = check(huge, capsys=capsys)
    assert code == 1
    assert re.match(rf"{re.escape(str(huge))}:1:1: error: file is 20\.0 MB", err)


@pytest.mark.parametrize(
    ("made", "message"),
    [
        # A link could name any file of the machine, whose first line an error would print.
        (lambda path: path.symlink_to("/etc/passwd"), "is a symbolic link"),
        (lambda path: path.symlink_to("/dev/zero"), "is a symbolic link"),  # never ends
        (os.mkfifo, "is not a regular file"),  # would wait for a writer for ever
        (lambda path: path.mkdir(), "is not a regular file"),
    ],
    ids=["link-to-a-file-elsewhere", "link-to-a-device", "pipe", "folder"],
)
def test_a_source_that_is_no_file_of_its_own_is_refused_unread(
    made: Callable[[Path], object], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "strange.yaml"
    made(source)
    code, _, err = check(source, capsys=capsys)
    assert code == 1
    assert err.startswith(f"{source}:1:1: error: {message}")
    assert "root:" not in err


def test_errors_of_several_files_are_reported_together(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check(BROKEN / "empty.yaml", BROKEN / "unknown-key.yaml", capsys=capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "tests/fixtures/broken/empty.yaml",
        "tests/fixtures/broken/unknown-key.yaml",
    ]
    assert lines[-1] == "2 error(s) in 2 file(s)."


def test_all_errors_in_one_file_are_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "several.yaml"
    source.write_text(
        "id: several\ntitle: 42\nkind: leaflet\ndate: 2016-08\npublishers: Socitm\n"
        "provenance: x\navailability: {free_to_subscribers: true}\nsummary: x\n"
    )
    code, _, err = check(source, capsys=capsys)
    assert code == 1
    messages = err.strip().splitlines()[:-1]
    assert [m.split(": error: ")[0].rsplit(":", 2)[1:] for m in messages] == [
        ["2", "8"],
        ["3", "7"],
        ["5", "13"],
    ]
    assert "'title' must be text" in messages[0]
    assert "'leaflet' is not a valid kind" in messages[1]
    assert "'publishers' must be a list" in messages[2]


def test_github_format_annotates_the_offending_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = check("--format", "github", BROKEN / "unknown-key.yaml", capsys=capsys)
    assert code == 1
    assert out.strip() == (
        "::error file=tests/fixtures/broken/unknown-key.yaml,line=9,col=1::"
        "unknown field 'sumary' (did you mean 'summary'?)"
    )


def test_a_file_named_apart_from_its_id_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = tmp_path / "renamed.yaml"
    shutil.copy(VALID / "minimal.yaml", renamed)
    code, _, err = check(renamed, capsys=capsys)
    assert code == 1
    assert (
        ":2:5: error: id 'minimal' does not match the file name (rename the file to minimal.yaml)"
        in err
    )


def test_references_resolve_against_the_whole_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (VALID / "minimal.yaml").read_text() + "related: [living-with-austerity]\n"
    (tmp_path / "minimal.yaml").write_text(text)
    code, _, err = check(tmp_path / "minimal.yaml", capsys=capsys)
    assert code == 0, err


def test_a_missing_file_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check("briefings/no-such-file.yaml", capsys=capsys)
    assert code == 1
    assert err.startswith("briefings/no-such-file.yaml:1:1: error: no such file")


def test_the_real_entry_point_never_shows_a_traceback() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "build.py",
            "check",
            *(str(BROKEN / f"{n}.yaml") for n in BROKEN_FIXTURES),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"{len(BROKEN_FIXTURES)} error(s) in {len(BROKEN_FIXTURES)} file(s)."
    )
