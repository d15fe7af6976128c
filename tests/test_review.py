"""The review comment's body: the check's result with each problem located, and the
content diff whether or not the check passed."""

from __future__ import annotations

from pathlib import Path

from insight.review import comment

ERROR = "::error file=briefings/a.yaml,line=4,col=7::'pamphlet' is not a valid kind"
WARNING = (
    "::warning file=briefings/a.yaml,line=9,col=3::'wrod' is not in the British English dictionary"
)


def test_a_failed_check_lists_its_problems_and_still_shows_the_content_diff(tmp_path: Path) -> None:
    (tmp_path / "check.txt").write_text(f"{WARNING}\n{ERROR}\n1 error(s) in 1 file(s).\n")
    (tmp_path / "content.md").write_text(
        "## Content changes since `origin/main`\n\n- **Title**: edited\n"
    )

    body = comment(tmp_path, "failure")

    assert body.startswith("### Check: 1 error(s) to fix\n")
    assert "briefings/a.yaml:4:7: error: 'pamphlet' is not a valid kind" in body
    assert "briefings/a.yaml:9:3: warning: 'wrod'" in body
    assert "1 spelling warning(s): they do not stop the merge." in body
    assert "## Content changes since `origin/main`" in body
    assert "The printed pages are compared once the check passes." in body


def test_a_passed_check_links_the_changed_pages(tmp_path: Path) -> None:
    (tmp_path / "check.txt").write_text("")
    (tmp_path / "content.md").write_text("No content changes.")
    (tmp_path / "pages.md").write_text("- minimal: page 4 changed")

    body = comment(tmp_path, "success", "https://example.org/artifact/1")

    assert body.startswith("### Check: passed\n")
    assert (
        "- minimal: page 4 changed\n\n[Download the changed pages, before and after](https://example.org/artifact/1)"
        in body
    )
