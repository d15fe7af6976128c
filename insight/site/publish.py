"""Build the subscriber site as `python build.py build` does: strictly, and all or nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

from insight.project import Project


def build_site(project: Project) -> Path:
    """Build the site from the project's mkdocs.yml into its site folder, and return that folder.

    The build goes to a temporary folder beside it that replaces the site only once
    the build has succeeded, so a failed build leaves the previous site as it was.
    """
    config_file = project.root / "mkdocs.yml"
    site_dir = Path(load_config(config_file=str(config_file)).site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))
    fresh.chmod(0o755)  # mkdtemp makes it private; a site is for a web server to read
    try:
        build(load_config(config_file=str(config_file), site_dir=str(fresh), strict=True))
    except BaseException:
        shutil.rmtree(fresh)
        raise
    swap(fresh, site_dir)
    return site_dir


def swap(fresh: Path, site_dir: Path) -> None:
    """Put `fresh` where `site_dir` is, and remove the old site."""
    if not site_dir.exists():
        fresh.rename(site_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
    site_dir.rename(old / site_dir.name)
    fresh.rename(site_dir)
    shutil.rmtree(old)
