"""Build a site edition as `python build.py build` does: strictly, and all or nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.project import Project
from insight.site.plugin import InsightPlugin


def build_site(
    project: Project, edition: Edition = Edition.subscriber, catalogue: Catalogue | None = None
) -> Path:
    """Build `edition` from the project's mkdocs.yml into its folder, and return that folder.

    Given the `catalogue` the caller has already loaded, the plugin uses it instead of
    reading and validating every source again.

    The build goes to a temporary folder beside it that replaces the site only once
    the build has succeeded, so a failed build leaves the previous site as it was.
    """
    config_file = str(project.root / "mkdocs.yml")
    site_dir = edition_site_dir(Path(load_config(config_file=config_file).site_dir), edition)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))
    fresh.chmod(0o755)  # mkdtemp makes it private; a site is for a web server to read
    try:
        config = load_config(config_file=config_file, site_dir=str(fresh), strict=True)
        build(configured(config, edition, catalogue))
    except BaseException:
        shutil.rmtree(fresh)
        raise
    swap(fresh, site_dir)
    return site_dir


def edition_site_dir(site_dir: Path, edition: Edition) -> Path:
    """Where an edition goes: the subscriber edition where mkdocs.yml says (as `mkdocs build`
    puts it), the public one beside it, e.g. site-public/, so neither can overwrite the other."""
    return (
        site_dir if edition is Edition.subscriber else site_dir.with_name(f"{site_dir.name}-public")
    )


def configured(config: MkDocsConfig, edition: Edition, catalogue: Catalogue | None) -> MkDocsConfig:
    """`config` with the insight plugin set to build `edition`, whatever mkdocs.yml says,
    from `catalogue` when one is given."""
    [plugin] = [p for p in config.plugins.values() if isinstance(p, InsightPlugin)]
    plugin.config.edition = edition.value
    plugin.given = catalogue
    return config


def swap(fresh: Path, site_dir: Path) -> None:
    """Put `fresh` where `site_dir` is, and remove the old site."""
    if not site_dir.exists():
        fresh.rename(site_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
    site_dir.rename(old / site_dir.name)
    fresh.rename(site_dir)
    shutil.rmtree(old)
