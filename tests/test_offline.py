"""A build needs no network: whatever the sources say, nothing is fetched from outside."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def network_namespaces_work() -> bool:
    return shutil.which("unshare") is not None and (
        subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0
    )


@pytest.mark.skipif(not network_namespaces_work(), reason="needs root to make a network namespace")
def test_the_whole_build_succeeds_with_no_network_at_all(tmp_path: Path) -> None:
    for folder in ("briefings", "docs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    # A network namespace of its own has no interface up, not even loopback.
    result = subprocess.run(
        [
            "unshare",
            "--net",
            sys.executable,
            str(ROOT / "build.py"),
            "--root",
            str(tmp_path),
            "build",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "build" / "pdf").glob("*.pdf"))) == len(
        list((tmp_path / "briefings").glob("*.yaml"))
    )
    assert (tmp_path / "site" / "index.html").is_file()
