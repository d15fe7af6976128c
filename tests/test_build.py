"""`python build.py build` end to end: offline, complete, and all-or-nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import fingerprint

ROOT = Path(__file__).resolve().parent.parent


def network_namespaces_work() -> bool:
    return shutil.which("unshare") is not None and (
        subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    )


def build(project: Path, *, offline: bool = False) -> subprocess.CompletedProcess[str]:
    # A network namespace of its own has no interface up, not even loopback.
    prefix = ["unshare", "--net"] if offline else []
    command = [*prefix, sys.executable, str(ROOT / "build.py"), "--root", str(project), "build"]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's content, built once, with no network if that can be arranged."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("briefings", "docs"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    result = build(root, offline=network_namespaces_work())
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.skipif(not network_namespaces_work(), reason="needs root to make a network namespace")
def test_the_build_needs_no_network(project: Path) -> None:
    assert (project / "site" / "index.html").is_file()  # the fixture built it offline


def test_the_build_makes_a_pdf_and_a_page_per_briefing(project: Path) -> None:
    for source in (project / "briefings").glob("*.yaml"):
        assert (project / "build" / "pdf" / f"{source.stem}.pdf").is_file()
        assert (project / "site" / "briefings" / source.stem / "index.html").is_file()
        assert (project / "site" / "pdf" / f"{source.stem}.pdf").is_file()


def test_a_failed_build_leaves_the_previous_output_untouched(project: Path) -> None:
    before = fingerprint(project)
    source = project / "briefings" / "living-with-austerity.yaml"
    original = source.read_text()
    source.write_text(original.replace("title:", "titel:", 1) + "\nsummary: [broken\n")
    try:
        result = build(project)
    finally:
        source.write_text(original)
    assert result.returncode == 1
    assert "briefings/living-with-austerity.yaml:" in result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprint(project) == before


def test_the_build_writes_its_outputs_and_nothing_else(tmp_path: Path) -> None:
    """Sources, docs and the generated schema are the editors' and `schema`'s, never the build's."""
    for folder in ("briefings", "docs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    schema = tmp_path / "briefings" / "briefing.schema.json"
    schema.write_text("{}\n")  # stale on purpose: only `build.py schema` may rewrite it

    def inputs() -> dict[str, bytes]:
        return {
            str(p.relative_to(tmp_path)): p.read_bytes()
            for p in tmp_path.rglob("*")
            if p.is_file() and p.relative_to(tmp_path).parts[0] not in {"site", "build"}
        }

    before = inputs()
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert inputs() == before
