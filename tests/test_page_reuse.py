"""A site build makes again only the pages an edit changed, reusing the rest from the last
build, and publishes the site a full build makes: every page, the search index and the
check of links to anchors."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import Abort

from bench.generate import generate
from insight.edition import Edition
from insight.project import Project
from insight.site.pages import briefing_uri
from insight.site.publish import build_site
from tests.conftest import run_build
from tests.support import git, site_files

EDITED = "synthetic-briefing-001"
COUNTS = re.compile(r"(\d+) page\(s\) made, (\d+) reused from the last build")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small generated catalogue, built once: its store holds every page."""
    project = generate(tmp_path / "project", 3)
    build_site(Project(project), Edition.subscriber)
    return project


def rebuilt(project: Path, caplog: pytest.LogCaptureFixture) -> tuple[dict[str, bytes], int, int]:
    """Build the site again: its files, and how many pages were made and reused."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins"):
        site = build_site(Project(project), Edition.subscriber)
    [(made, reused)] = [m.groups() for r in caplog.records if (m := COUNTS.search(r.message))]
    return site_files(site), int(made), int(reused)


def full_build(project: Path) -> dict[str, bytes]:
    """The site built with nothing to reuse."""
    shutil.rmtree(Project(project).cache_dir / f"pages-{Edition.subscriber}")
    return site_files(build_site(Project(project), Edition.subscriber))


def edit(project: Path, change: Callable[[dict], None], briefing: str = EDITED) -> None:
    source = project / "briefings" / f"{briefing}.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_unchanged_site_reuses_every_page(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files, made, reused = rebuilt(project, caplog)
    assert (made, reused) == (0, sum(1 for name in files if name.endswith(".html")) - 1)
    assert files == full_build(project)


def test_an_edit_to_a_summary_makes_only_the_pages_that_show_it(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edit(project, lambda data: data.update(summary=data["summary"] + " One sentence more."))
    files, made, reused = rebuilt(project, caplog)
    # The briefing's page, and the list of briefings that quotes its summary.
    assert made == 2
    assert reused > 10 * made
    assert "One sentence more." in files["search/search_index.json"].decode()
    assert files == full_build(project)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data.update(title="A retitled briefing"), id="title in the nav"),
        pytest.param(lambda data: data["sections"].pop(), id="a section removed"),
        pytest.param(
            lambda data: data["case_studies"][0].update(organisation="Newtown Borough Council"),
            id="a case study moved to another organisation",
        ),
    ],
)
def test_the_site_after_an_edit_is_the_one_a_full_build_makes(
    project: Path, caplog: pytest.LogCaptureFixture, change: Callable[[dict], None]
) -> None:
    edit(project, change)
    files, _, _ = rebuilt(project, caplog)
    assert files == full_build(project)


def test_a_new_title_in_the_navigation_makes_every_page_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edit(project, lambda data: data.update(title="A retitled briefing"))
    _, made, reused = rebuilt(project, caplog)
    assert made > 0 and reused == 0


def test_a_link_from_a_reused_page_to_an_anchor_that_went_is_still_refused(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/about.md is not made again after a briefing changes, but MkDocs still checks its
    links to that briefing's anchors; and a build that failed leaves the store as it was."""
    about = project / "docs" / "about.md"
    target = f"{briefing_uri(EDITED).removeprefix('docs/')}#section-5"
    about.write_text(about.read_text() + f"\n[The last section]({target})\n", encoding="utf-8")
    rebuilt(project, caplog)
    manifest = Project(project).cache_dir / f"pages-{Edition.subscriber}" / "pages.json"
    stored = manifest.read_bytes()
    edit(project, lambda data: data["sections"].pop())
    with pytest.raises(Abort, match="strict mode"):
        rebuilt(project, caplog)
    assert "does not contain an anchor '#section-5'" in caplog.text
    assert manifest.read_bytes() == stored


def test_a_damaged_page_in_the_store_is_made_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Project(project).cache_dir / f"pages-{Edition.subscriber}"
    [page, *_] = sorted(p for p in store.iterdir() if p.name != "pages.json")
    page.write_bytes(page.read_bytes().replace(b"<body", b"<body data-tampered"))
    files, made, _ = rebuilt(project, caplog)
    assert made == 1
    assert all(b"data-tampered" not in content for content in files.values())
    assert files == full_build(project)


def test_an_extension_that_may_read_other_files_makes_every_page_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "markdown_extensions:\n", "markdown_extensions:\n  - pymdownx.snippets\n"
        )
    )
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins"):
        build_site(Project(project), Edition.subscriber)
    assert not COUNTS.search(caplog.text)


def test_a_build_refuses_outputs_that_arrive_in_a_commit(tmp_path: Path) -> None:
    """A store, a stamp or a PDF committed under build/ could have a build publish what no
    source says: the build names each such file and stops, and nothing is published."""
    project = generate(tmp_path / "project", 1)
    planted = project / "build" / ".cache" / f"pages-{Edition.subscriber}" / "pages.json"
    planted.parent.mkdir(parents=True)
    planted.write_text('{"pages": {}}')
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "add", "-f", "build")
    result = run_build(project)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"build/.cache/pages-{Edition.subscriber}/pages.json:1:1: error: is tracked by git,"
        " but build/ holds only what the build makes"
        " (remove it from the repository: git rm -r --cached build)",
        "1 error(s) in 1 file(s).",
    ]
    assert not (project / "site").exists()
