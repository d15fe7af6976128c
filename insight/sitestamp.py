"""Build a site edition only when something it is made from has changed.

MkDocs rebuilds every page each time, which is most of a warm build's time; when
neither the sources, the docs, the configuration, our code nor a PDF has changed,
the site it would make is the one already there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from insight import PACKAGE
from insight.edition import Edition
from insight.incremental import (
    digest,
    file_parts,
    installed,
    readable_json,
    tree_files,
    write_atomically,
)
from insight.outputs import downloads_of
from insight.project import Project


def build_site_if_changed(
    project: Project,
    edition: Edition,
    build: Callable[[Project, Edition], Path],
    context: tuple[str, ...] = (),
    *,
    rendering: bool = False,
) -> Path | None:
    """Run `build` for `edition` unless its inputs are those of its last build and that site is
    still there, file for file and byte for byte; return the folder `build` returned, or None
    when the site was up to date. `context`: what else the site is made from, not in a file.
    `rendering`: downloads are being rendered, which the site publishes, so it is built; by
    the time `build` returns, they are written and stamped."""
    stored = project.cache_dir / f"site-{edition}.json"
    # Read before the build, so that a source saved while the site is built makes it stale.
    inputs = site_inputs(project, edition)
    stamps = download_stamps(project, edition)
    if not rendering and is_current(readable_json(stored), site_stamp_key(inputs, context, stamps)):
        return None
    # The stamp stays until the new site replaces the old: a build that fails leaves the old
    # site, which it still describes, and a site replaced but not stamped fails its digest.
    site = build(project, edition)
    key = site_stamp_key(inputs, context, download_stamps(project, edition))
    stamp = {"key": key, "site": str(site.resolve()), "output": site_digest(site)}
    write_atomically(stored, json.dumps(stamp).encode())
    return site


def is_current(last: dict[str, str], key: str) -> bool:
    """Whether the last build was made from `key`, and the site it made is there unchanged."""
    if last.get("key") != key or not isinstance(last.get("site"), str):
        return False
    output = site_digest(Path(last["site"]))
    return output is not None and output == last.get("output")


def site_digest(site: Path) -> str | None:
    """A digest of every file of a built site, names and bytes; None where there is none.

    So a site damaged or changed since it was built is built again: reading it costs a
    few milliseconds a megabyte, far less than MkDocs takes to make it.
    """
    if not site.is_dir():
        return None
    return digest(file_parts(tree_files(site), site))


def site_key(project: Project, edition: Edition) -> str:
    """A digest of everything a site edition is made from (see `site_inputs`), and of the keys
    of the edition's built downloads."""
    return digest([site_inputs(project, edition), download_stamps(project, edition)])


def site_stamp_key(inputs: str, context: tuple[str, ...], stamps: str) -> str:
    return digest([inputs, stamps, *context])


def site_inputs(project: Project, edition: Edition) -> str:
    """A digest of what every page is made from (see `layout_inputs`), and of the briefing
    sources and images."""
    root = project.root
    return digest(
        [
            layout_inputs(project, edition),
            *file_parts([f for f in tree_files(project.briefings) if f.is_file()], root),
        ]
    )


def layout_inputs(project: Project, edition: Edition) -> str:
    """A digest of the edition, the configuration and the docs it names, the project's brand
    and templates, the package (plugin code, templates, assets) and the versions of the
    packages installed."""
    return digest(
        [
            edition,
            *installed(),
            # Absolute: the configuration may inherit, and its docs may live, outside the project.
            *file_parts(configuration_files(project.root / "mkdocs.yml"), Path("/")),
            *file_parts(look_files(project.root), project.root),
            *file_parts(tree_files(PACKAGE), PACKAGE),
        ]
    )


def look_files(root: Path) -> list[Path]:
    """The project's own brand.yaml and templates, which override ours (see insight.look)."""
    brand = root / "brand.yaml"
    return [*([brand] if brand.is_file() else []), *tree_files(root / "templates")]


def download_stamps(project: Project, edition: Edition) -> str:
    """A digest of the keys of the edition's built downloads, which the site publishes."""
    stamps = [f for d in downloads_of(edition) for f in tree_files(d.stamps(project))]
    return digest(file_parts([f for f in stamps if f.is_file()], project.root))


def configuration_files(config_file: Path) -> list[Path]:
    """mkdocs.yml, each file it INHERITs, and every file of the docs_dir and theme custom_dir
    the merged configuration names: read as MkDocs reads them, so that none is missed."""
    chain: list[Path] = []
    current: Path | None = config_file.resolve()
    while current is not None and current not in chain and current.is_file():
        chain.append(current)
        with current.open("rb") as stream:
            parent = (yaml.load(stream, Loader=get_yaml_loader()) or {}).get("INHERIT")
        current = (current.parent / parent).resolve() if isinstance(parent, str) else None
    with config_file.open("rb") as stream:
        merged = yaml_load(stream)
    theme = merged.get("theme")
    folders = [
        merged.get("docs_dir", "docs"),
        theme.get("custom_dir") if isinstance(theme, dict) else None,
    ]
    return [
        *chain,
        *(
            path.resolve()
            for folder in folders
            if isinstance(folder, str)
            for path in tree_files(config_file.parent / folder)
        ),
    ]
