"""Small helpers more than one test module needs."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from html.parser import HTMLParser
from pathlib import Path


def fingerprint(project: Path) -> dict[str, str]:
    """Every output file of a project (site and PDFs) and a hash of its bytes."""
    outputs = [*(project / "site").rglob("*"), *(project / "build" / "pdf").rglob("*")]
    return {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in outputs
        if p.is_file()
    }


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site, by its path in the site, with its bytes."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def git(repo: Path, *args: str) -> None:
    """A git command in `repo`, as an editor named Editor."""
    subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


class Elements(HTMLParser):
    """Every start tag of a page, as (tag, attributes)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def links(self) -> list[str]:
        return [a[key] or "" for _, a in self.tags for key in ("href", "src") if key in a]


def free_port() -> int:
    """A loopback port no one listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
