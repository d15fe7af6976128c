"""Addresses the outputs reserve for themselves cannot be taken by a source, and one
broken source is blamed for its own errors only."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from insight.addresses import PAGE_ANCHORS, organisation_uri
from insight.cli import main
from insight.model import Briefing
from insight.pdf.document import contents

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "addresses"
TEMPLATES = ROOT / "insight" / "site" / "templates"


def check(project: Path, *files: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--root", str(project), "check", *map(str, files)])
    return code, capsys.readouterr().err


def project_with(tmp_path: Path, *fixtures: str) -> Path:
    (tmp_path / "briefings").mkdir()
    for name in fixtures:
        shutil.copy(HOSTILE / f"{name}.yaml", tmp_path / "briefings")
    return tmp_path


def test_a_briefing_cannot_take_the_catalogues_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = check(project_with(tmp_path, "index"), capsys=capsys)
    assert code == 1
    assert "briefings/index.yaml:2:5: error: the id 'index' is reserved" in err


def test_an_organisation_cannot_take_the_a_to_z_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = check(project_with(tmp_path, "organisation-index"), capsys=capsys)
    assert code == 1
    assert "organisation-index.yaml:13:19: error: the organisation name 'Index!'" in err


def test_ids_cannot_take_a_parts_anchor_or_another_parts_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = check(project_with(tmp_path, "anchors"), capsys=capsys)
    assert code == 1
    assert (
        "anchors.yaml:15:9: error: the id 'section-shared' is the PDF's anchor of the section 'shared'"
        in err
    )
    assert "anchors.yaml:19:9: error: the id 'summary' is reserved" in err
    assert (
        "anchors.yaml:23:9: error: the id 'shared' is already used on this briefing's page" in err
    )
    assert "(first used at line 12, column 9)" in err


def test_every_anchor_the_outputs_write_is_reserved() -> None:
    """The list cannot fall behind the templates: every fixed anchor they write is in it."""
    fixed = {
        anchor
        for template in TEMPLATES.glob("*.md")
        for anchor in re.findall(r"\{ #([a-z-]+) \}", template.read_text(encoding="utf-8"))
    }
    assert fixed and fixed <= PAGE_ANCHORS
    briefing = Briefing.model_validate(
        {
            **{"id": "x", "title": "T", "kind": "report", "date": 2016, "publishers": ["P"]},
            **{"provenance": "p", "availability": {}, "summary": "s", "key_messages": ["k"]},
            "sections": [{"id": "s", "title": "S", "body": "b"}],
            "further_reading": [{"title": "R"}],
            "delusions": [{"id": "d", "title": "D", "belief": "b", "reality": "r"}],
        }
    )
    pdf_anchors = {part.anchor for part in contents(briefing)} - {"section-s"}
    assert pdf_anchors <= PAGE_ANCHORS


def test_a_broken_source_does_not_make_another_file_blamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad date in one briefing leaves the links to it from the file being checked alone."""
    project = tmp_path
    shutil.copytree(ROOT / "briefings", project / "briefings")
    broken = project / "briefings" / "simplify-standardise-share.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"^date: .*$", "date: 2016-02-30", text, count=1, flags=re.M))
    linking = [
        path
        for path in (project / "briefings").glob("*.yaml")
        if path != broken and "simplify-standardise-share" in path.read_text(encoding="utf-8")
    ]
    assert linking, "the real sources link to that briefing"

    code, err = check(project, *linking, capsys=capsys)
    assert code == 0, err

    code, err = check(project, capsys=capsys)
    assert code == 1
    assert [line.split(":")[0] for line in err.splitlines()[:-1]] == [
        "briefings/simplify-standardise-share.yaml"
    ], err


def test_organisations_named_in_any_script_each_get_a_page_of_their_own() -> None:
    names = ["東京都", "Москва", "!!!", "???", "Organisation", "Île-de-France"]
    uris = [organisation_uri(name) for name in names]
    assert len(set(uris)) == len(names)
    assert uris[:2] == ["organisations/東京都.md", "organisations/москва.md"]
    # Spelt alike apart from case and punctuation: one organisation, one page.
    assert organisation_uri("Tandridge DC") == organisation_uri("TANDRIDGE, DC")
