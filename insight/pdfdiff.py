"""What a change does to the printed briefings: `python build.py diff --pdf <git-ref>`.

The PDFs of the ref are built in a temporary folder from an archive of that commit,
by the ref's own build.py when it has one (so that a change of the print design shows
too), and those of the working tree by this one. Both are drawn as images by pdftoppm
(poppler-utils) and compared page by page with Pillow: for each page that differs,
one PNG with the page before and after side by side, what changed tinted red on both.
A page added or removed stands beside an empty one.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter

from insight.changes import GitError, git

RESOLUTION = 72
"""Dots per inch of the pages compared: enough to see a changed word, quick to draw."""
TIMEOUT = 600
HIGHLIGHT = (220, 0, 0)
GAP = 16


@dataclass(frozen=True)
class PdfChange:
    """What changed in one briefing's PDF, and the images that show it."""

    briefing_id: str
    pages: list[int]
    """The numbers of the pages that differ, counting from 1."""
    before: int
    after: int
    """How many pages the PDF had before and has now; 0 when there was no PDF."""
    images: list[Path]

    def summary(self) -> str:
        if not self.before:
            return f"{self.briefing_id}: new, {plural(self.after, 'page')}"
        if not self.after:
            return f"{self.briefing_id}: removed ({plural(self.before, 'page')} before)"
        if not self.pages:
            return f"{self.briefing_id}: no page changed"
        counted = (
            "" if self.before == self.after else f"; {self.before} pages before, {self.after} now"
        )
        return f"{self.briefing_id}: {page_list(self.pages)} changed{counted}"


def page_list(pages: list[int]) -> str:
    """'page 4', 'pages 4 and 7', 'pages 2, 4 and 7'."""
    if len(pages) == 1:
        return f"page {pages[0]}"
    return f"pages {', '.join(map(str, pages[:-1]))} and {pages[-1]}"


def plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def pdfs_at(root: Path, ref: str, into: Path) -> dict[str, Path]:
    """Build every PDF of commit `ref` under `into`; briefing id -> PDF."""
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        raise GitError(f"'{ref}' is not a commit in this repository") from None
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=root, capture_output=True, timeout=TIMEOUT
    )
    if archive.returncode:
        raise GitError(archive.stderr.decode(errors="replace").strip())
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    if not (into / "briefings").is_dir():
        return {}
    # The ref's own code where it has one, first on the path; else this checkout's, on its sources.
    own = (into / "build.py").is_file() and (into / "insight").is_dir()
    program = into / "build.py" if own else Path(__file__).resolve().parent.parent / "build.py"
    result = subprocess.run(
        [sys.executable, str(program), "--root", str(into), "pdf"],
        cwd=into,
        env={**os.environ, "PYTHONPATH": str(into) if own else os.environ.get("PYTHONPATH", "")},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if result.returncode:
        raise BuildError(f"the PDFs of '{ref}' could not be built:\n{result.stdout}{result.stderr}")
    return {p.stem: p for p in sorted((into / "build" / "pdf").glob("*.pdf"))}


class BuildError(Exception):
    """The ref's PDFs could not be built (its sources have errors, or its code fails here)."""


def compare_all(before: dict[str, Path], after: dict[str, Path], out: Path) -> list[PdfChange]:
    """Compare each briefing's PDF before and after, writing images of changed pages into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        compare_pdfs(before.get(i), after.get(i), out / i, i)
        for i in sorted(before.keys() | after.keys())
    ]


def compare_pdfs(before: Path | None, after: Path | None, out: Path, name: str) -> PdfChange:
    """The pages of two PDFs that differ, each drawn before and after into `out`/page-N.png."""
    with tempfile.TemporaryDirectory() as tmp:
        old = pages(before, Path(tmp) / "before") if before else []
        new = pages(after, Path(tmp) / "after") if after else []
        changed: list[int] = []
        images: list[Path] = []
        for number in range(1, max(len(old), len(new)) + 1):
            a = Image.open(old[number - 1]).convert("RGB") if number <= len(old) else None
            b = Image.open(new[number - 1]).convert("RGB") if number <= len(new) else None
            if a is not None and b is not None and same(a, b):
                continue
            changed.append(number)
            out.mkdir(parents=True, exist_ok=True)
            image = out / f"page-{number:03d}.png"
            side_by_side(a, b).save(image, optimize=True)
            images.append(image)
    return PdfChange(name, changed, len(old), len(new), images)


def pages(pdf: Path, prefix: Path) -> list[Path]:
    """Each page of `pdf` drawn as a PNG, in order."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", str(RESOLUTION), "-png", str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    # pdftoppm pads the page number to the width of the last one: sort by number.
    drawn = prefix.parent.glob(f"{prefix.name}-*.png")
    return sorted(drawn, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def side_by_side(before: Image.Image | None, after: Image.Image | None) -> Image.Image:
    """Before on the left, after on the right, what differs tinted red on both."""
    size = (before or after).size  # type: ignore[union-attr]
    a = before or Image.new("RGB", size, "white")
    b = after or Image.new("RGB", size, "white")
    if a.size != b.size:
        b = b.resize(a.size)
    mask = changed_mask(a, b)
    width, height = a.size
    canvas = Image.new("RGB", (2 * width + GAP, height), (128, 128, 128))
    canvas.paste(tint(a, mask), (0, 0))
    canvas.paste(tint(b, mask), (width + GAP, 0))
    return canvas


def changed_mask(a: Image.Image, b: Image.Image) -> Image.Image:
    """Where the two pages differ, widened a little so that a changed letter shows."""
    difference = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 16 else 0)
    return difference.filter(ImageFilter.MaxFilter(9))


def tint(page: Image.Image, mask: Image.Image) -> Image.Image:
    red = Image.new("RGB", page.size, HIGHLIGHT)
    return Image.composite(Image.blend(page, red, 0.35), page, mask)


def changed(changes: list[PdfChange]) -> Iterator[PdfChange]:
    """The briefings whose PDF is new, removed or has a page that differs."""
    return (c for c in changes if c.pages or not c.before or not c.after)
