"""Spelling: every word the British English dictionary and the project word list do not
know is a warning at its own line and column, never an error and never a failed build."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from insight.cli import main
from insight.spelling import dictionary

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "spelling" / "misspelt.yaml"

pytestmark = pytest.mark.skipif(
    dictionary() is None, reason="the en_GB dictionary is needed: run 'python3 tasks.py setup'"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose only source is the misspelt fixture."""
    (tmp_path / "briefings").mkdir()
    shutil.copy(FIXTURE, tmp_path / "briefings" / "misspelt.yaml")
    return tmp_path


def check(project: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--root", str(project), "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def warnings(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": warning: " in line or "::warning" in line]


def test_each_unknown_word_is_a_warning_at_its_own_line_and_column(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = check(project, capsys=capsys)
    assert code == 0  # warnings never fail the check
    assert [line.split(": warning: ")[0] for line in warnings(err)] == [
        "briefings/misspelt.yaml:3:23",  # inside a quoted title
        "briefings/misspelt.yaml:6:14",  # a name, in a list written in brackets
        "briefings/misspelt.yaml:12:21",  # the second line of a folded text
        "briefings/misspelt.yaml:22:34",  # deep inside a Markdown list in a block of text
    ]
    assert (
        "briefings/misspelt.yaml:22:34: warning: 'wrod' is not in the British English "
        "dictionary (did you mean 'word', 'rod' or 'trod'? If it is a name or a term, add it "
        "to briefings/words.txt)"
    ) in err
    assert "no errors" in err


def test_ids_link_targets_code_and_addresses_are_not_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, err = check(project, capsys=capsys)
    assert "qwxzt" not in err


def test_the_word_list_holds_names_and_terms(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "briefings" / "words.txt").write_text("# names\nZorblaxian\nwrod  # a term\n")
    _, _, err = check(project, capsys=capsys)
    assert [w.split(": warning: ")[1].split(" is")[0] for w in warnings(err)] == [
        "'recieving'",
        "'mispelling'",
    ]


def test_warnings_are_annotations_in_github_format(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = check(project, "--format", "github", capsys=capsys)
    assert code == 0
    assert warnings(out)[3].startswith(
        "::warning file=briefings/misspelt.yaml,line=22,col=34::'wrod' is not in the British"
    )


def test_spelling_is_checked_once_the_errors_are_fixed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = project / "briefings" / "misspelt.yaml"
    source.write_text(source.read_text().replace("kind: briefing", "kind: pamphlet"))
    code, _, err = check(project, capsys=capsys)
    assert code == 1
    assert warnings(err) == []
    assert err.splitlines()[0].startswith("briefings/misspelt.yaml:4:7: error: ")


def test_the_repository_briefings_have_no_unknown_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = check(ROOT, capsys=capsys)
    assert code == 0
    assert warnings(err) == []


def test_a_word_of_many_hyphens_is_checked_part_by_part_not_for_minutes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dictionary's look-up of a hyphenated whole doubles with each hyphen: twenty-five
    'anti-' took it past a minute."""
    (tmp_path / "briefings").mkdir()
    source = (ROOT / "tests" / "fixtures" / "valid" / "minimal.yaml").read_text()
    word = "anti-" * 25 + "design-qwzx"
    (tmp_path / "briefings" / "minimal.yaml").write_text(
        source + f'key_messages:\n  - "A {word} message."\n'
    )
    started = time.monotonic()
    code, _, err = check(tmp_path, capsys=capsys)
    assert time.monotonic() - started < 30
    assert code == 0
    assert [w.split(": warning: ")[1].split(" is ")[0] for w in warnings(err)] == ["'qwzx'"]
