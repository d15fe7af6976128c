"""The editors' tools: scaffolds that `check` guides to completion, and plain-language diffs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypandoc
import pytest
from PIL import Image

from insight.catalogue import Catalogue, load_catalogue
from insight.changes import GitError, summarise_changes
from insight.errors import SourceErrors
from insight.scaffold import new_briefing, new_case_study
from tests.support import git

FIXTURES = Path(__file__).parent / "fixtures"

FILLED = {
    "FILL IN: the publication's title": "Scaffolded",
    "FILL IN: briefing, report or paper": "briefing",
    "FILL IN: 2016-08-23, or 2016-08 or 2016 when only that is known": "2016-08",
    "FILL IN: the organisation, e.g. 'Tandridge District Council'": "Example Council",
    "FILL IN: e.g. district council, county council, unitary authority": "district council",
}


def fill_placeholders(path: Path) -> None:
    """Do what an editor does: replace every FILL IN with real text."""
    text = path.read_text()
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    path.write_text(text.replace("FILL IN: ", "Filled in: "))


def errors_of(path: Path) -> list[str]:
    try:
        load_catalogue([path], path.parent / "images", base=path.parent)
    except SourceErrors as exc:
        return [str(e) for e in exc.errors]
    return []


def test_a_new_briefing_lists_each_placeholder_until_filled(tmp_path: Path) -> None:
    path = new_briefing(tmp_path, "scaffolded")
    errors = errors_of(path)
    assert len(errors) == 7
    assert errors[0] == (
        "scaffolded.yaml:6:8: error: 'title' still holds its placeholder "
        "(FILL IN: the publication's title)"
    )
    fill_placeholders(path)
    assert errors_of(path) == []


def test_a_new_briefing_never_overwrites_one(tmp_path: Path) -> None:
    new_briefing(tmp_path, "scaffolded")
    with pytest.raises(SourceErrors) as raised:
        new_briefing(tmp_path, "scaffolded")
    assert "a briefing with this id already exists" in str(raised.value.errors[0])


def test_a_new_id_must_be_a_slug(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors) as raised:
        new_briefing(tmp_path, "Not A Slug")
    assert "'Not A Slug' is not a valid id" in str(raised.value.errors[0])


def test_a_new_case_study_is_added_to_the_briefing_keeping_its_comments(tmp_path: Path) -> None:
    source = tmp_path / "minimal.yaml"
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", source)
    new_case_study(tmp_path, "minimal", "first-case")
    new_case_study(tmp_path, "minimal", "second-case")
    text = source.read_text()
    assert text.startswith("# The smallest valid briefing")
    assert text.count("case_studies:") == 1
    assert len(errors_of(source)) == 8  # four placeholders in each case study
    fill_placeholders(source)
    assert errors_of(source) == []
    [briefing] = load_catalogue([source], tmp_path / "images", base=tmp_path).briefings
    assert [c.id for c in briefing.case_studies] == ["first-case", "second-case"]


def test_a_duplicate_case_study_is_refused(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "minimal.yaml")
    new_case_study(tmp_path, "minimal", "first-case")
    with pytest.raises(SourceErrors) as raised:
        new_case_study(tmp_path, "minimal", "first-case")
    assert "the id 'first-case' is already used here" in str(raised.value.errors[0])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose first commit holds the minimal briefing."""
    (tmp_path / "briefings").mkdir()
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "briefings" / "minimal.yaml")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def current(repo: Path) -> Catalogue:
    files = sorted((repo / "briefings").glob("*.yaml"))
    return load_catalogue(files, repo / "briefings" / "images", base=repo)


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", message)


def edit(repo: Path, old: str, new: str) -> None:
    source = repo / "briefings" / "minimal.yaml"
    text = source.read_text()
    assert old in text
    source.write_text(text.replace(old, new))


def public_part(summary: str) -> str:
    return summary.split("In the public edition (anyone can read it):")[1].split(
        "For subscribers only:"
    )[0]


def subscriber_part(summary: str) -> str:
    return summary.split("For subscribers only:")[1]


QUOTE = (
    "  - text: Illustrative words of a test fixture, spoken by nobody.\n    speaker: A. Speaker\n"
)


def test_diff_reports_no_change_for_an_untouched_tree(repo: Path) -> None:
    assert "No content changes." in summarise_changes(repo, "main", current(repo))


def test_diff_summarises_prices_case_studies_and_new_briefings(repo: Path) -> None:
    source = repo / "briefings" / "minimal.yaml"
    text = source.read_text().replace(
        "  free_to_subscribers: true\n",
        "  free_to_subscribers: true\n  price_non_members: 195\n  price_members: 150\n",
    )
    source.write_text(text.replace('"A minimal briefing"', '"A minimal briefing, revised"'))
    new_case_study(repo / "briefings", "minimal", "example-case")
    fill_placeholders(source)
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", repo / "briefings" / "second.yaml")
    second = repo / "briefings" / "second.yaml"
    second.write_text(second.read_text().replace("id: minimal", "id: second"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "second")

    summary = summarise_changes(repo, "HEAD~1", current(repo))

    assert summary.splitlines()[0] == "## Content changes since `HEAD~1`"
    assert (
        "### Briefings added\n- *A minimal briefing* (`second`): briefing, 23 August 2016"
        in summary
    )
    assert "### Changed: *A minimal briefing, revised* (`minimal`)" in summary
    assert "- **Title**: “A minimal briefing” → “A minimal briefing, revised”" in summary
    assert "- **Price for non-members**: none → £195" in summary
    assert "- **Price for members**: none → £150" in summary
    assert (
        "- **Case studies**: added Example Council: *Filled in: one line on what the organisation did* (`example-case`)"
        in summary
    )


def test_diff_reports_a_removed_briefing(repo: Path) -> None:
    (repo / "briefings" / "minimal.yaml").unlink()
    summary = summarise_changes(repo, "main", Catalogue([]))
    assert "### Briefings removed\n- *A minimal briefing* (`minimal`)" in summary


def test_diff_names_a_quote_made_public_as_subscriber_text_exposed(repo: Path) -> None:
    (repo / "briefings" / "minimal.yaml").write_text(
        (repo / "briefings" / "minimal.yaml").read_text() + "quotes:\n" + QUOTE
    )
    commit(repo)
    edit(repo, "    speaker: A. Speaker\n", "    speaker: A. Speaker\n    public: true\n")

    summary = summarise_changes(repo, "HEAD", current(repo))

    assert "> **This change makes subscriber text public.**" in summary
    made_public = (
        "**Quotes**: made public “Illustrative words of a test fixture, spoken by nobody.” "
        "(A. Speaker): words until now for subscribers only will be shown in the public "
        "edition, which anyone can read"
    )
    assert made_public in public_part(summary)
    assert "edited" not in summary


def test_diff_tells_a_quote_added_from_one_reworded_or_made_private(repo: Path) -> None:
    source = repo / "briefings" / "minimal.yaml"
    source.write_text(
        source.read_text() + "quotes:\n" + QUOTE.replace("Speaker\n", "Speaker\n    public: true\n")
    )
    commit(repo)
    edit(repo, "spoken by nobody.", "spoken, as it happens, by nobody.")
    edit(repo, "    public: true\n", "")
    source.write_text(
        source.read_text() + "  - text: A second illustrative quote.\n    speaker: B. Speaker\n"
    )

    summary = summarise_changes(repo, "HEAD", current(repo))

    assert "This change makes subscriber text public" not in summary
    assert (
        "- **Quotes**: added “A second illustrative quote.” (B. Speaker), for subscribers only"
        in subscriber_part(summary)
    )
    assert (
        "- **Quotes**: made private “Illustrative words of a test fixture, spoken, as it happens…” "
        "(A. Speaker): no longer in the public edition" in public_part(summary)
    )
    assert (
        "**Quotes**: reworded “Illustrative words of a test fixture, spoken by nobody.”" in summary
    )


def png(path: Path, colour: str) -> None:
    path.parent.mkdir(exist_ok=True)
    Image.new("RGB", (4, 4), colour).save(path)


def test_diff_names_images_added_replaced_and_removed_by_edition(repo: Path) -> None:
    png(repo / "briefings" / "images" / "old.png", "red")
    png(repo / "briefings" / "images" / "kept.png", "red")
    source = repo / "briefings" / "minimal.yaml"
    source.write_text(
        source.read_text()
        + "sections:\n  - id: one\n    title: One\n    body: |\n"
        + "      ![Old](images/old.png)\n\n      ![Kept](images/kept.png)\n"
    )
    commit(repo)
    png(repo / "briefings" / "images" / "kept.png", "blue")
    png(repo / "briefings" / "images" / "new.png", "green")
    edit(repo, "![Old](images/old.png)", "Text only.")
    edit(
        repo,
        'summary: "A summary with *emphasis*."',
        'summary: "A summary. ![New](images/new.png)"',
    )

    summary = summarise_changes(repo, "HEAD", current(repo))

    public, subscribers = public_part(summary), subscriber_part(summary)
    assert "- **Images**: added `images/new.png`" in public
    assert (
        "- **Summary**: “A summary with \\*emphasis\\*.” → “A summary. \\!\\[New\\]\\(images/new.png\\)”"
        in public
    )
    assert "- **Images**: removed `images/old.png`" in subscribers
    assert (
        "- **Images**: replaced `images/kept.png` (same name, a different picture)" in subscribers
    )
    assert "- **Sections**: *One* (`one`) changed (body)" in subscribers


def test_diff_splits_a_case_study_change_by_what_the_public_sees(repo: Path) -> None:
    new_case_study(repo / "briefings", "minimal", "example-case")
    fill_placeholders(repo / "briefings" / "minimal.yaml")
    commit(repo)
    edit(repo, "Filled in: one line on what the organisation did", "A new one-line title")
    source = repo / "briefings" / "minimal.yaml"
    text = source.read_text()
    source.write_text(text.replace("Filled in: ", "Rewritten: ", 1))

    summary = summarise_changes(repo, "HEAD", current(repo))

    assert "(`example-case`) changed (title)" in public_part(summary)
    assert "(`example-case`) changed (summary)" in subscriber_part(summary)


def test_diff_of_an_unknown_ref_says_so(repo: Path) -> None:
    with pytest.raises(GitError, match="'no-such-branch' is not a commit in this repository"):
        summarise_changes(repo, "no-such-branch", current(repo))


def test_what_an_editor_wrote_cannot_make_markup_of_the_pull_request_comment(repo: Path) -> None:
    """A quote opening an HTML comment would hide the rest of the review from the reviewer;
    a title could link, show an image or mention someone."""
    edit(
        repo,
        'title: "A minimal briefing"',
        'title: "x](javascript:alert(1)) <img src=x onerror=alert(1)> @octocat"',
    )
    source = repo / "briefings" / "minimal.yaml"
    source.write_text(
        source.read_text() + 'quotes:\n  - text: "Fine words.\\n\\n<!--"\n'
        "    speaker: Someone\n    public: true\n"
    )

    summary = summarise_changes(repo, "HEAD", current(repo))

    rendered = pypandoc.convert_text(summary, "html", format="gfm")
    assert "<!--" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "Changed:" in rendered and "Fine words. &lt;!--" in rendered
    assert "@octocat" not in summary
