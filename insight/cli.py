"""The command line behind build.py: check, build and maintain the briefings.

Each command imports what only it needs as it runs. So `build` starts its PDF worker
before it imports the catalogue's code (pydantic and the YAML reader, 0.2 s), and has
sent that worker its first PDF before it imports MkDocs and the site's code (0.2 s
more): each is loaded while the worker loads WeasyPrint or lays that PDF out.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from insight.edition import Edition
from insight.errors import SourceError, SourceErrors
from insight.faults import ENVIRONMENT_FAULT, describe, during
from insight.outputs import PDF, Download, discard_held_back, downloads_of
from insight.project import Project

if TYPE_CHECKING:
    from insight.catalogue import Catalogue
    from insight.spelling import SourceWarning

ROOT = Path(__file__).resolve().parent.parent


def exit_at_once(code: int) -> NoReturn:
    """End the process with `code` once its exit handlers have run (they end any PDF worker
    and remove temporary folders), without freeing its objects one by one first: that took
    0.2 to 0.3 s after every build, and the system takes the memory back at once. A thread
    still at work is waited for, as at a normal exit."""
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    if any(not thread.daemon for thread in others):
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:  # a full disk, a reader gone: the output is not whole
        with contextlib.suppress(OSError, ValueError):
            print(f"could not write the output: {exc}", file=sys.stderr)
        code = code or 120  # as Python exits when it cannot flush its output
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    project = Project(args.root.resolve())
    try:
        with stopping_on_signals():
            return args.run(project, args)
    except SourceErrors as exc:
        report(exc.errors, getattr(args, "format", "text"))
        return 1
    except (OSError, BrokenProcessPool) as exc:  # the machine's fault, not the editor's nor ours
        if args.debug:
            traceback.print_exc()
        print(machine_fault(exc, project), file=sys.stderr)
        return ENVIRONMENT_FAULT
    except (KeyboardInterrupt, Stopped) as exc:
        # Every output is written whole or not at all, so what is there is safe to publish.
        signal_name = "Ctrl-C" if isinstance(exc, KeyboardInterrupt) else exc.name
        print(
            f"stopped by {signal_name}: nothing half-written was kept; build again to finish",
            file=sys.stderr,
        )
        return 128 + (signal.SIGINT if isinstance(exc, KeyboardInterrupt) else exc.signum)
    except Exception as exc:  # a bug of ours, not an editor's mistake: say so plainly
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(
            "This is a fault in the pipeline, not in your briefing; run with --debug and report it.",
            file=sys.stderr,
        )
        return 2


class Stopped(BaseException):
    """SIGTERM, raised where the build is, so that it stops as Ctrl-C stops it: each output
    left whole, the PDF workers ended. A BaseException, so that no `except Exception` in
    the tools we call can swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt and SIGTERM `Stopped` while the command runs (in the
    main thread, where a handler can be set; main() may also be called from elsewhere, as
    the tests do). A signal that lands in a finaliser or a weak reference's callback has its
    exception reported and dropped by Python, so one that was received but did not stop the
    command stops it at the end: a build asked to stop never exits 0."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt if signum == signal.SIGINT else Stopped(signum)

    previous_hook = sys.unraisablehook

    def report_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt | Stopped):
            previous_hook(unraisable)  # whoever set it (a test runner) still hears of the rest

    previous = {
        signum: signal.signal(signum, stop)
        for signum in (signal.SIGINT, signal.SIGTERM)
        if signal.getsignal(signum) is not signal.SIG_IGN  # as a job started in the background
    }
    sys.unraisablehook = report_unraisable
    try:
        yield
        if received:
            stop(received[0], None)
    finally:
        sys.unraisablehook = previous_hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def machine_fault(exc: OSError | BrokenProcessPool, project: Project) -> str:
    if isinstance(exc, OSError):
        return describe(exc, project.root)
    return (
        "cannot render the PDFs: a worker process was killed, perhaps for want of memory "
        "(use fewer --jobs or free some memory, and build again)"
    )


EXIT_STATUS = f"""exit status:
  0         done
  1         an error in the sources, each printed as file:line:column
  2         a wrong command line, or a fault in the pipeline (run with --debug and report it)
  {ENVIRONMENT_FAULT}         a fault of the machine, printed with the path and what to do: a full disk,
            a read-only file system, no permission, a file where a folder must be
  130, 143  stopped by Ctrl-C or SIGTERM; every output is whole, either new or as it was
"""


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the Insight briefings: the subscriber site and the PDFs, from briefings/*.yaml.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show a traceback on an internal error"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the project folder, holding briefings/, docs/ and mkdocs.yml (default: this repository)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(
        name: str, run: Callable[[Project, argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    check = command(
        "check",
        run_check,
        "Validate briefing sources and print every error as file:line:column; exit 1 if there is any. "
        "Words the British English dictionary and briefings/words.txt do not know are warnings.",
    )
    check.add_argument(
        "files", nargs="*", type=Path, help="sources to check (default: every briefings/*.yaml)"
    )
    check.add_argument(
        "--format",
        choices=["text", "github"],
        default="text",
        help="'github' prints GitHub Actions annotations, shown on the changed lines of a pull request",
    )
    command(
        "schema",
        run_schema,
        "Regenerate the files made from the model: the JSON Schema in briefings/ and the field reference in CONTRIBUTING.md.",
    ).add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed schema is out of date, writing nothing",
    )
    build = command(
        "build",
        run_build,
        "Check the sources, then build every PDF and the subscriber site, or with --edition public "
        "the public site alone, skipping whatever is already up to date.",
    )
    add_jobs(build)
    build.add_argument(
        "--edition",
        type=Edition,
        choices=list(Edition),
        default=Edition.subscriber,
        help="'subscriber' (default): everything, with the PDFs, into site/; "
        "'public': titles, summaries, key messages and prices only, no PDFs, into site-public/",
    )
    build.add_argument(
        "--preview-embargoed",
        action="store_true",
        help="include the briefings whose release time has not come, each marked 'embargoed': "
        "for editors to look at, never to publish",
    )
    serve = command(
        "serve",
        run_serve,
        "Preview the site at http://127.0.0.1:8000/, rebuilt and reloaded as you save; "
        "a source with errors shows them, each at its file:line:column, in the page.",
    )
    serve.add_argument(
        "--edition",
        type=Edition,
        choices=list(Edition),
        default=Edition.subscriber,
        help="'subscriber' (default): everything; 'public': what anyone can read",
    )
    serve.add_argument(
        "--port", type=positive, default=8000, help="the port to serve on (default: 8000)"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to serve on (default: 127.0.0.1, this machine only)",
    )
    pdf = command(
        "pdf",
        run_pdf,
        "Check the sources, then write the print edition of each briefing as build/pdf/ID.pdf.",
    )
    add_jobs(pdf)
    pdf.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="the briefings to render, by id, e.g. living-with-austerity (default: every one)",
    )
    new = command("new", run_new, "Start a new source from a commented scaffold.")
    new.add_argument(
        "what",
        choices=["briefing", "case-study"],
        help="'briefing ID' writes briefings/ID.yaml; 'case-study BRIEFING ID' adds one to a briefing",
    )
    new.add_argument(
        "ids", nargs="+", metavar="ID", help="the new id (after the briefing's, for a case study)"
    )
    diff = command(
        "diff",
        run_diff,
        "Summarise, in Markdown for a pull request, what the working tree changes in the content since a git ref.",
    )
    diff.add_argument("ref", help="the git ref to compare with, e.g. origin/main")
    add_jobs(diff)
    diff.add_argument(
        "--pdf",
        action="store_true",
        help="compare the PDFs instead: build those of the ref and of the working tree, and write "
        "each page that differs, before and after side by side, as a PNG in --out",
    )
    diff.add_argument(
        "--out",
        type=Path,
        default=Path("build/pdf-diff"),
        help="where --pdf writes its images, one folder per briefing (default: build/pdf-diff)",
    )
    return parser


def add_jobs(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--jobs",
        type=positive,
        default=os.cpu_count() or 1,
        metavar="N",
        help="render up to N PDFs at once (default: one per core, here %(default)s)",
    )


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not '{text}'")
    return int(text)


def run_check(project: Project, args: argparse.Namespace) -> int:
    from insight.spelling import WORDS_FILE, spelling_warnings

    files = args.files or project.sources()
    missing = [f for f in files if not os.path.lexists(f)]  # the rest: see read_source
    if missing:
        report([SourceError(str(f), 1, 1, "no such file") for f in missing], args.format)
        return 1
    catalogue = project.check(files)
    # Spelling once there is no error: an editor fixes those first, and each stays one line.
    report_warnings(
        spelling_warnings(files, project.briefings / WORDS_FILE, project.root), args.format
    )
    print(f"{len(files)} briefing source(s) checked: no errors.", file=sys.stderr)
    if catalogue is not None:
        report_scheduled(catalogue, files, args.format)
    return 0


def report_scheduled(catalogue: Catalogue, files: list[Path], format: str) -> None:
    """A note at each checked source still to be released: when it goes out."""
    from insight.release import now, scheduled

    checked = {f.resolve() for f in files}
    for item in scheduled(catalogue, now()):
        if item.source.path.resolve() in checked:
            print(item.github() if format == "github" else item.note(), file=sys.stderr)


def report_warnings(warnings: list[SourceWarning], format: str) -> None:
    from insight.spelling import WORDS_FILE

    for warning in warnings:
        print(
            warning.github() if format == "github" else warning,
            file=sys.stdout if format == "github" else sys.stderr,
        )
    if warnings:
        print(
            f"{len(warnings)} spelling warning(s): words the British English dictionary and "
            f"briefings/{WORDS_FILE} do not know (they do not stop the build).",
            file=sys.stderr,
        )


def run_schema(project: Project, args: argparse.Namespace) -> int:
    from insight.schema import generated_files, stale_files, write_generated

    names = ", ".join(str(p.relative_to(project.root)) for p in generated_files(project.root))
    if args.check:
        stale = stale_files(project.root)
        for path in stale:
            print(
                f"{path.relative_to(project.root)} is out of date: run 'python build.py schema'",
                file=sys.stderr,
            )
        return 1 if stale else 0
    written = write_generated(project.root)
    print(f"{'updated' if written else 'already up to date'}: {names}", file=sys.stderr)
    return 0


def run_build(project: Project, args: argparse.Namespace) -> int:
    from insight.site.siteurl import ENVIRONMENT, override_problem

    if problem := override_problem(os.environ.get(ENVIRONMENT)):
        print(f"build: {problem}", file=sys.stderr)
        return 2
    edition = args.edition
    with ExitStack() as ahead:
        for download in downloads_of(edition):
            ahead.enter_context(download.ahead(args.jobs))
        # Imported while the worker started ahead loads WeasyPrint.
        from insight.builder import build_edition
        from insight.release import now, released

        # Nothing tracked is written here: `schema` writes the generated files, and a test
        # (tests/test_schema.py) says they are current.
        every = load_for_building(project)
        print(f"{len(every.briefings)} briefing(s) checked.", file=sys.stderr)
        # Only what may be published now; a preview keeps the rest, marked as under embargo.
        catalogue = released(every, now(), preview=args.preview_embargoed)
        discard_held_back(project, every, catalogue)

        def report(download: Download, written: list[Path]) -> None:
            report_written(project, written, len(catalogue.briefings), download.name)

        site = build_edition(project, catalogue, edition, args.jobs, report).site
    if site is None:
        print(f"the {edition} site is up to date", file=sys.stderr)
    else:
        print(f"wrote {site.relative_to(project.root)}/ (the {edition} site)", file=sys.stderr)
    return 0


def load_for_building(project: Project) -> Catalogue:
    """The catalogue, with the build cache started so that the next build can reuse it
    (loading refuses one that a commit brought)."""
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    return project.load()


def run_pdf(project: Project, args: argparse.Namespace) -> int:
    from insight.release import now, released

    catalogue = released(load_for_building(project), now())
    unknown = [i for i in args.ids if i not in catalogue.by_id]
    if unknown:
        print(f"no briefing has the id {', '.join(unknown)}", file=sys.stderr)
        print(f"the ids are: {', '.join(sorted(catalogue.by_id))}", file=sys.stderr)
        return 1
    wanted = args.ids or None
    with during("rendering the PDFs"):
        written = PDF.render(project, catalogue, wanted, args.jobs)
    report_written(project, written, len(wanted or catalogue.briefings), PDF.name)
    return 0


def report_written(project: Project, written: list[Path], wanted: int, name: str) -> None:
    for path in written:
        print(f"wrote {path.relative_to(project.root)}", file=sys.stderr)
    if unchanged := wanted - len(written):
        print(f"{unchanged} {name}(s) up to date, left as they were", file=sys.stderr)


def run_serve(project: Project, args: argparse.Namespace) -> int:
    from insight.preview import serve  # the live-reload server, only when asked for

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    project.refuse_tracked_outputs()
    serve(project, args.edition, args.host, args.port)
    return 0


def run_new(project: Project, args: argparse.Namespace) -> int:
    from insight.scaffold import new_briefing, new_case_study

    expected = 1 if args.what == "briefing" else 2
    if len(args.ids) != expected:
        usage = "new briefing ID" if expected == 1 else "new case-study BRIEFING ID"
        print(f"usage: build.py {usage}", file=sys.stderr)
        return 2
    if args.what == "briefing":
        path = new_briefing(project.briefings, args.ids[0])
    else:
        path = new_case_study(project.briefings, *args.ids)
    print(
        f"wrote {path.relative_to(project.root)}: replace each FILL IN, then run 'python build.py check'",
        file=sys.stderr,
    )
    return 0


def run_diff(project: Project, args: argparse.Namespace) -> int:
    from insight.changes import GitError, summarise_changes
    from insight.pdfdiff import BuildError

    try:
        if args.pdf:
            print(pdf_changes(project, args.ref, args.out, args.jobs))
        else:
            print(summarise_changes(project.root, args.ref, project.load()))
    except (GitError, BuildError) as exc:
        print(f"diff: {exc}", file=sys.stderr)
        return 2
    return 0


def pdf_changes(project: Project, ref: str, out: Path, jobs: int | None) -> str:
    """The one-line summary per briefing of `diff --pdf`, in Markdown, the images in `out`."""
    from insight.pdfdiff import changed, compare_all, pdfs_at

    catalogue = load_for_building(project)
    with during("rendering the PDFs"):
        PDF.render(project, catalogue, None, jobs)
    out = out if out.is_absolute() else project.root / out
    if out.is_dir():
        shutil.rmtree(out)  # images of an earlier comparison would mislead
    after = {b.id: project.pdf_dir / f"{b.id}.pdf" for b in catalogue.briefings}
    with tempfile.TemporaryDirectory() as tmp:
        with during(f"building the PDFs of {ref}"):
            before = pdfs_at(project.root, ref, Path(tmp))
        differing = list(changed(compare_all(before, after, out)))
    lines = [f"## Printed pages changed since `{ref}`", ""]
    lines += [f"- {change.summary()}" for change in differing] or ["No page of any PDF changed."]
    if differing:
        shown = out.relative_to(project.root) if out.is_relative_to(project.root) else out
        lines += ["", f"Each changed page, before and after, is an image in `{shown}/`."]
    return "\n".join(lines)


def report(errors: list[SourceError], format: str) -> None:
    for error in errors:
        if format == "github":
            print(error.github())
        else:
            print(error, file=sys.stderr)
    files = len({e.path for e in errors})
    print(f"{len(errors)} error(s) in {files} file(s).", file=sys.stderr)
