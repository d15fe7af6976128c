"""A new editor follows CONTRIBUTING.md to add a case study, from scaffold to site and PDF."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_of_the_repository

ROOT = Path(__file__).resolve().parent.parent
ORGANISATION = "Exampleton Borough Council"


def build_py(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(project), *args],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's content, for the editor to change."""
    return copy_of_the_repository(tmp_path)


def test_the_guide_names_the_commands_the_editor_runs() -> None:
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    for command in ("build.py new case-study", "build.py check", "build.py serve", "build.py pdf"):
        assert command in guide


def test_an_editor_adds_a_case_study_fixes_a_typo_and_sees_it_published(project: Path) -> None:
    source = project / "briefings" / "living-with-austerity.yaml"

    # Step 1 of the guide: start the case study.
    started = build_py(project, "new", "case-study", "living-with-austerity", "exampleton-sharing")
    assert started.returncode == 0, started.stderr

    # Step 2: fill it in, misspelling one field name on the way.
    text = source.read_text()
    text = text.replace(
        "FILL IN: the organisation, e.g. 'Tandridge District Council'", ORGANISATION
    )
    text = text.replace(
        "FILL IN: e.g. district council, county council, unitary authority", "district council"
    )
    text = text.replace(
        "FILL IN: one line on what the organisation did", "Sharing a contact centre"
    )
    text = text.replace(
        "    summary: >-\n      FILL IN: the case study, in Markdown.",
        "    sumary: >-\n      Illustrative.",
    )
    source.write_text(text)

    # Step 3: check, and read the error.
    checked = build_py(project, "check", "briefings/living-with-austerity.yaml")
    assert checked.returncode == 1
    typo_line = next(i for i, line in enumerate(text.splitlines(), 1) if "sumary:" in line)
    assert checked.stderr.splitlines()[0] == (
        f"briefings/living-with-austerity.yaml:{typo_line}:5: error: "
        "unknown field 'sumary' (did you mean 'summary'?)"
    )

    # Fix it as the error says, and check again.
    source.write_text(text.replace("    sumary:", "    summary:"))
    assert build_py(project, "check").returncode == 0

    # Steps 4 and 5: build, and find the case study on the site and in the PDF.
    built = build_py(project, "build")
    assert built.returncode == 0, built.stderr
    pages = [p.read_text() for p in (project / "site").rglob("*.html")]
    assert any(ORGANISATION in page and "Sharing a contact centre" in page for page in pages)
    pdf_text = subprocess.run(
        ["pdftotext", str(project / "build" / "pdf" / "living-with-austerity.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ORGANISATION in re.sub(r"\s+", " ", pdf_text)
