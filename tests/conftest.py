"""Shared fixtures: the real subscriber site, built once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from insight.catalogue import Catalogue
from insight.project import Project

ROOT = Path(__file__).resolve().parent.parent


def mkdocs_build(config_file: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build --strict` as an editor would, returning what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config_file),
         "--site-dir", str(site_dir)],
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
