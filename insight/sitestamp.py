"""Build a site edition only when something it is made from has changed.

MkDocs rebuilds every page each time, which is most of a warm build's time; when
neither the sources, the docs, the configuration, our code nor a PDF has changed,
the site it would make is the one already there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from insight.edition import Edition
from insight.incremental import digest, file_parts, tree_files, versions, write_atomically
from insight.project import PACKAGE, Project

# The packages whose output is in the site; other dependencies only reach it through these.
SITE_TOOLS = ("mkdocs", "mkdocs-material", "pymdown-extensions", "Markdown", "Pygments")


def build_site_if_changed(
    project: Project, edition: Edition, build: Callable[[Project, Edition], Path]
) -> Path | None:
    """Run `build` for `edition` unless its inputs are those of its last build and that site is
    still there; return the folder `build` returned, or None when the site was up to date."""
    stored = project.cache_dir / f"site-{edition}.json"
    key = site_key(project, edition)
    if stored.is_file():
        last = json.loads(stored.read_text(encoding="utf-8"))
        if last["key"] == key and Path(last["site"]).is_dir():
            return None
    stored.unlink(missing_ok=True)  # a build that fails half-way must not count as current
    site = build(project, edition)
    write_atomically(stored, json.dumps({"key": key, "site": str(site.resolve())}).encode())
    return site


def site_key(project: Project, edition: Edition) -> str:
    """A digest of the edition, the configuration, docs, briefing sources and images, the package
    (plugin code, templates, assets), the site tools' versions, and the keys of the built PDFs."""
    root = project.root
    files = [
        root / "mkdocs.yml",
        *tree_files(root / "docs"),
        *tree_files(project.briefings),
        *tree_files(project.cache_dir / "pdf"),
    ]
    return digest(
        [
            edition,
            *versions(*SITE_TOOLS),
            *file_parts([f for f in files if f.is_file()], root),
            *file_parts(tree_files(PACKAGE), PACKAGE),
        ]
    )
