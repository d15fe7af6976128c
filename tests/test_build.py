"""`python build.py build` end to end: offline, complete, and all-or-nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Built, copy_of_the_repository, network_namespaces_work, run_build
from tests.support import fingerprint


@pytest.fixture(scope="module")
def project(real_build: Built) -> Path:
    return real_build.project


@pytest.mark.skipif(not network_namespaces_work(), reason="needs root to make a network namespace")
def test_the_build_needs_no_network(project: Path) -> None:
    assert (project / "site" / "index.html").is_file()  # the shared build ran offline


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
        result = run_build(project)
    finally:
        source.write_text(original)
    assert result.returncode == 1
    assert "briefings/living-with-austerity.yaml:" in result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprint(project) == before


def test_the_build_writes_its_outputs_and_nothing_else(tmp_path: Path) -> None:
    """Sources, docs and the generated schema are the editors' and `schema`'s, never the build's."""
    copy_of_the_repository(tmp_path)
    schema = tmp_path / "briefings" / "briefing.schema.json"
    schema.write_text("{}\n")  # stale on purpose: only `build.py schema` may rewrite it

    def inputs() -> dict[str, bytes]:
        return {
            str(p.relative_to(tmp_path)): p.read_bytes()
            for p in tmp_path.rglob("*")
            if p.is_file() and p.relative_to(tmp_path).parts[0] not in {"site", "build"}
        }

    before = inputs()
    result = run_build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert inputs() == before


EXITING = """
import atexit, sys, threading, time
from insight.cli import exit_at_once
atexit.register(lambda: print("the exit handlers ran", file=sys.stderr))
print("written, not yet flushed", end="")
if sys.argv[1] == "a thread at work":
    threading.Thread(target=lambda: (time.sleep(0.5), print(" and the thread's too"))).start()
exit_at_once(3)
"""


@pytest.mark.parametrize("case", ["alone", "a thread at work"])
def test_the_command_line_ends_with_its_code_its_output_whole_and_its_exit_handlers_run(
    case: str,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", EXITING, case], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3
    thread = " and the thread's too\n" if case == "a thread at work" else ""
    assert result.stdout == "written, not yet flushed" + thread
    assert result.stderr == "the exit handlers ran\n"


def test_output_that_cannot_be_written_is_a_failure_not_a_silent_success() -> None:
    # Buffered, as a build's output is unless PYTHONUNBUFFERED says otherwise: it is written
    # at the exit, to a disk that is full.
    probe = "from insight.cli import exit_at_once\nprint('a line')\nexit_at_once(0)"
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-c", probe],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=buffered,
            timeout=60,
        )
    assert result.returncode == 120
    assert "could not write the output" in result.stderr


def test_the_command_line_loads_no_site_code_before_a_build_has_sent_its_pdfs() -> None:
    # MkDocs and the site's modules are imported once the PDFs are under way (0.2 s that
    # an edit's one PDF would otherwise wait for): not by the command line, nor by the
    # check of INSIGHT_SITE_URL when it is unset, nor by loading the catalogue.
    loaded = modules_loaded_by(
        "import insight.cli, insight.builder, insight.project\n"
        "from insight.site.siteurl import override_problem\n"
        "assert override_problem(None) is None"
    )
    assert not any(name.startswith("mkdocs") for name in loaded)
    assert "insight.site.publish" not in loaded


def test_a_build_starts_its_pdf_worker_before_it_loads_the_code_of_the_catalogue() -> None:
    # The worker takes 0.6 s or more to import WeasyPrint, which the first PDF waits for;
    # it starts once the command line has read its arguments and checked INSIGHT_SITE_URL,
    # and the catalogue's code (pydantic, the YAML reader: 0.2 s) loads meanwhile. What is
    # loaded is listed as the build asks for the worker, and the build goes no further.
    loaded = modules_loaded_by(
        "import os, sys\n"
        "import insight.pdf.workers\n"
        "from insight.cli import main\n"
        "def listed(*args, **kwargs):\n"
        "    print('\\n'.join(sys.modules), flush=True)\n"
        "    os._exit(0)\n"
        "insight.pdf.workers.workers_ahead = listed\n"
        f"main(['--root', {str(ROOT)!r}, 'build'])\n"
        "raise SystemExit('the build never asked for its worker')"
    )
    assert "insight.pdf.workers" in loaded
    for heavy in ("insight.catalogue", "insight.model", "pydantic", "yaml", "weasyprint"):
        assert heavy not in loaded


def modules_loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded once it has run `code`."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(loaded.stdout.split())
