"""Faults outside the sources, through `build.py` on a copy of the real briefings: a disk
that cannot be written is one line naming the path and what to do, exit 3; a build that
fails or is stopped leaves every output whole and ends its PDF workers; and an output
damaged since it was built is made again, not trusted."""

from __future__ import annotations

import errno
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from bench.generate import generate
from insight.faults import ENVIRONMENT_FAULT, describe
from tests.conftest import copy_of_the_repository
from tests.support import fingerprint

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = "living-with-austerity"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def command(project: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "--root", str(project), *args]


def build(
    project: Path, *args: str, file_size_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `build.py --root project ARGS`, no file it writes larger than `file_size_limit`."""

    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        command(project, *(args or ("build",))),
        capture_output=True,
        text=True,
        env=ENV,
        preexec_fn=limit,
    )


def in_mount_namespace(setup: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `setup` (mount commands) then `build.py ARGS`, in a mount namespace of their own,
    so the mounts are seen by the build alone and vanish with it."""
    script = f"{setup} && exec {shlex.join(command(project, *(args or ('build',))))}"
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=ENV,
    )


def mounting_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    trial = "mount -t tmpfs -o size=16k tmpfs /mnt && umount /mnt"
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", trial])
    return result.returncode == 0


needs_mounting = pytest.mark.skipif(
    not mounting_works(), reason="mounting a file system needs root and a mount namespace"
)


def site_files(project: Path) -> dict[str, str]:
    return {k: v for k, v in fingerprint(project).items() if k.startswith("site/")}


def leftovers(project: Path) -> list[str]:
    """Temporary files and folders of a build: none may outlive it."""
    found = [*project.glob(".site*-*"), *(project / "build" / "pdf").glob(".*")]
    return [str(p.relative_to(project)) for p in found]


def assert_one_line_fault(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert result.returncode == ENVIRONMENT_FAULT, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("cannot ")]
    assert re.fullmatch(pattern, line), line
    assert "internal error" not in result.stderr


def assert_whole_pdf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), path.name
    assert PdfReader(path).pages[0].extract_text()


@contextmanager
def edited(project: Path) -> Iterator[None]:
    """One briefing's title and a Markdown text changed, so that pandoc, its PDF and the
    site must be made again."""
    source = project / "briefings" / f"{BRIEFING}.yaml"
    original = source.read_text(encoding="utf-8")
    changed = original.replace("Living with austerity", "Living with less", 1)
    source.write_text(changed.replace("This entry is compiled", "This entry is made", 1))
    try:
        yield
    finally:
        source.write_text(original, encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's content, built once."""
    root = copy_of_the_repository(tmp_path_factory.mktemp("faults"))
    result = build(root, "build", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A copy of the repository's content, never built."""
    return copy_of_the_repository(tmp_path)


# A disk that cannot be written: one line naming the path, the cause and what to do.


def test_a_file_where_the_build_folder_must_be_is_named(fresh: Path) -> None:
    (fresh / "build").write_text("not a folder")
    result = build(fresh)
    assert_one_line_fault(
        result,
        r"cannot write build/\.cache: build is a file, where a folder must be "
        r"\(move it away and build again\)",
    )


def test_a_file_where_the_pdf_folder_must_be_is_named(fresh: Path) -> None:
    (fresh / "build").mkdir()
    (fresh / "build" / "pdf").write_text("not a folder")
    result = build(fresh, "pdf", BRIEFING)
    assert_one_line_fault(
        result,
        rf"cannot write build/pdf/{BRIEFING}\.pdf: build/pdf is a file, where a folder must be "
        r"\(move it away and build again\)",
    )


def test_a_pdf_larger_than_the_system_allows_leaves_every_output_as_it_was(
    project: Path,
) -> None:
    before = fingerprint(project)
    with edited(project):
        result = build(project, "build", "--jobs", "2", file_size_limit=30_000)
    # The site is built while the PDFs render: a PDF, the renderer's own temporary font files
    # or a file of the site may be the first to be refused.
    assert_one_line_fault(
        result,
        r"cannot write (build/pdf/[a-z-]+\.pdf|site/\S+|a file while rendering the PDFs): the file is "
        r"larger than this system allows \(raise the limit on file size \('ulimit -f'\) and "
        r"build again\)",
    )
    assert fingerprint(project) == before
    assert leftovers(project) == []


def test_a_site_that_cannot_be_written_leaves_the_site_as_it_was(project: Path) -> None:
    assert build(project).returncode == 0  # every PDF up to date, whatever tests before left
    before = site_files(project)
    page = project / "docs" / "index.md"
    original = page.read_text(encoding="utf-8")
    page.write_text(original + "\nOne more line.\n", encoding="utf-8")  # the site alone changes
    try:
        result = build(project, "build", file_size_limit=30_000)
    finally:
        page.write_text(original, encoding="utf-8")
    assert_one_line_fault(result, r"cannot write site/\S+: the file is larger than .*")
    assert site_files(project) == before
    assert leftovers(project) == []


@needs_mounting
def test_a_full_disk_is_named_with_what_to_do(project: Path) -> None:
    pdfs = project / "build" / "pdf"
    # A disk holding 16 kB in place of build/pdf/: no room for a PDF.
    result = in_mount_namespace(
        f"mount -t tmpfs -o size=16k tmpfs {pdfs}", project, "pdf", BRIEFING
    )
    assert_one_line_fault(
        result,
        rf"cannot write build/pdf/{BRIEFING}\.pdf: the disk is full "
        r"\(free some space and build again\)",
    )


@needs_mounting
def test_a_read_only_file_system_is_named_with_what_to_do(project: Path) -> None:
    before = fingerprint(project)
    with edited(project):
        result = in_mount_namespace(
            f"mount --bind {project} {project} && mount -o remount,bind,ro {project}", project
        )
    assert_one_line_fault(
        result,
        r"cannot write (build/\S+|site): the file system is read-only "
        r"\(build in a folder that can be written, or mount it read-write\)",
    )
    assert fingerprint(project) == before


@needs_mounting
def test_check_needs_no_disk_it_can_write(project: Path) -> None:
    with edited(project):  # pandoc's answer for it is new, and cannot be kept
        result = in_mount_namespace(
            f"mount --bind {project} {project} && mount -o remount,bind,ro {project}",
            project,
            "check",
        )
    assert result.returncode == 0, result.stderr


def test_no_permission_says_what_to_do(tmp_path: Path) -> None:
    # As root nothing is refused for want of permission: the error the system would raise.
    error = PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path / "site"))
    assert describe(error, tmp_path) == (
        "cannot use site: permission denied "
        "(let this user read and write there, or build in a folder it owns)"
    )


def test_the_exit_statuses_are_documented_in_help() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--help"], capture_output=True, text=True
    )
    assert re.search(rf"^  {ENVIRONMENT_FAULT} +a fault of the machine", result.stdout, re.M)
    assert re.search(r"^  1 +an error in the sources", result.stdout, re.M)


# Stopped or killed: the PDF workers end with the build, nothing half-written is kept.


def process_states() -> Iterator[tuple[int, list[str]]]:
    """Each process's pid and the fields of its /proc stat after its name: state, parent,
    process group..."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            yield int(stat.parent.name), stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    return [child for child, fields in process_states() if int(fields[1]) == pid]


def running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie has ended, it only waits to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_rendering(project: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A PDF build with two workers, returned once they render (the first PDF is written)."""
    shutil.rmtree(project / "build" / "pdf", ignore_errors=True)  # every PDF to render again
    build = subprocess.Popen(
        command(project, "pdf", "--jobs", "2"),
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        start_new_session=True,  # a process group of its own, as a terminal gives a command
    )
    pdfs = project / "build" / "pdf"
    assert wait_for(lambda: any(pdfs.glob("*.pdf")), 30), "no PDF was rendered"
    assert build.poll() is None, "the build ended before it could be stopped"
    workers = children(build.pid)
    assert len(workers) >= 2, workers
    return build, workers


def test_killing_the_build_ends_its_pdf_workers(project: Path) -> None:
    build, workers = start_rendering(project)
    build.kill()
    build.wait()
    assert wait_for(lambda: not any(running(p) for p in workers), 5), "workers outlived it"


@pytest.mark.parametrize(
    ("stop", "status", "said"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")],
    ids=["SIGTERM", "Ctrl-C"],
)
def test_a_stopped_build_ends_its_workers_and_keeps_only_whole_pdfs(
    project: Path, stop: signal.Signals, status: int, said: str
) -> None:
    build, workers = start_rendering(project)
    os.killpg(build.pid, stop)  # the whole group, as Ctrl-C at a terminal does
    _, stderr = build.communicate(timeout=30)
    assert build.returncode == status, stderr
    assert "Traceback" not in stderr
    assert f"stopped by {said}: nothing half-written was kept" in stderr
    assert wait_for(lambda: not any(running(p) for p in workers), 5), "workers outlived it"
    assert leftovers(project) == []
    for pdf in (project / "build" / "pdf").glob("*.pdf"):
        assert_whole_pdf(pdf)


def test_ctrl_c_while_the_site_is_built_leaves_the_site_as_it_was(project: Path) -> None:
    before = site_files(project)
    with edited(project):
        build = subprocess.Popen(
            command(project, "build"),
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            start_new_session=True,
        )
        assert wait_for(lambda: any(project.glob(".site-new-*")), 30), "no site build"
        os.killpg(build.pid, signal.SIGINT)
        _, stderr = build.communicate(timeout=30)
    assert build.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert site_files(project) == before
    assert leftovers(project) == []


def in_group(group: int) -> list[int]:
    """The live processes of process group `group`."""
    return [
        member
        for member, fields in process_states()
        if int(fields[2]) == group and fields[0] != "Z"
    ]


def started_build(project: Path) -> subprocess.Popen[str]:
    """`build.py build` in a process group of its own, as a terminal starts a command."""
    return subprocess.Popen(
        command(project, "build", "--jobs", "2"),
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        start_new_session=True,
    )


def test_ctrl_c_while_the_worker_started_ahead_loads_ends_it_quietly(project: Path) -> None:
    # A build starts a PDF worker before it loads the catalogue; Ctrl-C at a terminal reaches
    # that worker too, while it is still importing WeasyPrint.
    build = started_build(project)
    assert wait_for(lambda: len(children(build.pid)) >= 2, 30), "no worker was started ahead"
    os.killpg(build.pid, signal.SIGINT)
    _, stderr = build.communicate(timeout=30)
    assert build.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert wait_for(lambda: in_group(build.pid) == [], 5), "a worker outlived the build"
    assert leftovers(project) == []


SWALLOWED = """
import gc, os, signal, sys
from insight.cli import stopping_on_signals

class Finalised:
    def __del__(self):  # as a subprocess's is: where Python reports an exception and drops it
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        sum(range(1000))  # bytecode, where the handler runs

class Faulty:
    def __del__(self):
        raise ValueError("a fault in a finaliser")

sys.unraisablehook = lambda unraisable: print("reported", type(unraisable.exc_value).__name__)
try:
    with stopping_on_signals():
        Faulty()
        Finalised()
        gc.collect()
        print("the command went on to its end")
except BaseException as exc:
    print("stopped by", type(exc).__name__)
"""


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_stop_that_lands_in_a_finaliser_still_stops_the_command(signal_name: str) -> None:
    # Python drops an exception raised in a finaliser, so Ctrl-C once landed in a pipe's
    # and the build went on to exit 0: the command now stops when it would have ended. The
    # dropped stop is not reported as a fault; any other exception there still is, to
    # whoever asked to hear of them.
    result = subprocess.run(
        [sys.executable, "-c", SWALLOWED, signal_name], capture_output=True, text=True, timeout=60
    )
    stopped = "KeyboardInterrupt" if signal_name == "SIGINT" else "Stopped"
    assert result.stdout.splitlines() == [
        "reported ValueError",
        "the command went on to its end",
        f"stopped by {stopped}",
    ]
    assert result.stderr == ""


def test_a_build_with_nothing_to_render_leaves_no_worker_behind(project: Path) -> None:
    assert build(project).returncode == 0  # up to date, whatever the tests before left
    up_to_date = started_build(project)
    _, stderr = up_to_date.communicate(timeout=60)
    assert up_to_date.returncode == 0, stderr
    assert "PDF(s) up to date" in stderr and "Traceback" not in stderr
    assert wait_for(lambda: in_group(up_to_date.pid) == [], 5), "a worker outlived the build"


def test_a_build_refused_for_its_sources_leaves_no_worker_behind(project: Path) -> None:
    source = project / "briefings" / f"{BRIEFING}.yaml"
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace("title:", "titel:", 1), encoding="utf-8")
    try:
        refused = started_build(project)
        _, stderr = refused.communicate(timeout=60)
    finally:
        source.write_text(original, encoding="utf-8")
    assert refused.returncode == 1, stderr
    assert f"briefings/{BRIEFING}.yaml:" in stderr and "Traceback" not in stderr
    assert wait_for(lambda: in_group(refused.pid) == [], 5), "a worker outlived the build"


# An output damaged since it was built is made again, not trusted by its stamp.


def test_a_damaged_pdf_is_rendered_again(project: Path) -> None:
    assert build(project).returncode == 0  # up to date, whatever the tests before left
    pdf = project / "build" / "pdf" / f"{BRIEFING}.pdf"
    whole = pdf.read_bytes()
    pdf.write_bytes(whole[: len(whole) // 2])
    result = build(project, "pdf", BRIEFING)
    assert result.returncode == 0, result.stderr
    assert f"wrote build/pdf/{BRIEFING}.pdf" in result.stderr
    assert pdf.read_bytes() == whole
    assert_whole_pdf(pdf)


def test_a_damaged_site_is_built_again(project: Path) -> None:
    assert build(project).returncode == 0  # up to date, whatever the tests before left
    page = project / "site" / "index.html"
    whole = page.read_bytes()
    page.write_bytes(whole[:100])
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "wrote site/ (the subscriber site)" in result.stderr
    assert page.read_bytes() == whole


def test_a_damaged_cache_entry_is_made_again(project: Path) -> None:
    cache = project / "build" / ".cache"
    for entry in [cache / "site-subscriber.json", *(cache / "sources").glob("*.json")]:
        entry.write_bytes(entry.read_bytes()[:10])
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert "wrote site/ (the subscriber site)" in result.stderr


def test_what_a_build_killed_outright_left_is_removed_by_the_next(project: Path) -> None:
    assert build(project).returncode == 0
    half_written = project / "build" / "pdf" / f".{BRIEFING}.pdf.k1ll3d_x"
    half_written.write_bytes(b"%PDF-1.7 and no more")
    (project / ".site-new-k1ll3d_x" / "assets").mkdir(parents=True)
    (project / "site" / "index.html").write_text("damaged")  # so that the site is built again
    result = build(project)
    assert result.returncode == 0, result.stderr
    assert leftovers(project) == []


def test_ctrl_c_while_the_command_line_is_still_importing_ends_it_quietly(tmp_path: Path) -> None:
    # Python runs a sitecustomize module found on its path at start: this one has the
    # import of the command line interrupted, as a Ctrl-C in its first 0.1 s would.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class Interrupted:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'insight.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupted())\n"
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--help"],
        capture_output=True,
        text=True,
        env={**ENV, "PYTHONPATH": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 130
    assert result.stderr == ""


def pandoc_in(group: int) -> list[int]:
    def name(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return ""

    return [pid for pid in in_group(group) if name(pid) == "pandoc"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_build_stopped_while_pandoc_works_on_a_text_ends_at_once(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """pandoc runs in threads, which a signal does not reach: stopping the build kills it
    there and starts no other run, rather than waiting for each run's time limit."""
    project = generate(tmp_path, 1)
    source = next((project / "briefings").glob("*.yaml"))
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["sections"][0]["body"] = "[[[[[x]]]]] " * 2000  # seconds of pandoc's time
    source.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    build = started_build(project)
    assert wait_for(lambda: bool(pandoc_in(build.pid)), 30), "pandoc never started"
    time.sleep(0.5)
    stopped = time.monotonic()
    os.kill(build.pid, stop)  # the build alone: pandoc gets no signal of its own
    _, stderr = build.communicate(timeout=60)
    assert time.monotonic() - stopped < 2.5, stderr
    assert build.returncode == 128 + stop, stderr
    assert "Traceback" not in stderr
    assert wait_for(lambda: not in_group(build.pid), 2), "pandoc outlived the build"
    assert not list(project.glob("core*"))
