"""Incremental builds, through `build.py --root` on a small generated catalogue: what is
unchanged is left as it is, what changed is made again, and parallel rendering gives
the same bytes as serial rendering."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
import yaml
from pypdf import PdfReader

from bench.generate import generate
from insight import ASSETS
from insight.builder import build_edition
from insight.edition import Edition
from insight.incremental import file_identity
from insight.look import look_of
from insight.pdf import key as pdf_key
from insight.pdf.key import print_key
from insight.project import Project
from insight.site import downloads
from insight.site.publish import build_site
from insight.sitestamp import site_key
from tests.support import site_files

OURS = look_of(None).variables("print")  # our brand's colours

ROOT = Path(__file__).resolve().parent.parent
EDITED = "synthetic-briefing-001"
UNTOUCHED = "synthetic-briefing-002"


@dataclass(frozen=True)
class Snapshot:
    """What a build left behind, and what it said."""

    pdfs: dict[str, tuple[bytes, int]]  # id -> (bytes, modification time in ns)
    site_inode: int
    stderr: str


@dataclass(frozen=True)
class Builds:
    project: Path
    cold: Snapshot
    again: Snapshot
    edited: Snapshot


def build(project: Path, *args: str) -> str:
    """Run `build.py --root project ARGS` as an editor would; return what it printed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(project), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def snapshot(project: Path, stderr: str) -> Snapshot:
    pdfs = {
        path.stem: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in (project / "build" / "pdf").glob("*.pdf")
    }
    return Snapshot(pdfs, (project / "site" / "index.html").stat().st_ino, stderr)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """A two-briefing project built cold, built again unchanged, then after one edit."""
    project = generate(tmp_path_factory.mktemp("project"), 2)
    cold = snapshot(project, build(project, "build", "--jobs", "2"))
    again = snapshot(project, build(project, "build", "--jobs", "2"))
    source = project / "briefings" / f"{EDITED}.yaml"
    source.write_text(
        source.read_text(encoding="utf-8").replace("Section 1:", "Section one:", 1),
        encoding="utf-8",
    )
    edited = snapshot(project, build(project, "build", "--jobs", "2"))
    return Builds(project, cold, again, edited)


def test_an_unchanged_briefing_keeps_its_pdf_byte_for_byte(builds: Builds) -> None:
    assert builds.again.pdfs == builds.cold.pdfs  # same bytes, not even written again
    assert builds.edited.pdfs[UNTOUCHED] == builds.cold.pdfs[UNTOUCHED]
    assert "2 PDF(s) up to date" in builds.again.stderr


def test_an_edited_briefing_is_rendered_again(builds: Builds) -> None:
    new_bytes, _ = builds.edited.pdfs[EDITED]
    assert new_bytes != builds.cold.pdfs[EDITED][0]
    assert f"wrote build/pdf/{EDITED}.pdf" in builds.edited.stderr
    assert f"wrote build/pdf/{UNTOUCHED}.pdf" not in builds.edited.stderr


def test_site_is_not_rebuilt_when_nothing_changed(builds: Builds) -> None:
    assert "the subscriber site is up to date" in builds.again.stderr
    assert builds.again.site_inode == builds.cold.site_inode


def test_site_is_rebuilt_when_a_briefing_changed(builds: Builds) -> None:
    assert "wrote site/" in builds.edited.stderr
    page = builds.project / "site" / "briefings" / EDITED / "index.html"
    assert "Section one" in page.read_text(encoding="utf-8")


def test_the_site_built_while_a_pdf_renders_is_the_one_built_after_it(builds: Builds) -> None:
    """The edited build made its site while the PDF rendered: file for file, byte for byte,
    it is the site made now from the PDFs as they are, the new PDF included."""
    site = builds.project / "site"
    alongside = site_files(site)
    assert alongside[f"pdf/{EDITED}.pdf"] == builds.edited.pdfs[EDITED][0]
    catalogue = Project(builds.project).load()
    build_site(Project(builds.project), Edition.subscriber, catalogue)
    assert site_files(site) == alongside


def test_a_pdf_whose_pages_change_is_told_as_it_now_is_without_a_second_site_build(
    tmp_path: Path,
) -> None:
    """What the page says of a PDF (its pages, its size) is only known once it is rendered:
    the site is made while it renders, and says what holds once it is written."""
    project = generate(tmp_path, 1)
    build(project, "build")
    source = project / "briefings" / f"{EDITED}.yaml"
    page = project / "site" / "briefings" / EDITED / "index.html"
    before = facts_line(page)
    longer = "\n\n".join(["A paragraph that makes the briefing longer. " * 12] * 40)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["sections"][0]["body"] += "\n\n" + longer
    source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reported: list[Path] = []
    catalogue = Project(project).load()
    built = build_edition(
        Project(project), catalogue, Edition.subscriber, 2, lambda _, files: reported.extend(files)
    )
    assert not built.site_rebuilt
    assert reported == [project / "build" / "pdf" / f"{EDITED}.pdf"]
    after = facts_line(page)
    assert after != before
    pdf = reported[0]
    assert after == f"PDF, {round(pdf.stat().st_size / 1000)} KB, {len(PdfReader(pdf).pages)} pages"


def test_a_first_build_makes_its_site_once_while_the_pdfs_render(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With no PDF there yet, the site is made while they render, saying of each what holds
    once it is written: the site a build after them makes, file for file."""
    project = generate(tmp_path, 2)
    catalogue = Project(project).load()
    events: list[str] = []

    class Made(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "page(s) made" in record.getMessage():
                events.append("site made")

    made = Made()
    logging.getLogger("mkdocs.plugins").addHandler(made)
    try:
        with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins"):
            built = build_edition(
                Project(project),
                catalogue,
                Edition.subscriber,
                2,
                lambda _, files: events.append(f"{len(files)} PDFs written"),
            )
    finally:
        logging.getLogger("mkdocs.plugins").removeHandler(made)
    assert events == ["site made", "2 PDFs written"]
    assert not built.site_rebuilt
    site = project / "site"
    pdf = project / "build" / "pdf" / f"{EDITED}.pdf"
    assert facts_line(site / "briefings" / EDITED / "index.html").endswith(
        f", {len(PdfReader(pdf).pages)} pages"
    )
    alongside = site_files(site)
    assert alongside[f"pdf/{EDITED}.pdf"] == pdf.read_bytes()
    assert not any(b"<!-- the facts of" in content for content in alongside.values())
    build_site(Project(project), Edition.subscriber, catalogue)
    assert site_files(site) == alongside


def test_a_pdf_the_site_cannot_read_once_written_is_not_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PDF written but not one a viewer can open (as the site reads it) is not offered:
    the site made while it rendered is made again without it."""
    project = generate(tmp_path, 1)
    monkeypatch.setattr(downloads, "pdf_facts", lambda path, kept=None: None)
    catalogue = Project(project).load()
    built = build_edition(Project(project), catalogue, Edition.subscriber, 2, lambda *_: None)
    assert built.site_rebuilt
    page = (project / "site" / "briefings" / EDITED / "index.html").read_text(encoding="utf-8")
    assert "PDF not built yet." in page
    assert "the facts of" not in page


def facts_line(page: Path) -> str:
    found = re.search(r'insight-download-facts"[^>]*>([^<]+)<', page.read_text(encoding="utf-8"))
    assert found, page
    return found[1]


def test_published_pdfs_are_readable_by_everyone(builds: Builds) -> None:
    for path in (builds.project / "build" / "pdf").glob("*.pdf"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


def test_jobs_two_renders_the_same_bytes_as_one(tmp_path: Path) -> None:
    # One folder for both: WeasyPrint names embedded images after their absolute paths.
    project = generate(tmp_path, 2)
    pdf_folder = project / "build" / "pdf"
    rendered = {}
    for jobs in ("2", "1"):
        shutil.rmtree(project / "build", ignore_errors=True)
        build(project, "pdf", "--jobs", jobs)
        rendered[jobs] = {path.name: path.read_bytes() for path in pdf_folder.glob("*.pdf")}
    assert len(rendered["1"]) == 2
    assert rendered["2"] == rendered["1"]


BAR = """
import time
from insight.progress import progress_bar
with progress_bar(2, "Rendering PDFs") as advance:
    for _ in range(2):
        time.sleep(0.2)
        advance()
"""


def at_a_terminal(**environment: str) -> str:
    """What a run of the bar writes to stderr when stderr is a terminal."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"} | environment
    process = subprocess.Popen([sys.executable, "-c", BAR], stderr=follower, env=env)
    os.close(follower)
    written = b""
    with contextlib.suppress(OSError):  # the terminal closes when the process ends
        while chunk := os.read(leader, 4096):
            written += chunk
    process.wait(timeout=30)
    os.close(leader)
    return written.decode(errors="replace")


def test_the_progress_bar_is_drawn_at_a_terminal_and_never_in_ci() -> None:
    assert "Rendering PDFs" in at_a_terminal()
    for ci in ("true", "1"):
        assert at_a_terminal(CI=ci) == ""
    # Sent to a file, as a CI log is, even with no CI variable.
    result = subprocess.run([sys.executable, "-c", BAR], capture_output=True, text=True)
    assert result.stderr == ""


def test_the_site_key_follows_docs_wherever_the_configuration_puts_them(tmp_path: Path) -> None:
    """A project whose mkdocs.yml inherits another and keeps its docs elsewhere: an edit to
    either, or to a page of those docs, makes the site out of date."""
    docs = tmp_path / "elsewhere" / "docs"
    shutil.copytree(ROOT / "docs", docs)
    project = tmp_path / "project"
    (project / "briefings").mkdir(parents=True)
    (project / "mkdocs.yml").write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {docs}\n")
    key = site_key(Project(project), Edition.subscriber)
    (docs / "about.md").write_text((docs / "about.md").read_text() + "\nOne more line.\n")
    assert site_key(Project(project), Edition.subscriber) != key


def test_a_print_key_follows_the_html_the_colours_its_images_and_what_every_pdf_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (images / "chart.png").write_bytes(b"one")
    html = '<p>Text</p><img src="images/chart.png" alt="A chart">'
    key = print_key(html, images, OURS)
    assert print_key(html, images, OURS) == key
    assert print_key(html.replace("Text", "Texts"), images, OURS) != key
    recoloured = tuple((name, "#123456" if name == "brand" else v) for name, v in OURS)
    assert print_key(html, images, recoloured) != key
    (images / "chart.png").write_bytes(b"two")
    assert print_key(html, images, OURS) != key
    (images / "chart.png").write_bytes(b"one")
    # The shipped assets (fonts, logo) are read once per process, for every document alike.
    assets = shutil.copytree(ASSETS, tmp_path / "assets")
    monkeypatch.setattr(pdf_key, "ASSETS", assets)
    monkeypatch.setattr(pdf_key, "renderer", functools.cache(pdf_key.renderer.__wrapped__))
    assert print_key(html, images, OURS) == key
    font = next((assets / "fonts").glob("*.woff2"))
    font.write_bytes(font.read_bytes() + b"\0")
    pdf_key.renderer.cache_clear()
    assert print_key(html, images, OURS) != key


def test_a_file_changed_in_the_last_second_is_not_told_apart_by_its_times(tmp_path: Path) -> None:
    # Two writes within one tick of the clock leave the same times: what was read from a file
    # is kept by them only once it has settled.
    kept = tmp_path / "chart.png"
    kept.write_bytes(b"one")
    assert file_identity(kept) is None
    time.sleep(1.1)
    settled = file_identity(kept)
    assert settled is not None and file_identity(kept) == settled
    kept.write_bytes(b"two")
    assert file_identity(kept) is None
    assert file_identity(tmp_path / "missing.png") is None


def blank_pdf(path: Path, pages: int) -> Path:
    with pikepdf.new() as pdf:
        for _ in range(pages):
            pdf.add_blank_page()
        pdf.save(path)
    return path


def test_the_facts_of_a_pdf_are_kept_while_it_is_the_same_file(tmp_path: Path) -> None:
    # Read without the process's own memory of them, as the next build reads them.
    facts = downloads.pdf_facts.__wrapped__
    kept = tmp_path / "cache"
    pdf = blank_pdf(tmp_path / "a.pdf", 3)
    assert facts(pdf, kept).pages == 3
    assert list(kept.glob("*")) == []  # written in the last second: not told apart yet
    time.sleep(1.1)
    assert facts(pdf, kept).pages == 3
    [entry] = kept.glob("*.facts.json")
    stored = json.loads(entry.read_bytes())
    entry.write_text(json.dumps({**stored, "value": ["PDF", "1 KB", 99]}), encoding="utf-8")
    assert facts(pdf, kept).pages == 99  # what was kept, not the file, was read
    entry.write_text(json.dumps({**stored, "value": ["PDF", "1 KB", "99"]}), encoding="utf-8")
    assert facts(pdf, kept).pages == 3  # a damaged entry is read again from the file
    blank_pdf(pdf, 5)
    assert facts(pdf, kept).pages == 5
    time.sleep(1.1)
    assert facts(pdf, kept).pages == 5  # another file, whatever was kept of the first
    pdf.write_bytes(b"no PDF")
    time.sleep(1.1)
    assert facts(pdf, kept) is None
    assert facts(pdf, None) is None


def test_a_source_that_spells_the_mark_for_a_pdf_facts_keeps_its_text(tmp_path: Path) -> None:
    """What an editor writes is escaped, so it never reads as the mark that the facts of a
    PDF being rendered fill in."""
    project = generate(tmp_path, 1)
    source = project / "briefings" / f"{EDITED}.yaml"
    spelt = f"<!-- the facts of pdf/{EDITED}.pdf -->"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["title"] += " " + spelt
    data["summary"] += "\n\n" + spelt
    source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build(project, "build")
    page = (project / "site" / "briefings" / EDITED / "index.html").read_text(encoding="utf-8")
    assert "&lt;!-- the facts of" in page
    assert spelt not in page
    assert len(re.findall(r"PDF, \d+ KB, \d+ pages", page)) == 1


def test_a_page_reused_from_the_store_is_filled_in_without_changing_the_store(
    tmp_path: Path,
) -> None:
    """The page kept from a build that rendered its PDF holds the mark; reused when that PDF
    is rendered again (here: deleted), its facts go in a file of its own, not through the
    store's file it is a second name of."""
    project = generate(tmp_path, 1)
    build(project, "build")
    store = project / "build" / ".cache" / "pages-subscriber"
    marked = [p for p in store.iterdir() if b"<!-- the facts of" in p.read_bytes()]
    assert len(marked) == 1
    kept = marked[0].read_bytes()
    (project / "build" / "pdf" / f"{EDITED}.pdf").unlink()
    build(project, "build")
    assert marked[0].read_bytes() == kept
    page = project / "site" / "briefings" / EDITED / "index.html"
    assert page.stat().st_ino != marked[0].stat().st_ino
    pdf = project / "build" / "pdf" / f"{EDITED}.pdf"
    assert facts_line(page) == (
        f"PDF, {round(pdf.stat().st_size / 1000)} KB, {len(PdfReader(pdf).pages)} pages"
    )


def test_the_build_after_a_first_build_makes_again_only_the_pages_that_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A first build offers its PDFs before they are written, in the order it offers them
    once they are: the next build's pages have the same files to link to. Made again: the
    edited briefing's page, and the other's, which now states its PDF's facts itself."""
    project = generate(tmp_path, 2)
    catalogue = Project(project).load()
    build_edition(Project(project), catalogue, Edition.subscriber, 2, lambda *_: None)
    source = project / "briefings" / f"{UNTOUCHED}.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("Section 1:", "Section one:", 1), encoding="utf-8")
    catalogue = Project(project).load()
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins"):
        build_edition(Project(project), catalogue, Edition.subscriber, 2, lambda *_: None)
    made = [r.getMessage() for r in caplog.records if "page(s) made" in r.getMessage()]
    assert len(made) == 1
    assert made[0].split(": ")[-1].startswith("2 page(s) made"), made
