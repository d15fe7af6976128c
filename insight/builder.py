"""Build an edition: its downloads and, while they render, its site.

The site offers each download with its size and pages, so it is made from the
downloads; but waiting for them before starting the site left a core idle while
the last documents rendered (and, after a one-line edit, while the only one did).
So the site is built while the downloads render in worker processes, with a mark
where a page will say what each new one is (see insight.site.downloads); before the
site is published, the marks are filled in from the files written, and each file
replaces the old one in it. Only a file that turns out not to be one a reader can
open, which the site must not offer, has the site built again.
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
    from insight.site.downloads import Facts


@dataclass
class Built:
    written: dict[str, list[Path]] = field(default_factory=dict)
    """Download name -> the files written."""
    site: Path | None = None
    """The site's folder, or None when it was up to date."""
    site_rebuilt: bool = False
    """Whether a download written was not one the site could offer, so the site was built
    again without it."""


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
        from insight.site.downloads import fill_in
        from insight.site.publish import build_site
        from insight.site.siteurl import ENVIRONMENT
        from insight.sitestamp import build_site_if_changed

        pending = {
            download.site_path(path.name.removesuffix(download.suffix)): (path, download)
            for download, files in started
            for path in files.pending
        }

        def finish() -> None:
            for download, files in started:
                with during(f"rendering the {download.name}s"):
                    built.written[download.name] = files.finish()
                report(download, built.written[download.name])

        def settle(fresh: Path) -> bool:
            """Wait for the downloads and put each new one, and what it is, in the site
            `fresh`; False when one is not a file the site may offer."""
            finish()
            facts = {
                src_uri: facts_of(d, path, d.kept_facts(project))
                for src_uri, (path, d) in pending.items()
            }
            readable = {src_uri: told for src_uri, told in facts.items() if told is not None}
            if len(readable) < len(facts):
                built.site_rebuilt = True
                return False
            fill_in(fresh, readable)
            for src_uri, (path, _) in pending.items():
                if (fresh / src_uri).is_file():  # a file the edition publishes
                    shutil.copyfile(path, fresh / src_uri)
            return True

        if not pending:
            finish()
        built.site = build_site_if_changed(
            project,
            edition,
            lambda project, edition: build_site(
                project, edition, catalogue, settle=settle if pending else None, pending=pending
            ),
            # What else the site depends on: the time (which briefings are out) and its address.
            context=(*catalogue.by_id, *catalogue.embargoed, os.environ.get(ENVIRONMENT, "")),
            rendering=bool(pending),
        )
    return built


def facts_of(download: Download, path: Path, kept: Path | None) -> Facts | None:
    return download.facts(path, kept) if path.is_file() else None
