"""Build an edition: its downloads and, while they render, its site.

The site offers each download with its size and pages, so it is made from the
downloads; but waiting for them before starting the site leaves a core idle while
the last documents render (and, after a one-line edit, while the only one does).
So the site is built from the downloads as they were, while the new ones render in
worker processes; before it is published, each new file replaces the old one in it.
Only when what a reader is told of a file changed (its pages, or its size in the
units shown) is the site built again, now that the file is there. A download that is
not there yet (a first build, a new briefing) is sure to change it, so then the site
waits for the downloads instead of being built twice.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from insight.edition import Edition
from insight.faults import during
from insight.outputs import Download, Rendering, downloads_of
from insight.project import Project

if TYPE_CHECKING:
    from insight.catalogue import Catalogue


@dataclass
class Built:
    written: dict[str, list[Path]] = field(default_factory=dict)
    """Download name -> the files written."""
    site: Path | None = None
    """The site's folder, or None when it was up to date."""
    site_rebuilt: bool = False
    """Whether a download changed what the site says of it, so the site was built twice."""


def build_edition(
    project: Project,
    catalogue: Catalogue,
    edition: Edition,
    jobs: int | None,
    report: Callable[[Download, list[Path]], None],
) -> Built:
    """Render the edition's downloads that are out of date and build its site, unless that is
    up to date; `report(download, written)` as each format is done."""
    built = Built()
    with ExitStack() as rendering:
        started: list[tuple[Download, Rendering]] = []
        for download in downloads_of(edition):
            with during(f"rendering the {download.name}s"):
                context = download.start(project, catalogue, None, jobs, True)
                started.append((download, rendering.enter_context(context)))
        # The site's code (MkDocs) is imported once the downloads are under way: after an
        # edit, the one PDF is then being laid out while it loads.
        from insight.site.publish import build_site
        from insight.site.siteurl import ENVIRONMENT
        from insight.sitestamp import build_site_if_changed

        pending = {path: download for download, files in started for path in files.pending}
        # What the site will say of each, read before the site reads it.
        told = {path: facts_of(download, path) for path, download in pending.items()}

        def finish() -> None:
            for download, files in started:
                with during(f"rendering the {download.name}s"):
                    built.written[download.name] = files.finish()
                report(download, built.written[download.name])

        def settle(fresh: Path) -> bool:
            """Wait for the downloads and put each new one in the site `fresh`; False when
            the site says something of one that no longer holds."""
            finish()
            if any(facts_of(download, path) != told[path] for path, download in pending.items()):
                built.site_rebuilt = True
                return False
            for path, download in pending.items():
                briefing_id = path.name.removesuffix(download.suffix)
                shutil.copyfile(path, fresh / download.site_path(briefing_id))
            return True

        alongside = bool(pending) and None not in told.values()
        if not alongside:
            finish()
        built.site = build_site_if_changed(
            project,
            edition,
            lambda project, edition: build_site(
                project, edition, catalogue, settle=settle if alongside else None
            ),
            # What else the site depends on: the time (which briefings are out) and its address.
            context=(*catalogue.by_id, *catalogue.embargoed, os.environ.get(ENVIRONMENT, "")),
            rendering=alongside,
        )
    return built


def facts_of(download: Download, path: Path) -> object:
    return download.facts(path) if path.is_file() else None
