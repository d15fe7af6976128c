"""A site build makes again only the pages an edit changed, reusing the rest from the last
build, and publishes the site a full build makes: every page, the search index and the
check of links to anchors."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import Abort

from bench.generate import generate
from insight.edition import Edition
from insight.incremental import installed
from insight.preview import builder
from insight.project import Project
from insight.site.pages import briefing_uri
from insight.site.publish import build_site
from insight.site.reuse import spelled
from insight.sitestamp import build_site_if_changed
from tests.conftest import ROOT, mkdocs_build, run_build
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


def store_of(project: Path) -> Path:
    return Project(project).cache_dir / f"pages-{Edition.subscriber}"


def full_build(project: Path) -> dict[str, bytes]:
    """The site built with nothing to reuse."""
    shutil.rmtree(store_of(project))
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
    add_anchor_link(project)
    rebuilt(project, caplog)
    manifest = store_of(project) / "pages.json"
    stored = manifest.read_bytes()
    edit(project, lambda data: data["sections"].pop())
    with pytest.raises(Abort, match="strict mode"):
        rebuilt(project, caplog)
    assert "does not contain an anchor '#section-5'" in caplog.text
    assert manifest.read_bytes() == stored


def test_a_damaged_page_in_the_store_is_made_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_of(project)
    page = store / json.loads((store / "pages.json").read_text())["pages"]["about.md"]["output"]
    page.write_bytes(page.read_bytes().replace(b"<body", b"<body data-tampered"))
    files, made, _ = rebuilt(project, caplog)
    assert made == 1
    assert all(b"data-tampered" not in content for content in files.values())
    # ...and stored again as it is now, so that the next build reuses it.
    assert rebuilt(project, caplog)[1] == 0
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


def planted_project(tmp_path: Path, folder: str = "build") -> Path:
    """A project in git whose last commit brought a page store under `folder`."""
    project = generate(tmp_path / "project", 1)
    planted = project / folder / ".cache" / f"pages-{Edition.subscriber}" / "pages.json"
    planted.parent.mkdir(parents=True)
    planted.write_text('{"pages": {}}')
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "add", "-f", folder)
    git(project, "commit", "-q", "-m", "A commit that brings build outputs")
    return project


REFUSED = (
    ".cache/pages-subscriber/pages.json:1:1: error: is tracked by git,"
    " but build/ holds only what the build makes"
    " (remove it from the repository: git rm -r --cached build)"
)


def test_a_build_refuses_outputs_that_arrive_in_a_commit(tmp_path: Path) -> None:
    """A store, a stamp or a PDF committed under build/ could have a build publish what no
    source says: the build names each such file and stops, and nothing is published."""
    project = planted_project(tmp_path)
    result = run_build(project)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"build/{REFUSED}", "1 error(s) in 1 file(s)."]
    assert not (project / "site").exists()


def test_check_refuses_outputs_that_arrive_in_a_commit(tmp_path: Path) -> None:
    """pandoc's answers kept in a committed cache could pass a text that `build` refuses."""
    project = planted_project(tmp_path)
    command = [sys.executable, str(ROOT / "build.py"), "--root", str(project), "check"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"build/{REFUSED}"


def test_outputs_in_a_commit_are_refused_whatever_git_is_told(tmp_path: Path) -> None:
    """Another index or repository named in the environment, as a hook has, and a folder
    named in other letters, which some file systems take for build/, are refused too."""
    project = planted_project(tmp_path, "Build")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q")
    env = {**os.environ, "GIT_DIR": str(elsewhere / ".git"), "GIT_INDEX_FILE": "/dev/null"}
    command = [sys.executable, str(ROOT / "build.py"), "--root", str(project), "build"]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"Build/{REFUSED}"


def test_a_plain_mkdocs_build_refuses_outputs_that_arrive_in_a_commit(tmp_path: Path) -> None:
    project = planted_project(tmp_path)
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert f"build/{REFUSED}" in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def add_anchor_link(project: Path) -> None:
    """docs/about.md links to the last section of the edited briefing."""
    about = project / "docs" / "about.md"
    target = f"{briefing_uri(EDITED).removeprefix('docs/')}#section-5"
    about.write_text(about.read_text() + f"\n[The last section]({target})\n", encoding="utf-8")


def test_pages_made_while_mkdocs_logged_at_debug_do_not_skip_the_anchor_check(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """MkDocs does not record links to anchors when its pages log at DEBUG: a page made so is
    not reused by a build that checks them."""
    add_anchor_link(project)
    pages = logging.getLogger("mkdocs.structure.pages")
    level = pages.level
    pages.setLevel(logging.DEBUG)
    try:
        build_site(Project(project), Edition.subscriber)
    finally:
        pages.setLevel(level)
    edit(project, lambda data: data["sections"].pop())
    with pytest.raises(Abort, match="strict mode"):
        rebuilt(project, caplog)
    assert "does not contain an anchor '#section-5'" in caplog.text


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda page: page.update(anchors=5), id="anchors not a list"),
        pytest.param(lambda page: page.update(links=[]), id="links not a mapping"),
        pytest.param(lambda page: page.update(output="../pages.json"), id="output a path"),
        pytest.param(lambda page: page.clear(), id="an empty entry"),
    ],
)
def test_a_damaged_manifest_entry_makes_its_page_again(
    project: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[dict], None]
) -> None:
    manifest = store_of(project) / "pages.json"
    stored = json.loads(manifest.read_text())
    damage(stored["pages"]["about.md"])
    manifest.write_text(json.dumps(stored))
    files, made, _ = rebuilt(project, caplog)
    assert made == 1
    assert files == full_build(project)


def test_a_damaged_search_index_in_the_store_makes_every_page_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The entries of the pages reused come from the index the last build wrote, kept whole."""
    store = store_of(project)
    index = store / json.loads((store / "pages.json").read_text())["index"]
    index.write_bytes(index.read_bytes().replace(b'"docs":[', b'"docs":[{"location":"x"},'))
    files, _, reused = rebuilt(project, caplog)
    assert reused == 0
    assert files == full_build(project)


def test_a_manifest_that_cannot_be_read_makes_every_page_again(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manifest = store_of(project) / "pages.json"
    manifest.unlink()
    manifest.mkdir()
    files, _, reused = rebuilt(project, caplog)
    assert reused == 0
    assert files == full_build(project)


def preview(project: Path, caplog: pytest.LogCaptureFixture, site: Path) -> str:
    """One build of the preview server's site; what it logged."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="mkdocs"):
        builder(Project(project), Edition.subscriber, site, "http://127.0.0.1:8000/")()
    return caplog.text


def test_the_preview_warns_of_a_broken_link_at_every_build(
    project: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A page that warned is made again at the next build, and warns again."""
    about = project / "docs" / "about.md"
    about.write_text(about.read_text() + "\n[Gone](missing.md)\n", encoding="utf-8")
    warning = "contains a link 'missing.md', but the target is not found"
    assert warning in preview(project, caplog, tmp_path / "site")
    edit(project, lambda data: data.update(summary=data["summary"] + " One sentence more."))
    logged = preview(project, caplog, tmp_path / "site")
    assert warning in logged
    assert COUNTS.search(logged)


def test_a_draft_in_the_preview_stays_in_its_search_index(
    project: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Drafts are made only for the preview; the index it reuses still lists them."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "\ndraft_docs: |\n  drafts/\n")
    (project / "docs" / "drafts").mkdir()
    (project / "docs" / "drafts" / "wip.md").write_text("# Work in progress\n\nA draft.\n")
    site = tmp_path / "site"
    preview(project, caplog, site)
    edit(project, lambda data: data.update(summary=data["summary"] + " One sentence more."))
    assert COUNTS.search(preview(project, caplog, site))
    index = json.loads((site / "search" / "search_index.json").read_text())
    assert "drafts/wip/" in {entry["location"] for entry in index["docs"]}


def previewing(project: Path, site: Path) -> Callable[[], None]:
    """The preview server's builder of `site`, once it has built it a first time."""
    rebuild = builder(Project(project), Edition.subscriber, site, "http://127.0.0.1:8000/")
    rebuild()
    return rebuild


def assert_built_as_afresh(project: Path, site: Path, fresh: Path) -> None:
    """`site` holds what the preview builds of `project` into the empty folder `fresh`."""
    previewing(project, fresh)
    assert site_files(site) == site_files(fresh)
    assert folders(site) == folders(fresh)


def folders(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir()}


def test_a_preview_rebuilds_into_its_site_the_one_an_empty_folder_gets(
    project: Path, tmp_path: Path
) -> None:
    """The server rebuilds into the folder it serves: the pages of a briefing gone go
    with their folders, and the theme's files stay as they were copied."""
    site = tmp_path / "site"
    rebuild = previewing(project, site)
    [theme_file] = (site / "assets" / "javascripts").glob("bundle.*.min.js")
    copied = theme_file.stat()
    (project / "briefings" / "synthetic-briefing-003.yaml").unlink()
    edit(project, lambda data: data.update(summary=data["summary"] + " One sentence more."))
    rebuild()
    assert_built_as_afresh(project, site, tmp_path / "fresh")
    assert not (site / "briefings" / "synthetic-briefing-003").exists()
    assert (theme_file.stat().st_ino, theme_file.stat().st_mtime_ns) == (
        copied.st_ino,
        copied.st_mtime_ns,
    )


@pytest.mark.parametrize("folder", ["docs", "overrides"])
def test_a_file_moved_in_over_a_theme_file_is_what_the_preview_serves(
    project: Path, tmp_path: Path, folder: str
) -> None:
    """Moved in, a file keeps its time, older than the theme's copy in the site: into
    docs/, or into a theme folder of the project's own (custom_dir)."""
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "  name: material\n", "  name: material\n  custom_dir: overrides\n"
        )
    )
    (project / "overrides").mkdir()
    site = tmp_path / "site"
    rebuild = previewing(project, site)
    ours = project / folder / "assets" / "images" / "favicon.png"
    ours.parent.mkdir(parents=True, exist_ok=True)
    ours.write_bytes(b"\x89PNG our own icon")
    os.utime(ours, (946684800, 946684800))  # 2000-01-01
    rebuild()
    assert (site / "assets" / "images" / "favicon.png").read_bytes() == ours.read_bytes()


def test_a_theme_file_a_hook_leaves_out_leaves_the_preview_too(
    project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    rebuild = previewing(project, site)
    assert any((site / "assets" / "javascripts" / "lunr").iterdir())
    (project / "no_lunr.py").write_text(
        "from mkdocs.structure.files import Files\n\n\n"
        "def on_files(files, config):\n"
        "    return Files([f for f in files if 'lunr' not in f.src_uri])\n"
    )
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "\nhooks:\n  - no_lunr.py\n")
    rebuild()
    assert not (site / "assets" / "javascripts" / "lunr").exists()
    assert_built_as_afresh(project, site, tmp_path / "fresh")


def test_after_a_failed_preview_the_next_build_is_whole_again(
    project: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    rebuild = previewing(project, site)
    source = project / "briefings" / f"{EDITED}.yaml"
    whole = source.read_text(encoding="utf-8")
    source.write_text(whole.replace("title:", "titel:", 1), encoding="utf-8")
    rebuild()
    assert "problem(s) to fix" in (site / "index.html").read_text(encoding="utf-8")
    source.write_text(whole, encoding="utf-8")
    rebuild()
    assert_built_as_afresh(project, site, tmp_path / "fresh")


def test_code_named_in_the_configuration_is_known_by_its_source(tmp_path: Path) -> None:
    """A formatter named with !!python/name: in mkdocs.yml is part of every page's key, by
    its name and the file it is in, so that changing it makes the pages again."""
    module = tmp_path / "fence_format.py"

    def spelled_now() -> object:
        spec = importlib.util.spec_from_file_location("fence_format", module)
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return spelled(loaded.render)

    module.write_text("def render(*args):\n    return '<pre>one</pre>'\n")
    before = spelled_now()
    module.write_text("def render(*args):\n    return '<pre>two</pre>'\n")
    assert spelled_now() != before


def test_every_installed_package_is_in_the_key_of_every_page() -> None:
    """The theme's templates reach a page through more packages than one could list."""
    names = {entry.split("==")[0].lower() for entry in installed()}
    assert {"mkdocs", "mkdocs-material", "jinja2", "markupsafe", "pyyaml", "markdown"} <= names


def test_a_rebrand_of_the_project_builds_its_site_again(tmp_path: Path) -> None:
    """The project's own brand.yaml and templates are among what its site is made from."""
    project = Project(generate(tmp_path / "project", 1))
    assert build_site_if_changed(project, Edition.subscriber, build_site) is not None
    assert build_site_if_changed(project, Edition.subscriber, build_site) is None
    (project.root / "brand.yaml").write_text('colours:\n  primary: "#5c1a33"\n')
    site = build_site_if_changed(project, Edition.subscriber, build_site)
    assert site is not None
    assert "--insight-ink: #5c1a33;" in (site / "assets" / "insight" / "insight.css").read_text()
    override = project.root / "templates" / "site" / "catalogue.md"
    override.parent.mkdir(parents=True)
    override.write_text("# Our briefings\n")
    site = build_site_if_changed(project, Edition.subscriber, build_site)
    assert site is not None
    assert "Our briefings" in (site / "briefings" / "index.html").read_text()
