"""Where a file of the site is published, and how one page links to another.

The rules are MkDocs's (a page `a/b.md` is published at `a/b/`, `a/index.md` at
`a/`), written out here so that the site's pages are made without MkDocs;
tests/test_site_generation.py holds them to what MkDocs itself does.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

MARKDOWN = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")
"""The names MkDocs reads as pages (case matters: `x.MD` is copied as it is)."""


@lru_cache(maxsize=65536)
def published_url(src_uri: str, directory_urls: bool = True) -> str:
    """The address of a file of the site, relative to the site's root (asked thousands of
    times a build, of the same few hundred files)."""
    published = src_uri
    if src_uri.endswith(MARKDOWN):
        parent, name = posixpath.split(posixpath.splitext(src_uri)[0])
        name = "index" if name == "README" else name
        if name == "index" or not directory_urls:
            published = posixpath.join(parent, f"{name}.html")
        else:
            published = posixpath.join(parent, name, "index.html")
    folder, file = posixpath.split(published)
    if directory_urls and file == "index.html":
        published = (folder or ".") + "/"
    return quote(published)


def relative_url(url: str, other: str) -> str:
    """`url` as a link written in the page published at `other`, both relative to the root."""
    directory, _, last = other.rpartition("/")
    if "." in last:
        other = directory
    here, there = parts(other), parts(url)
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    link = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    return link + "/" if url.endswith("/") else link


def parts(url: str) -> list[str]:
    """The path's parts, '..' and '.' resolved, never above the root."""
    found: list[str] = []
    for part in url.split("/"):
        if part == "..":
            if found:
                found.pop()
        elif part and part != ".":
            found.append(part)
    return found


@dataclass(frozen=True)
class SiteMap:
    """The files a site publishes, by source path, and the addresses they have."""

    paths: frozenset[str]
    site_url: str = ""
    """The site's absolute address, ending in '/'; '' when it has none."""
    directory_urls: bool = True

    def url(self, src_uri: str) -> str:
        if src_uri not in self.paths:  # a template links to a file that does not exist: our bug
            raise LookupError(f"the site publishes no {src_uri}")
        return published_url(src_uri, self.directory_urls)

    def link(self, src_uri: str, from_uri: str, anchor: str = "") -> str:
        """A relative link, from the page `from_uri` to the file `src_uri`."""
        here = published_url(from_uri, self.directory_urls)
        return relative_url(self.url(src_uri), here) + (f"#{anchor}" if anchor else "")

    def address(self, src_uri: str) -> str | None:
        """The absolute address of a file the site publishes; None when it publishes no such
        file or has no address of its own."""
        if not self.site_url or src_uri not in self.paths:
            return None
        return self.site_url + self.url(src_uri)

    def with_paths(self, more: list[str]) -> SiteMap:
        return SiteMap(self.paths | set(more), self.site_url, self.directory_urls)
