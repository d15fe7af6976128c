"""Which images a text may show: regular files in briefings/images/, under one name.

A source writes `images/<name>`; that target is percent-decoded once and must then
be a plain relative path of safe characters, so that the name checked here is the
name in the HTML and the name the site publishes. Every part of the path is looked
at without following links (a symbolic link is refused wherever it stands), the
file must be a regular file, and its first bytes must be those of its type. SVG
can hold script, so it is refused.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

from insight.incremental import kept_while_unchanged

FOLDER = "images"
"""The first part of every image target: the folder beside the sources."""

# Letters, digits and . _ - in each part of a name, and no part starting with a dot: no
# '..', no hidden files, nothing a URL, a shell or a file system reads differently.
SAFE_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")

# What a file of each accepted type starts with: (offset, bytes).
SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    ".png": ((0, b"\x89PNG\r\n\x1a\n"),),
    ".jpg": ((0, b"\xff\xd8\xff"),),
    ".jpeg": ((0, b"\xff\xd8\xff"),),
    ".gif": ((0, b"GIF8"),),
    ".webp": ((0, b"RIFF"), (8, b"WEBP")),
}
TYPES = "PNG, JPEG, GIF or WebP"
HINT = "put the image in briefings/images/ and write images/<file name>"
NAME_HINT = "name image files with letters, digits, '-', '_' and '.' only"
# A picture decodes to width x height x 4 bytes, in the check and again in the PDF: a small
# file can stand for gigabytes. A4 at 300 dpi is 2480 x 3508, so these bound no real figure.
MAX_SIDE = 6000
MAX_PIXELS = 24_000_000


def image_name(target: str) -> str | None:
    """The name within briefings/images/ that `target` stands for, or None if it is
    not `images/` followed by a plain path of safe characters (once percent-decoded)."""
    try:
        decoded = unquote(target, errors="strict")
    except UnicodeDecodeError:
        return None
    folder, *parts = decoded.split("/")
    if folder != FOLDER or not parts or not all(SAFE_PART.fullmatch(p) for p in parts):
        return None
    return "/".join(parts)


def check_image(target: str, images: Path) -> tuple[str, str, str]:
    """(name, '', '') for a target the site may publish as images/<name>, else
    ('', problem, hint)."""
    if ":" in target.split("/")[0] or target.startswith(("/", "\\")):
        return "", f"image '{target}' is outside the briefings' image folder", HINT
    name = image_name(target)
    if name is None:
        if not target.startswith(f"{FOLDER}/"):
            return "", f"image '{target}' is outside the briefings' image folder", HINT
        return "", f"image '{target}' has a name that cannot be published", NAME_HINT
    problem, hint = file_problem(name, images)
    return ("", f"image '{target}' {problem}", hint) if problem else (name, "", "")


def file_problem(name: str, images: Path) -> tuple[str, str]:
    """What keeps images/<name> from being published, as (problem, hint); ('', '') if nothing."""
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        return "is SVG, and SVG images are not accepted", "export it as PNG"
    if suffix not in SIGNATURES:
        return f"is not a {TYPES} file", f"export it as PNG and name it {Path(name).stem}.png"
    parts = name.split("/")
    folders = [images.joinpath(*parts[:depth]) for depth in range(len(parts))]
    path = images.joinpath(*parts)
    for place, wanted in [*((folder, stat.S_ISDIR) for folder in folders), (path, stat.S_ISREG)]:
        try:
            mode = os.lstat(place).st_mode
        except FileNotFoundError:
            return "not found", HINT
        except OSError as exc:
            return f"cannot be read ({exc.strerror})", HINT
        if stat.S_ISLNK(mode):
            return "is (or is inside) a symbolic link", "put the file itself in briefings/images/"
        if not wanted(mode):
            return ("is not a regular file", HINT) if place is path else ("not found", HINT)
    if not has_signature(path, SIGNATURES[suffix]):
        return f"is not the {suffix[1:].upper()} file its name says", "export it again as PNG"
    return picture_problem(path)


def picture_problem(path: Path) -> tuple[str, str]:
    """What keeps a file with the right signature from being a picture the PDF can print:
    too many pixels to decode within bounded memory, or data that does not decode."""
    try:
        return decoded_problem(path)
    except UnreadableNow:  # not kept: the next build, or the preview's next save, tries again
        return UNREADABLE


UNREADABLE = ("cannot be read as a picture", "export it again as PNG")


class UnreadableNow(Exception):
    """The system could not read the file this time (no file handle left, a disk error):
    no verdict on the picture."""


# Every text naming it asks, in loading and again in making the site, and the preview does
# both at every save.
@kept_while_unchanged
def decoded_problem(path: Path) -> tuple[str, str]:
    try:
        with warnings.catch_warnings():
            # Pillow's own warning of a large picture: the bound below says it, located.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as picture:  # reads the header alone
                width, height = picture.size
                if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                    return (
                        f"is {width} by {height} pixels, more than a page can use",
                        f"scale it down to at most {MAX_SIDE} pixels a side "
                        f"and {MAX_PIXELS // 1_000_000} million in all",
                    )
                picture.load()  # decodes it: a file that is only a signature fails here
    except OSError as exc:
        if exc.errno is not None:  # the system's error; Pillow's own have none
            raise UnreadableNow from exc
        return UNREADABLE
    except (SyntaxError, ValueError, Image.DecompressionBombError):
        return UNREADABLE
    return "", ""


def image_file(images: Path, name: str) -> Path | None:
    """The file images/<name> stands for, if it may be published now; None if not."""
    if image_name(f"{FOLDER}/{name}") != name:
        return None
    problem, _ = file_problem(name, images)
    return None if problem else images.joinpath(*name.split("/"))


def has_signature(path: Path, signature: tuple[tuple[int, bytes], ...]) -> bool:
    # O_NOFOLLOW: the file read is the file looked at, even if it was swapped for a link since.
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as file:
        head = file.read(16)
    return all(head[offset : offset + len(magic)] == magic for offset, magic in signature)
