"""The visual diff of the PDFs: exactly the pages that differ, drawn before and after side
by side, and one line per briefing that says which."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from weasyprint import HTML

from insight.cli import main
from insight.pdfdiff import compare_pdfs, page_list
from tests.support import git

FIXTURES = Path(__file__).parent / "fixtures"


def pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with one page per text, from WeasyPrint."""
    body = "".join(f'<p style="break-after: page; font-size: 40pt">{text}</p>' for text in pages)
    HTML(string=f"<html><body>{body}</body></html>").write_pdf(path)
    return path


def test_two_pdfs_that_differ_on_one_page_give_exactly_that_page(tmp_path: Path) -> None:
    before = pdf(tmp_path / "before.pdf", ["One", "Two", "Three"])
    after = pdf(tmp_path / "after.pdf", ["One", "Two, changed", "Three"])

    change = compare_pdfs(before, after, tmp_path / "out", "example")

    assert change.pages == [2]
    assert change.summary() == "example: page 2 changed"
    [image] = change.images
    assert image == tmp_path / "out" / "page-002.png"
    with Image.open(image) as shown:
        width, height = shown.size
        assert width > 2 * height * 0.7  # two A4 pages side by side
        red = shown.convert("RGB").getcolors(maxcolors=1 << 20)
        assert any(r > 150 and g < 120 for _, (r, g, _b) in red)  # the change is highlighted


def test_identical_pdfs_have_no_changed_page(tmp_path: Path) -> None:
    before = pdf(tmp_path / "before.pdf", ["One", "Two"])
    after = pdf(tmp_path / "after.pdf", ["One", "Two"])
    change = compare_pdfs(before, after, tmp_path / "out", "example")
    assert change.pages == [] and change.images == []
    assert not (tmp_path / "out").exists()


def test_a_page_added_stands_beside_an_empty_one(tmp_path: Path) -> None:
    before = pdf(tmp_path / "before.pdf", ["One", "Two"])
    after = pdf(tmp_path / "after.pdf", ["One", "Two", "Three"])
    change = compare_pdfs(before, after, tmp_path / "out", "example")
    assert change.summary() == "example: page 3 changed; 2 pages before, 3 now"
    assert [p.name for p in change.images] == ["page-003.png"]


def test_pages_are_listed_as_a_reader_would_say_them() -> None:
    assert page_list([4]) == "page 4"
    assert page_list([4, 7]) == "pages 4 and 7"
    assert page_list([2, 4, 7]) == "pages 2, 4 and 7"


def pdftotext(path: Path) -> list[str]:
    """The text of each page, the first at index 1."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return ["", *text.split("\f")]


def test_diff_pdf_builds_the_ref_and_the_working_tree_and_names_the_changed_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "briefings").mkdir()
    source = tmp_path / "briefings" / "minimal.yaml"
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", source)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    source.write_text(source.read_text().replace("A summary with", "A revised summary with"))

    code = main(["--root", str(tmp_path), "diff", "--pdf", "main", "--jobs", "1"])

    out, err = capsys.readouterr()
    assert code == 0, err
    # Only the page that prints the summary differs: the cover and the rest are as they were.
    [line] = [line for line in out.splitlines() if line.startswith("- minimal: ")]
    match = re.fullmatch(r"- minimal: page (\d+) changed", line)
    assert match, line
    page = int(match.group(1))
    texts = pdftotext(tmp_path / "build" / "pdf" / "minimal.pdf")
    assert [i for i, text in enumerate(texts) if "revised summary" in text] == [page]
    images = sorted((tmp_path / "build" / "pdf-diff" / "minimal").iterdir())
    assert [p.name for p in images] == [f"page-{page:03d}.png"]
    assert "Each changed page, before and after, is an image in `build/pdf-diff/`." in out


def test_diff_pdf_of_an_unknown_ref_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "briefings").mkdir()
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "briefings" / "minimal.yaml")
    git(tmp_path, "init", "-q", "-b", "main")
    code = main(["--root", str(tmp_path), "diff", "--pdf", "nowhere", "--jobs", "1"])
    assert code == 2
    assert "diff: 'nowhere' is not a commit in this repository" in capsys.readouterr().err
