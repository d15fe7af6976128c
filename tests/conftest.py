"""Shared fixtures, each made once per test session: the repository's own content built by
`build.py build` (its PDFs and subscriber site), its site built by a plain `mkdocs build`,
both editions of tests/fixtures/editions/, and the every-feature fixture's PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from insight.catalogue import Catalogue, load_catalogue
from insight.pdf.jobs import render_pdf
from insight.project import Project

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ROOT / "tests" / "fixtures" / "editions" / "project"
EVERY_FEATURE = ROOT / "tests" / "fixtures" / "pdf" / "every-feature.yaml"


@dataclass(frozen=True)
class Built:
    project: Path
    site: Path


def mkdocs_build(config_file: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` as an editor would, returning what it printed."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config_file),
            "--site-dir",
            str(site_dir),
        ],
        cwd=config_file.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Project(ROOT).load()


def network_namespaces_work() -> bool:
    return shutil.which("unshare") is not None and (
        subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    )


def run_build(project: Path, *, offline: bool = False) -> subprocess.CompletedProcess[str]:
    """`build.py --root project build`, as an editor runs it; `offline`: in a network namespace
    of its own, which has no interface up, not even loopback."""
    prefix = ["unshare", "--net"] if offline else []
    command = [*prefix, sys.executable, str(ROOT / "build.py"), "--root", str(project), "build"]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    )


def copy_of_the_repository(folder: Path) -> Path:
    """The repository's content (sources, docs, configuration) in `folder`, unbuilt."""
    for name in ("briefings", "docs"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    return folder


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The repository's content built once, PDFs and subscriber site, with no network if a
    namespace can be made: what every test of the real PDFs reads."""
    project = copy_of_the_repository(tmp_path_factory.mktemp("real"))
    result = run_build(project, offline=network_namespaces_work())
    assert result.returncode == 0, result.stderr
    return Built(project, project / "site")


@pytest.fixture(scope="session")
def real_pdfs(real_build: Built, catalogue: Catalogue) -> dict[str, Path]:
    """Briefing id -> its PDF, as `build.py build` made it."""
    return {b.id: Project(real_build.project).pdf_dir / f"{b.id}.pdf" for b in catalogue.briefings}


@pytest.fixture(scope="session")
def every_feature_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, Path]:
    """The fixture with every piece of furniture (footnotes, an image, a long table), printed."""
    catalogue = load_catalogue([EVERY_FEATURE], EVERY_FEATURE.parent / "images", base=ROOT)
    [briefing] = catalogue.briefings
    path = tmp_path_factory.mktemp("every") / f"{briefing.id}.pdf"
    render_pdf(catalogue, briefing, path)
    return catalogue, path


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from the real sources and docs, by the real `mkdocs build --strict`."""
    site_dir = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT / "mkdocs.yml", site_dir)
    assert result.returncode == 0, result.stderr
    return site_dir


def build_edition(project: Path, *edition: str) -> None:
    """Run `build.py --root project build [--edition E]` as an editor would."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(project), "build", *edition],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """The fixture project built as the subscriber edition (PDFs and all), then as the public one."""
    project = tmp_path_factory.mktemp("editions") / "project"
    shutil.copytree(EDITIONS, project)
    (project / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    # Subscriber first, so that the PDFs exist when the public edition is built.
    build_edition(project)
    build_edition(project, "--edition", "public")
    return {
        "subscriber": Built(project, project / "site"),
        "public": Built(project, project / "site-public"),
    }
