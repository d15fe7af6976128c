"""Benchmark `build.py build` against the floor, on synthetic catalogues of N briefings.

    python -m bench.run [N ...] [--preview-at N] [--memory-at N] [--jobs J] [--rounds R] [--readme]

For each N, in one run: the floor (WeasyPrint alone on the same final HTML, summed and
divided by the jobs, plus a plain `mkdocs build` of the same pages), the peer (mkdocs-to-pdf
over the same pages, from bench/requirements.txt), a cold build, a warm rebuild after
editing one briefing, and the wall time, CPU time and peak memory of each.
--rounds R: the peer and the cold build R times each, in turn, then R warm rebuilds
(default 2); the best of each.
--preview-at N: seconds from saving an edit until `build.py serve` serves it, at N.
--memory-at N: the peak memory of a cold build at 50 and at N briefings.
With neither and no N, the N are 5, 50 and 200.
See bench/README.md for what each column means and the latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from mkdocs.config import load_config
from pypdf import PdfReader
from weasyprint import __version__ as WEASYPRINT

from bench.generate import generate
from bench.preview import preview_seconds
from insight.catalogue import Catalogue
from insight.edition import Edition
from insight.errors import SourceErrors
from insight.look import look_of_catalogue
from insight.pdf.document import briefing_html
from insight.pdf.render import pdf_bytes
from insight.project import Project
from insight.release import now, released
from insight.site.generate import SCRIPTS, STYLESHEET, Settings, generate_site
from insight.site.pages import navigation, site_pages

REPO = Path(__file__).resolve().parent.parent
README = REPO / "bench" / "README.md"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.05  # seconds between memory samples
QUIET = {**os.environ, "CI": "true", "NO_MKDOCS_2_WARNING": "1"}
BUILD_PY = [sys.executable, str(REPO / "build.py")]
PREVIEW_TARGET = 1.5  # seconds from a save to the changed page, at N = 50
MEMORY_BASE = 50  # the N the other targets are at, beside which --memory-at's is read
MEMORY_TARGET = 600e6  # bytes


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
            f"{self.warm:.2f}",
            f"**{self.warm / self.cold:.1%}**",
            f"{self.cold_peak / 1e6:.0f}",
            f"{self.warm_peak / 1e6:.0f}",
        ]
        return table_row(cells)


def table_row(cells: list[str]) -> str:
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
    return table_row(cells)


HEADER = (
    "| N | floor: WeasyPrint ÷ jobs (s) | floor: plain mkdocs (s) | floor (s) | cold (s) "
    "| cold / floor | warm (s) | warm / cold | peak cold (MB) | peak warm (MB) |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


PREVIEW_HEADER = (
    "| | N | each edit (s) | median (s) | target (s) | median / target |\n"
    "|---|---:|---:|---:|---:|---:|"
)


def preview_row(count: int, seconds: list[float]) -> str:
    median = statistics.median(seconds)
    cells = [
        "preview after one edit",
        f"{count}",
        ", ".join(f"{s:.2f}" for s in seconds),
        f"{median:.2f}",
        f"{PREVIEW_TARGET}",
        f"**{median / PREVIEW_TARGET:.2f}**",
    ]
    return table_row(cells)


MEMORY_HEADER = (
    "| N | peak cold (MB) | MB per briefing | MB per briefing added | peak / 600 MB |\n"
    "|---:|---:|---:|---:|---:|"
)


def memory_table(peaks: dict[int, int]) -> str:
    """A row per N; the memory each briefing adds since the N before says whether it grows
    linearly."""
    counts = sorted(peaks)
    rows = []
    for i, count in enumerate(counts):
        peak = peaks[count]
        added = ""
        if i:
            before = counts[i - 1]
            added = f"{(peak - peaks[before]) / (count - before) / 1e6:.2f}"
        cells = [
            f"{count}",
            f"{peak / 1e6:.0f}",
            f"{peak / count / 1e6:.1f}",
            added,
            f"**{peak / MEMORY_TARGET:.2f}**",
        ]
        rows.append(table_row(cells))
    return "\n".join([MEMORY_HEADER, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, metavar="N")
    parser.add_argument("--preview-at", type=int, metavar="N", help="time the preview at N")
    parser.add_argument(
        "--memory-at", type=int, metavar="N", help=f"peak memory at {MEMORY_BASE} and N"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--rounds", type=int, default=2, metavar="R", help="cold builds and peer builds, in turn"
    )
    parser.add_argument("--readme", action="store_true", help=f"write the tables into {README}")
    args = parser.parse_args()
    if not (args.counts or args.preview_at or args.memory_at):
        args.counts = [5, 50, 200]
    blocks: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="insight-bench-") as work:
        results = []
        for count in args.counts:
            results.append(measure(count, args.jobs, Path(work), args.rounds))
            log(results[-1].row())
        if results:
            blocks["results"] = table(results)
        if args.preview_at:
            blocks["preview"] = preview(args.preview_at, Path(work))
        if args.memory_at:
            # A cold build the table above has made is not made again.
            peaks = {r.count: r.cold_peak for r in results}
            blocks["memory"] = memory_table(
                {
                    n: peaks.get(n) or cold_peak(n, args.jobs, Path(work))
                    for n in sorted({MEMORY_BASE, args.memory_at})
                }
            )
    print("\n\n".join(blocks.values()))
    if args.readme:
        for name, text in blocks.items():
            write_results(name, text, None if name == "preview" else args.jobs)


def preview(count: int, work: Path) -> str:
    project = generate(work / f"preview-n{count}", count)
    log(f"N={count}: preview")
    return "\n".join(
        [PREVIEW_HEADER, preview_row(count, preview_seconds(BUILD_PY, project, QUIET))]
    )


def cold_peak(count: int, jobs: int, work: Path) -> int:
    project = generate(work / f"memory-n{count}", count)
    log(f"N={count}: cold build, for its peak memory")
    return timed_build(project, jobs).peak


def measure(count: int, jobs: int, work: Path, rounds: int = 1) -> Result:
    """The floor, then `rounds` of (the peer, a cold build) in turn, each side's best taken,
    then `rounds` warm rebuilds, each after an edit of its own, the best taken: the
    machine's speed drifts, and by as much as a third in minutes, so alternating rounds
    compare the two at the same times."""
    project = generate(work / f"n{count}", count)
    log(f"N={count}: floor")
    floor_pdfs = weasyprint_floor(project) / jobs
    floor_site = mkdocs_floor(project)
    peers, colds = [], []
    for number in range(1, rounds + 1):
        # Cold means nothing built before: no PDFs, no caches, no site.
        shutil.rmtree(project / "build", ignore_errors=True)
        shutil.rmtree(project / "site", ignore_errors=True)
        log(f"N={count}: the peer, mkdocs-to-pdf (round {number} of {rounds})")
        peers.append(peer_build(project))
        log(f"N={count}: cold build (round {number} of {rounds})")
        colds.append(timed_build(project, jobs))
    peer, peer_pages = best([run for run, _ in peers]), peers[0][1]
    cold = best(colds)
    pages = sum(len(PdfReader(pdf).pages) for pdf in (project / "build" / "pdf").glob("*.pdf"))
    warms = []
    for number in range(1, rounds + 1):
        edit_one_briefing(project)  # a new edit each time, so that one PDF is made again
        log(f"N={count}: warm rebuild (round {number} of {rounds})")
        warms.append(timed_build(project, jobs))
    warm = best(warms)
    return Result(
        *(count, jobs, floor_pdfs, floor_site, cold.wall, warm.wall, cold.peak, warm.peak),
        *(cold.cpu, pages, peer, peer_pages),
    )


def best(runs: list[Run]) -> Run:
    """The least wall and CPU time of a command run several times, and the most memory."""
    return Run(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.peak for r in runs))


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
    catalogue = loaded(project)
    images = project / "briefings" / "images"
    documents = [briefing_html(catalogue, b) for b in catalogue.briefings]
    colours = look_of_catalogue(catalogue).variables("print")
    pdf_bytes(documents[0], images=images, variables=colours)
    total = 0.0
    for html in documents:
        start = time.perf_counter()
        pdf_bytes(html, images=images, variables=colours)
        total += time.perf_counter() - start
    return total


def mkdocs_floor(project: Path) -> float:
    """Seconds a plain `mkdocs build` takes for the site's pages as ordinary Markdown files.

    `generate_site` makes every file of the site and `navigation` the expanded navigation,
    without MkDocs; they are written to plain/, and the timed build is of plain/, with the
    same theme and configuration (inherited) but without the plugin.
    """
    plain = project / "plain"
    docs = plain / "docs"
    shutil.copytree(project / "docs", docs)
    config = load_config(config_file=str(project / "mkdocs.yml"))
    catalogue = released(loaded(project), now())
    settings = Settings(Edition.subscriber, config.site_name, use_directory_urls=True)
    written = [p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()]
    for made in generate_site(Project(project), catalogue, settings, written).files:
        target = docs / made.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        if made.source is not None:
            shutil.copyfile(made.source, target)
        elif isinstance(made.content, bytes):
            target.write_bytes(made.content)
        else:
            target.write_text(str(made.content), encoding="utf-8")
    generated = {
        "nav": navigation(config.nav or [], site_pages(catalogue)),
        "extra_css": [*config.extra_css, STYLESHEET],
        "extra_javascript": [*map(str, config.extra_javascript), *SCRIPTS],
    }
    (plain / "generated.json").write_text(json.dumps(generated), encoding="utf-8")
    settings_file = plain / "mkdocs.yml"
    settings_file.write_text(
        yaml.safe_dump({"INHERIT": "../mkdocs.yml", "plugins": ["search"], **generated}),
        encoding="utf-8",
    )
    start = time.perf_counter()
    mkdocs(settings_file, {})
    return time.perf_counter() - start


def loaded(project: Path) -> Catalogue:
    """The generated catalogue; a benchmark whose catalogue does not load says why."""
    try:
        return Project(project).load()
    except SourceErrors as exc:
        lines = ["the generated catalogue has errors:", *map(str, exc.errors)]
        raise SystemExit("\n".join(lines)) from None


def mkdocs(config: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config)],
        cwd=config.parent,
        env={**QUIET, **env},
        check=True,
    )


def timed_build(project: Path, jobs: int) -> Run:
    """The run of `build.py build`."""
    command = [*BUILD_PY, "--root", str(project), "build", "--jobs", str(jobs)]
    return timed(command, cwd=REPO)


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


def write_results(name: str, text: str, jobs: int | None) -> None:
    """Replace the README's block `name` (between <!-- name --> and <!-- /name -->), so
    that a run writes the tables it measured and leaves the others as they were."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    readme = README.read_text(encoding="utf-8")
    before, rest = readme.split(start)
    _, after = rest.split(end)
    machine = ", ".join(
        [f"{os.cpu_count()} cores"]
        + ([f"--jobs {jobs}"] if jobs else [])
        + [
            f"Python {sys.version.split()[0]}",
            f"WeasyPrint {WEASYPRINT}",
            # When: with several runs a day, which run a table comes from.
            time.strftime("%Y-%m-%d %H:%M %Z"),
            f"commit {commit()}",
        ]
    )
    README.write_text(f"{before}{start}\n{machine}\n\n{text}\n{end}{after}", encoding="utf-8")


def commit() -> str:
    """The commit measured, marked when the working tree differs from it."""
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "diff", "--quiet", "HEAD", "--", "insight", "build.py"]
    ).returncode
    return f"{head or 'unknown'}{' with changes' if dirty else ''}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
