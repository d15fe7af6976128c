"""The body of the review comment on a pull request, from what its check run wrote:

    python -m insight.review build/review

reads check.txt (the output of `check --format github`), content.md (`diff`) and
pages.md (`diff --pdf`) from that folder and writes comment.md: the check's result
with each problem at its file:line:column, the content diff (there whether or not the
check passed) and the pages that changed. The review workflow puts the links to the
preview and to the run above it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# An annotation line of `check --format github`.
ANNOTATION = re.compile(r"::(error|warning) file=([^,]*),line=(\d+),col=(\d+)::(.*)")
SHOWN = 50
"""Problems listed in the comment at most; the annotations on the lines show every one."""
LIMIT = 60_000
"""GitHub refuses a comment over 65,536 characters."""


def comment(folder: Path, check: str, pdf_diff_url: str = "") -> str:
    """The comment's Markdown for the outputs in `folder`; `check` is the check step's outcome."""
    parts = [check_result(read(folder / "check.txt"), check)]
    parts.append(read(folder / "content.md") or "The content diff could not be made: see the run.")
    pages = read(folder / "pages.md")
    if pages:
        link = (
            f"\n\n[Download the changed pages, before and after]({pdf_diff_url})"
            if pdf_diff_url
            else ""
        )
        parts.append(pages + link)
    elif check != "success":
        parts.append("The printed pages are compared once the check passes.")
    text = "\n\n".join(p.strip() for p in parts) + "\n"
    return (
        text
        if len(text) <= LIMIT
        else text[:LIMIT] + "\n\n… (cut short: see the run for the rest)\n"
    )


def check_result(output: str, outcome: str) -> str:
    errors, warnings = [], []
    for line in output.splitlines():
        if match := ANNOTATION.fullmatch(line.strip()):
            kind, path, row, column, message = match.groups()
            shown = f"{unescape(path)}:{row}:{column}: {kind}: {message.replace('%25', '%')}"
            (errors if kind == "error" else warnings).append(shown)
    if outcome == "success":
        head = "### Check: passed"
    elif errors:
        head = f"### Check: {len(errors)} error(s) to fix"
    else:
        head = "### Check: failed (see the run)"
    listed = (errors + warnings)[:SHOWN]
    lines = [head, ""]
    if warnings:
        lines += [f"{len(warnings)} spelling warning(s): they do not stop the merge.", ""]
    if listed:
        lines += ["```text", *listed, "```"]
        if len(errors + warnings) > SHOWN:
            lines.append(
                f"… and {len(errors + warnings) - SHOWN} more, annotated on the changed lines."
            )
    return "\n".join(lines)


def unescape(path: str) -> str:
    return path.replace("%2C", ",").replace("%3A", ":").replace("%25", "%")


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "build/review")
    folder.mkdir(parents=True, exist_ok=True)
    body = comment(folder, os.environ.get("CHECK", ""), os.environ.get("PDF_DIFF_URL", ""))
    (folder / "comment.md").write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
