"""Shared fixtures: the real subscriber site, and both editions of tests/fixtures/editions/,
each built once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from insight.catalogue import Catalogue
from insight.project import Project

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ROOT / "tests" / "fixtures" / "editions" / "project"


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


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from the real sources and docs, by the real `mkdocs build --strict`."""
    site_dir = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT / "mkdocs.yml", site_dir)
    assert result.returncode == 0, result.stderr
    return site_dir


@dataclass(frozen=True)
class Built:
    project: Path
    site: Path


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
