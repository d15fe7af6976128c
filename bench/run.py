"""Benchmark `build.py build` against the floor, on synthetic catalogues of N briefings.

    python -m bench.run [N ...] [--jobs J] [--readme]

For each N, in one run: the floor (WeasyPrint alone on the same final HTML, summed and
divided by the jobs, plus a plain `mkdocs build` of the same pages), the peer (mkdocs-to-pdf
over the same pages, from bench/requirements.txt), a cold build, a warm rebuild after
editing one briefing, and the wall time, CPU time and peak memory of each.
See bench/README.md for what each column means and the latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from pypdf import PdfReader
from weasyprint import __version__ as WEASYPRINT

from bench.generate import generate
from insight.pdf import pdf_bytes
from insight.pdf.document import briefing_html
from insight.project import Project

REPO = Path(__file__).resolve().parent.parent
README = REPO / "bench" / "README.md"
RESULTS_START, RESULTS_END = "<!-- results -->", "<!-- /results -->"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.05  # seconds between memory samples
QUIET = {**os.environ, "CI": "true", "NO_MKDOCS_2_WARNING": "1"}


@dataclass(frozen=True)
class Run:
    """One timed command: wall and CPU seconds (its whole process tree) and peak memory."""

    wall: float
    cpu: float
    peak: int


@dataclass(frozen=True)
class Result:
    count: int
    jobs: int
    floor_pdfs: float
    floor_site: float
    cold: float
    warm: float
    cold_peak: int
    warm_peak: int
    cold_cpu: float
    pages: int
    peer: Run
    peer_pages: int

    @property
    def floor(self) -> float:
        return self.floor_pdfs + self.floor_site

    def row(self) -> str:
        cells = [
            f"{self.count}",
            f"{self.floor_pdfs:.1f}",
            f"{self.floor_site:.1f}",
            f"{self.floor:.1f}",
            f"{self.cold:.1f}",
            f"**{self.cold / self.floor:.2f}**",
            f"{self.warm:.1f}",
            f"**{self.warm / self.cold:.0%}**",
            f"{self.cold_peak / 1e6:.0f}",
            f"{self.warm_peak / 1e6:.0f}",
        ]
        return "| " + " | ".join(cells) + " |"


PEER_HEADER = (
    "| N | ours: wall (s) | ours: CPU (s) | ours: PDF pages | ours: peak (MB) "
    "| peer: wall (s) | peer: CPU (s) | peer: PDF pages | peer: peak (MB) "
    "| peer wall / ours | our CPU / peer's |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def peer_row(r: Result) -> str:
    cells = [
        f"{r.count}",
        f"{r.cold:.1f}",
        f"{r.cold_cpu:.1f}",
        f"{r.pages}",
        f"{r.cold_peak / 1e6:.0f}",
        f"{r.peer.wall:.1f}",
        f"{r.peer.cpu:.1f}",
        f"{r.peer_pages}",
        f"{r.peer.peak / 1e6:.0f}",
        f"**{r.peer.wall / r.cold:.2f}**",
        f"**{r.cold_cpu / r.peer.cpu:.2f}**",
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| N | floor: WeasyPrint ÷ jobs (s) | floor: plain mkdocs (s) | floor (s) | cold (s) "
    "| cold / floor | warm (s) | warm / cold | peak cold (MB) | peak warm (MB) |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[5, 50, 200], metavar="N")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--readme", action="store_true", help=f"write the table into {README}")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="insight-bench-") as work:
        for count in args.counts:
            results.append(measure(count, args.jobs, Path(work)))
            log(results[-1].row())
    print(table(results))
    if args.readme:
        write_results(table(results), args.jobs)


def measure(count: int, jobs: int, work: Path) -> Result:
    project = generate(work / f"n{count}", count)
    log(f"N={count}: floor")
    floor_pdfs = weasyprint_floor(project) / jobs
    floor_site = mkdocs_floor(project)
    # Cold means nothing built before: no PDFs, no caches, no site.
    shutil.rmtree(project / "build", ignore_errors=True)
    shutil.rmtree(project / "site", ignore_errors=True)
    log(f"N={count}: the peer, mkdocs-to-pdf")
    peer, peer_pages = peer_build(project)
    log(f"N={count}: cold build")
    cold = timed_build(project, jobs)
    pages = sum(len(PdfReader(pdf).pages) for pdf in (project / "build" / "pdf").glob("*.pdf"))
    edit_one_briefing(project)
    log(f"N={count}: warm rebuild")
    warm = timed_build(project, jobs)
    return Result(
        *(count, jobs, floor_pdfs, floor_site, cold.wall, warm.wall, cold.peak, warm.peak),
        *(cold.cpu, pages, peer, peer_pages),
    )


def peer_build(project: Path) -> tuple[Run, int]:
    """mkdocs-to-pdf 0.12.1 (bench/requirements.txt) over the same briefing pages as plain
    files (made by `mkdocs_floor`): one `mkdocs build` with the same theme that writes the
    site and one PDF of the briefings, as that plugin does, in its own print style (ours is
    for the screen and breaks its layout). Its run, and the pages of its PDF."""
    plain = project / "plain"
    generated = json.loads((plain / "generated.json").read_text(encoding="utf-8"))
    briefings = [
        item for item in generated["nav"] if isinstance(item, dict) and "Briefings" in item
    ]
    config = plain / "peer.yml"
    settings = {
        "INHERIT": "../mkdocs.yml",
        "nav": briefings,
        "site_dir": "peer-site",
        "plugins": [{"to-pdf": {"output_path": "peer.pdf"}}],
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config)]
    return timed(command, cwd=plain), len(PdfReader(plain / "peer-site" / "peer.pdf").pages)


def weasyprint_floor(project: Path) -> float:
    """Seconds WeasyPrint takes for every briefing's final HTML, one after another in
    this process, after one untimed document to load fonts and caches."""
    catalogue = Project(project).load()
    images = project / "briefings" / "images"
    documents = [briefing_html(catalogue, b) for b in catalogue.briefings]
    pdf_bytes(documents[0], images=images)
    total = 0.0
    for html in documents:
        start = time.perf_counter()
        pdf_bytes(html, images=images)
        total += time.perf_counter() - start
    return total


def mkdocs_floor(project: Path) -> float:
    """Seconds a plain `mkdocs build` takes for the site's pages as ordinary Markdown files.

    A first build with the plugin and the capture hook writes the generated pages and the
    navigation to plain/; the timed build is of plain/, with the same theme and
    configuration (inherited) but without the plugin.
    """
    plain = project / "plain"
    shutil.copytree(project / "docs", plain / "docs")
    capture = project / "capture.yml"
    hook = REPO / "bench" / "capture.py"
    capture.write_text(
        yaml.safe_dump({"INHERIT": "mkdocs.yml", "hooks": [str(hook)], "site_dir": "capture"}),
        encoding="utf-8",
    )
    mkdocs(capture, {"BENCH_PLAIN_DIR": str(plain)})
    generated = json.loads((plain / "generated.json").read_text(encoding="utf-8"))
    config = plain / "mkdocs.yml"
    config.write_text(
        yaml.safe_dump({"INHERIT": "../mkdocs.yml", "plugins": ["search"], **generated}),
        encoding="utf-8",
    )
    start = time.perf_counter()
    mkdocs(config, {})
    return time.perf_counter() - start


def mkdocs(config: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config)],
        cwd=config.parent,
        env={**QUIET, **env},
        check=True,
    )


def timed_build(project: Path, jobs: int) -> Run:
    """The run of `build.py build`."""
    command = [sys.executable, str(REPO / "build.py"), "--root", str(project)]
    return timed([*command, "build", "--jobs", str(jobs)], cwd=REPO)


def timed(command: list[str], *, cwd: Path) -> Run:
    """Wall seconds, CPU seconds of the process and every child it waited for, and peak
    memory (bytes, summed over the process tree) of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=QUIET, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = PeakMemory(process.pid)
    peak.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    peak.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(elapsed, cpu, peak.bytes)


class PeakMemory(threading.Thread):
    """Samples the summed resident memory of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.bytes = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_EVERY):
            self.bytes = max(self.bytes, tree_rss(self.pid))

    def stop(self) -> None:
        self.done.set()
        self.join()


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and its descendants, read from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        # The command name is in parentheses and may hold spaces: fields follow the last ')'.
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(stat.parent.name)
        children[int(fields[1])].append(pid)
        rss[pid] = int(fields[21]) * PAGE_SIZE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children[pid]
    return total


def edit_one_briefing(project: Path) -> None:
    """An editor's change: one more sentence in the first section of the first briefing."""
    source = sorted((project / "briefings").glob("*.yaml"))[0]
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["sections"][0]["body"] += "\n\nAn editor added this sentence."
    source.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )


def table(results: list[Result]) -> str:
    return "\n".join(
        [HEADER, *(r.row() for r in results), "", PEER_HEADER, *(peer_row(r) for r in results)]
    )


def write_results(text: str, jobs: int) -> None:
    readme = README.read_text(encoding="utf-8")
    before, rest = readme.split(RESULTS_START)
    _, after = rest.split(RESULTS_END)
    machine = (
        f"{os.cpu_count()} cores, --jobs {jobs}, Python {sys.version.split()[0]}, "
        f"WeasyPrint {WEASYPRINT}, {time.strftime('%Y-%m-%d')}"
    )
    block = f"{RESULTS_START}\n{machine}\n\n{text}\n{RESULTS_END}"
    README.write_text(before + block + after, encoding="utf-8")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
