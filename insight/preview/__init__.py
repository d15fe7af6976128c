"""The preview server behind `python build.py serve`: MkDocs's live-reloading server over
an edition built as `build.py build` builds it, from sources that may be broken.

MkDocs's own `mkdocs serve` stops at a source error on start, and on a later one keeps
every browser waiting for a build that never ends. Here a build that fails writes a
page listing its located errors (file:line:column) in place of every page of the
site, which the browser shows and reloads, and the next save that fixes the source
brings the site back.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer
from mkdocs.structure.files import Files
from mkdocs.utils import clean_directory

from insight.catalogue import Parsed
from insight.edition import Edition
from insight.errors import SourceErrors
from insight.project import Project
from insight.release import now, released
from insight.site.publish import build_reusing, clear_for_next_build, configured, drop_unbuilt

log = logging.getLogger("insight.preview")
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html"])
)


def preview_server(
    project: Project, edition: Edition, host: str, port: int, site_dir: Path
) -> LiveReloadServer:
    """A server of `edition` on host:port, built into `site_dir` and rebuilt when a source,
    a page of docs/, mkdocs.yml or the project's brand or templates change; `serve()` it,
    then `shutdown()`."""
    url = f"http://{host}:{port}/"
    build_preview = builder(project, edition, site_dir, url)
    # The sources are looked at every 0.05 s, not every 0.5 s as MkDocs does, and a change
    # is built once 0.05 s pass without another, not 0.1 s: a save shows sooner, for a
    # thousand or so stat calls a second.
    server = LiveReloadServer(
        builder=build_preview, host=host, port=port, root=str(site_dir), polling_interval=0.05
    )
    server.build_delay = 0.05
    server.error_handler = lambda code: error_page(site_dir) if code == 404 else None
    build_preview()
    watched = ("docs", "mkdocs.yml", "brand.yaml", "templates")
    for path in (project.briefings, *(project.root / name for name in watched)):
        if path.exists():
            server.watch(str(path))
    return server


def builder(project: Project, edition: Edition, site_dir: Path, url: str) -> Callable[[], None]:
    parsed = Parsed()  # after a save, only the sources that changed are parsed again
    # The configuration of the last build that succeeded, and its files.
    last: list[tuple[MkDocsConfig, Files]] = []

    def build_preview() -> None:
        built = last.pop() if last else None
        try:
            # An editor's preview shows a briefing before its release, marked as embargoed.
            catalogue = released(project.load(parsed), now(), preview=True)
            config = load_config(
                config_file=str(project.root / "mkdocs.yml"), site_dir=str(site_dir)
            )
            config.site_url = url
            if built:
                kept = clear_for_next_build(site_dir, *built, config)
            else:  # a first build, or one after a failure, which may have left anything
                clean_directory(str(site_dir))
                kept = set()
            store = project.cache_dir / f"pages-{edition}-preview"
            files = build_reusing(configured(config, edition, catalogue, store), serve_url=url)
            drop_unbuilt(site_dir, kept, files)
            last.append((config, files))
        except SourceErrors as exc:
            for error in exc.errors:
                log.error(str(error))
            show_errors(site_dir, [str(e) for e in exc.errors], "The briefing sources have errors.")
        except Exception as exc:  # anything else that stops the build is shown, not waited on
            log.exception("the preview could not be built")
            show_errors(site_dir, [f"{type(exc).__name__}: {exc}"], "The site could not be built.")

    return build_preview


def show_errors(site_dir: Path, errors: list[str], what: str) -> None:
    """Every page of the site, and its index and 404 pages, replaced by the list of errors."""
    page = TEMPLATES.get_template("errors.html").render(errors=errors, what=what)
    site_dir.mkdir(parents=True, exist_ok=True)
    for html in [*site_dir.rglob("*.html"), site_dir / "index.html", site_dir / "404.html"]:
        html.unlink(missing_ok=True)  # a page may be a second name of one the build stored
        html.write_text(page, encoding="utf-8")


def error_page(site_dir: Path) -> bytes | None:
    page = site_dir / "404.html"
    return page.read_bytes() if page.is_file() else None


def serve(project: Project, edition: Edition, host: str, port: int) -> None:
    """Serve `edition` until Ctrl-C or SIGTERM."""
    # Every save reloads every source: with the build cache, pandoc converts only the texts
    # that changed. A checkout where it cannot be made is previewed all the same, more slowly.
    with contextlib.suppress(OSError):
        project.cache_dir.mkdir(parents=True, exist_ok=True)
    site_dir = Path(tempfile.mkdtemp(prefix="insight-preview-"))
    try:
        server = preview_server(project, edition, host, port, site_dir)
        print(f"previewing the {edition} edition at http://{host}:{port}/ (Ctrl-C to stop)")
        try:
            server.serve()
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)
