"""`new case-study` adds to an editor's file and changes nothing else in it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from insight.errors import SourceErrors
from insight.scaffold import new_case_study

ROOT = Path(__file__).resolve().parent.parent


def copy_of_the_sources(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "briefings", tmp_path / "briefings")
    return tmp_path / "briefings"


def test_a_case_study_is_added_at_the_end_and_every_other_line_is_kept(tmp_path: Path) -> None:
    briefings = copy_of_the_sources(tmp_path)
    source = briefings / "living-with-austerity.yaml"
    before = source.read_text(encoding="utf-8")

    new_case_study(briefings, "living-with-austerity", "a-new-case")

    after = source.read_text(encoding="utf-8")
    case_studies_end = before.index("\nquotes:")
    assert after.startswith(before[:case_studies_end])
    assert after.endswith(before[case_studies_end:])
    added = after[case_studies_end : len(after) - len(before) + case_studies_end]
    assert added.startswith("  - id: a-new-case\n    organisation: ")
    assert "# region:" in added  # the scaffold's own guidance comes along


def test_a_briefing_without_case_studies_gets_the_list(tmp_path: Path) -> None:
    briefings = copy_of_the_sources(tmp_path)
    source = briefings / "changing-the-game.yaml"
    before = source.read_text(encoding="utf-8")
    assert "case_studies:" not in before

    new_case_study(briefings, "changing-the-game", "first-case")

    after = source.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    assert "\ncase_studies:\n  - id: first-case\n" in after


def test_an_id_a_section_of_another_briefing_uses_is_accepted(tmp_path: Path) -> None:
    briefings = copy_of_the_sources(tmp_path)
    section_id = "brunel-critique"
    assert f"id: {section_id}" in (briefings / "changing-the-game.yaml").read_text()

    new_case_study(briefings, "living-with-austerity", section_id)

    assert (
        f"- id: {section_id}\n    organisation:"
        in (briefings / "living-with-austerity.yaml").read_text()
    )


def test_an_id_already_taken_is_refused_where_it_is_used(tmp_path: Path) -> None:
    briefings = copy_of_the_sources(tmp_path)
    with pytest.raises(SourceErrors) as raised:
        new_case_study(briefings, "changing-the-game", "tandridge-agile-cloud")
    [error] = raised.value.errors
    assert error.path == "briefings/living-with-austerity.yaml"
    text = (briefings / "living-with-austerity.yaml").read_text().splitlines()
    assert text[error.line - 1][error.column - 1 :].startswith("tandridge-agile-cloud")
    assert "the id 'tandridge-agile-cloud' is already used here" in str(error)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("case_studies: 5\n", "'case_studies' must be a list"),
        ('case_studies: "x"\n', "'case_studies' must be a list"),
    ],
)
def test_a_file_a_case_study_cannot_be_added_to_is_a_located_error(
    tmp_path: Path, shape: str, message: str
) -> None:
    briefings = copy_of_the_sources(tmp_path)
    source = briefings / "changing-the-game.yaml"
    source.write_text(source.read_text(encoding="utf-8") + shape, encoding="utf-8")
    with pytest.raises(SourceErrors) as raised:
        new_case_study(briefings, "changing-the-game", "first-case")
    [error] = raised.value.errors
    line = source.read_text(encoding="utf-8").splitlines().index(shape.strip()) + 1
    assert (error.line, message in error.message) == (line, True)


def test_a_file_with_windows_line_endings_keeps_them(tmp_path: Path) -> None:
    briefings = copy_of_the_sources(tmp_path)
    source = briefings / "changing-the-game.yaml"
    before = source.read_bytes().replace(b"\n", b"\r\n")
    source.write_bytes(before)

    new_case_study(briefings, "changing-the-game", "first-case")

    after = source.read_bytes()
    assert after.startswith(before.rstrip(b"\r\n"))
    assert b"\n" not in after.replace(b"\r\n", b"")
