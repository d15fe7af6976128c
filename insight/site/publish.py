"""Build a site edition as `python build.py build` does: strictly, and all or nothing."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.faults import located
from insight.project import Project
from insight.site.plugin import InsightPlugin
from insight.site.reuse import PageStore


def build_site(
    project: Project,
    edition: Edition = Edition.subscriber,
    catalogue: Catalogue | None = None,
    *,
    settle: Callable[[Path], bool] | None = None,
    pending: Collection[str] = (),
) -> Path:
    """Build `edition` from the project's mkdocs.yml into its folder, and return that folder.

    Given the `catalogue` the caller has already loaded, the plugin uses it instead of
    reading and validating every source again. Given `settle`, called with the new site
    before it is published: it waits for whatever was made alongside the site (the
    downloads at the site paths `pending`, which the site offers already), brings the
    site up to date with it, and says whether it could (if not, the site is built again,
    from the downloads as they are then).

    Pages whose inputs have not changed since the last build are reused, not made again
    (see insight.site.reuse). The build goes to a temporary folder beside it that replaces
    the site only once the build has succeeded, so a failed or interrupted build leaves the
    previous site as it was. A fault of the disk is raised as an OSError about the site's
    own path.
    """
    config_file = str(project.root / "mkdocs.yml")
    site_dir = edition_site_dir(Path(load_config(config_file=config_file).site_dir), edition)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    discard_leftovers(site_dir)
    try:
        fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-new-", dir=site_dir.parent))
    except OSError as exc:  # about the site, not the temporary folder it could not make
        raise located(exc, site_dir) from exc
    try:
        fresh.chmod(0o755)  # mkdtemp makes it private; a site is for a web server to read
        store = project.cache_dir / f"pages-{edition}"
        config = load_config(config_file=config_file, site_dir=str(fresh), strict=True)
        files = build_reusing(configured(config, edition, catalogue, store, pending))
        if settle and not settle(fresh):
            built = config
            config = load_config(config_file=config_file, site_dir=str(fresh), strict=True)
            kept = clear_for_next_build(fresh, built, files, config)
            drop_unbuilt(fresh, kept, build_reusing(configured(config, edition, catalogue, store)))
        swap(fresh, site_dir)
    except BaseException as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        if isinstance(exc, OSError):
            raise published_as(exc, fresh, site_dir) from exc
        raise
    return site_dir


def discard_leftovers(site_dir: Path) -> None:
    """Remove the temporary folders of a build killed outright, before it could remove them."""
    for pattern in (f".{site_dir.name}-new-*", f".{site_dir.name}-old-*"):
        for leftover in site_dir.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def published_as(exc: OSError, fresh: Path, site_dir: Path) -> OSError:
    """The fault about the path its file would have been published at, not the temporary one."""

    def published(name: str | bytes | None) -> Path | None:
        if name is None:
            return None
        path = Path(os.fsdecode(name))
        return site_dir / path.relative_to(fresh) if path.is_relative_to(fresh) else path

    return located(exc, published(exc.filename) or site_dir, published(exc.filename2))


def build_reusing(config: MkDocsConfig, serve_url: str | None = None) -> Files:
    """Build with MkDocs into a site folder that holds nothing but what the caller kept
    (see clear_for_next_build), reusing what the insight plugin's store vouches for, and
    keep what this build made there once it has succeeded; the files of the site, the
    theme's included."""
    plugin = insight_plugin(config)
    store = plugin.store
    with mkdocs_lines_held_back():
        # Dirty: MkDocs asks each page whether to make it (the plugin answers), copies a
        # file only where the copy there is older, and does not empty the folder.
        build(config, serve_url=serve_url, dirty=True)
    if store:
        store.commit()
    assert plugin.files is not None, "MkDocs hands every build's files to the plugin"
    return plugin.files


@contextmanager
def mkdocs_lines_held_back() -> Iterator[None]:
    """Hold back two of MkDocs's lines: the one about a page it could not write, since the
    fault is reported once, by whoever catches it, with the path and what to do; and its
    warning that a dirty build may be inaccurate, which a build that reuses only what is
    unchanged is not (and which a strict build would take for a failure)."""
    logger = logging.getLogger("mkdocs.commands.build")
    hold_back = HeldBack()
    logger.addFilter(hold_back)
    try:
        yield
    finally:
        logger.removeFilter(hold_back)


class HeldBack(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        fault = message.startswith("Error building page") and "[Errno " in message
        return not (fault or message.startswith("A 'dirty' build is being performed"))


def edition_site_dir(site_dir: Path, edition: Edition) -> Path:
    """Where an edition goes: the subscriber edition where mkdocs.yml says (as `mkdocs build`
    puts it), the public one beside it, e.g. site-public/, so neither can overwrite the other."""
    return (
        site_dir if edition is Edition.subscriber else site_dir.with_name(f"{site_dir.name}-public")
    )


def configured(
    config: MkDocsConfig,
    edition: Edition,
    catalogue: Catalogue | None,
    store: Path | None = None,
    pending: Collection[str] = (),
) -> MkDocsConfig:
    """`config` with the insight plugin set to build `edition`, from `catalogue` when one is
    given, reusing the pages kept in `store` when one is given, offering the downloads at
    the site paths `pending` before they are written."""
    plugin = insight_plugin(config)
    plugin.config.edition = edition.value
    plugin.given = catalogue
    plugin.store = PageStore(store) if store else None
    plugin.pending = frozenset(pending)
    return config


def clear_for_next_build(
    site_dir: Path, built: MkDocsConfig, files: Files, following: MkDocsConfig
) -> set[Path]:
    """Empty `site_dir`, where a build with the configuration `built` has just written
    `files`, for a build with `following` into it, but for its folders and its copies of
    the theme's files; return the copies kept, for `drop_unbuilt` once that build is done.

    A build into it copies such a file again only where the theme's own is newer (MkDocs
    builds dirty; see build_reusing). Copying the 250 or so of them again took about a
    tenth of a preview's rebuild, and making the folders and files anew as much again.
    Removed all the same: every copy when the theme changed; a copy whose size is not its
    file's; one whose file another now stands in for, in docs/ or in a theme folder
    looked in first; and every copy from the project's own theme folder (custom_dir),
    where an editor may move in a file older than the copy.
    """
    kept = set()
    own = Path(built.theme.custom_dir) if built.theme.custom_dir else None
    if (built.theme.name, built.theme.custom_dir) == (
        following.theme.name,
        following.theme.custom_dir,
    ):
        for file in files:
            if file.generated_by or not file.abs_src_path or file.is_documentation_page():
                continue
            source, copy = Path(file.abs_src_path), Path(file.abs_dest_path)
            if (
                theme_file(built, file.src_uri) == source
                and not (own and source.is_relative_to(own))
                and same_size(source, copy)
                and not Path(following.docs_dir, file.src_uri).exists()
            ):
                kept.add(copy)
    for folder, _, names in os.walk(site_dir):
        for name in names:
            if (path := Path(folder, name)) not in kept:
                path.unlink()
    return kept


def theme_file(config: MkDocsConfig, src_uri: str) -> Path | None:
    """The file the theme has at `src_uri` now: the first of its folders to hold one."""
    found = (Path(folder, src_uri) for folder in config.theme.dirs)
    return next((path for path in found if path.is_file()), None)


def same_size(source: Path, copy: Path) -> bool:
    try:
        return source.stat().st_size == copy.stat().st_size
    except OSError:
        return False


def drop_unbuilt(site_dir: Path, kept: set[Path], files: Files) -> None:
    """After a build into `site_dir` that kept `kept` (see clear_for_next_build) and made
    `files`: remove each copy kept that is no file of this build (a plugin or hook may
    leave out what the last build had), and each folder that holds nothing."""
    for copy in kept - {Path(file.abs_dest_path) for file in files}:
        copy.unlink(missing_ok=True)
    for folder, _, names in os.walk(site_dir, topdown=False):
        if not names and folder != str(site_dir):
            with contextlib.suppress(OSError):  # not empty: a folder below it is kept
                os.rmdir(folder)


def insight_plugin(config: MkDocsConfig) -> InsightPlugin:
    [plugin] = [p for p in config.plugins.values() if isinstance(p, InsightPlugin)]
    return plugin


def swap(fresh: Path, site_dir: Path) -> None:
    """Put `fresh` where `site_dir` is, and remove the old site."""
    if not site_dir.exists():
        fresh.rename(site_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-old-", dir=site_dir.parent))
    # No Ctrl-C or SIGTERM between the two renames, which would leave no site at all.
    stopping = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        site_dir.rename(old / site_dir.name)
        try:
            fresh.rename(site_dir)
        except BaseException:
            (old / site_dir.name).rename(site_dir)
            raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, stopping)
    shutil.rmtree(old, ignore_errors=True)  # the new site is published whether or not this works
