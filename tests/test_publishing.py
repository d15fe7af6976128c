"""Published on the web: addresses, revisions, citation and release times.

The fixture project (tests/fixtures/publishing/project/) has a corrected briefing with
further reading, a withdrawn one and one under embargo. Both editions are built once
for the module by `build.py build`, as an editor would, with INSIGHT_SITE_URL set to a
sub-path, and with the embargoed briefing due tomorrow; a preview is built beside them.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import bibtexparser
import pypandoc
import pytest
import rispy
import yaml
from pypdf import PdfReader

from insight.catalogue import load_catalogue
from insight.changes import summarise_changes
from insight.citation import STYLE
from insight.errors import SourceErrors
from insight.project import Project
from insight.release import released
from insight.site.siteurl import override_problem
from tests.browsing import (
    CHROMIUM,
    QuietServer,
    chromium,
    confined_page,
    needs_chromium,
    served,
)
from tests.conftest import ROOT
from tests.support import Elements
from tests.test_accessibility import AXE, WIDTHS, audit

FIXTURE = ROOT / "tests" / "fixtures" / "publishing" / "project"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PATH = "/insight/"
ADDRESS = f"http://127.0.0.1:8765{PATH}"
EMBARGOED_ID = "scheduled-briefing"
# What of the embargoed briefing could show anywhere: its id, its title, what only it says.
EMBARGOED_TRACES = [EMBARGOED_ID, "Embargoed Zanzibar fixture", "Zanzibar", "embargoed-fixture"]


@dataclass(frozen=True)
class Built:
    project: Path
    sites: dict[str, Path]


def fixture_project(where: Path, release: datetime) -> Path:
    project = where / "project"
    shutil.copytree(FIXTURE, project)
    (project / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    set_release(project, release)
    return project


def set_release(project: Path, release: datetime) -> None:
    source = project / "briefings" / f"{EMBARGOED_ID}.yaml"
    text = re.sub(r"(?m)^release: .*$", f"release: {release.isoformat()}", source.read_text())
    source.write_text(text)


def build(project: Path, *args: str, site_url: str = ADDRESS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(project), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "INSIGHT_SITE_URL": site_url},
    )


def build_both(project: Path, *flags: str) -> Built:
    for edition in ("subscriber", "public"):
        result = build(project, "build", "--edition", edition, *flags)
        assert result.returncode == 0, result.stderr
    return Built(project, {"subscriber": project / "site", "public": project / "site-public"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    return build_both(fixture_project(tmp_path_factory.mktemp("published"), tomorrow))


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    project = fixture_project(tmp_path_factory.mktemp("preview"), tomorrow)
    return build_both(project, "--preview-embargoed")


class Tags(Elements):
    def meta(self, name: str) -> list[str]:
        return [
            a.get("content") or ""
            for tag, a in self.tags
            if tag == "meta" and name in (a.get("name"), a.get("property"))
        ]

    def canonical(self) -> list[str]:
        return [
            a.get("href") or "" for t, a in self.tags if t == "link" and a.get("rel") == "canonical"
        ]


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def built_file(site: Path, address: str) -> Path:
    """The file a server of `site` at ADDRESS answers `address` with."""
    assert address.startswith(ADDRESS), address
    path = site / urlsplit(address).path.removeprefix(PATH)
    return path / "index.html" if address.endswith("/") else path


def errors_of(project: Path) -> list[str]:
    """The errors `check` prints for the project, as it prints them."""
    try:
        Project(project).check(Project(project).sources())
    except SourceErrors as exc:
        return [str(error) for error in exc.errors]
    return []


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


# Addresses.


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_every_feed_link_is_absolute_and_leads_to_a_built_file(built: Built, edition: str) -> None:
    site = built.sites[edition]
    feed = ET.parse(site / "feed.xml").getroot()
    links = [link.get("href") or "" for link in feed.iter(f"{ATOM}link")]
    assert len(links) >= 2 + 2  # the feed's own two, and one per briefing at least
    for link in links:
        assert built_file(site, link).is_file(), link
    enclosures = [link for link in feed.iter(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert bool(enclosures) is (edition == "subscriber")


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_the_sitemap_lists_every_page_and_every_page_names_its_own_address(
    built: Built, edition: str
) -> None:
    site = built.sites[edition]
    listed = {loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")}
    pages = html_pages(site)
    assert any("organisations/fixture-borough-council" in str(p) for p in pages)
    addresses = set()
    for path in pages:
        [canonical] = Tags(path.read_text(encoding="utf-8")).canonical()
        assert built_file(site, canonical) == path
        addresses.add(canonical)
    assert listed == addresses
    assert (
        gzip.decompress((site / "sitemap.xml.gz").read_bytes())
        == (site / "sitemap.xml").read_bytes()
    )


class SubPathHandler(SimpleHTTPRequestHandler):
    """A static host serving the site under PATH, answering a missing page with 404.html."""

    def translate_path(self, path: str) -> str:
        inside = path.removeprefix(PATH.rstrip("/")) if path.startswith(PATH) else "/nowhere/"
        return super().translate_path(inside)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served_under_path(folder: Path) -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), functools.partial(SubPathHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{PATH}"
    finally:
        server.shutdown()
        server.server_close()


@needs_chromium
def test_the_404_page_loads_its_stylesheets_and_scripts_under_a_sub_path(built: Built) -> None:
    assert Path(CHROMIUM).exists()
    with served_under_path(built.sites["public"]) as base, chromium() as browser:
        page = browser.new_page()
        answers: dict[str, int] = {}
        page.on("response", lambda r: answers.__setitem__(r.url, r.status))
        response = page.goto(base + "no/such/page/", wait_until="load")
        assert response is not None and response.status == 404
        assert page.title().startswith("Page not found")
        assets = {url: status for url, status in answers.items() if "/assets/" in url}
        assert any(url.endswith("/insight/assets/insight/insight.css") for url in assets), assets
        assert all(status == 200 for status in assets.values()), assets
        # The site's own stylesheet applies: its paper colour is the page's background.
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.md-main')).backgroundColor"
        )
        assert background == "rgb(251, 249, 245)"
        home = page.locator("article a", has_text="home page").get_attribute("href")
        assert home == PATH


def test_a_site_address_that_is_not_one_stops_the_build_saying_which_setting(
    tmp_path: Path,
) -> None:
    project = fixture_project(tmp_path, datetime.now(UTC) + timedelta(days=1))
    result = build(project, "build", "--edition", "public", site_url="insight.example.org")
    assert result.returncode != 0
    assert "INSIGHT_SITE_URL='insight.example.org' is not a site address" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "address",
    [
        'https://x.org/"><script>alert(1)</script>/',
        "https://x.org/a b/",
        "https://x.org/?query#fragment",
        "https://user:secret@x.org/",
    ],
)
def test_a_site_address_is_a_scheme_a_host_and_a_plain_path_only(address: str) -> None:
    """The theme writes it into every page's canonical link as it is."""
    problem = override_problem(address)
    assert problem is not None and "is not a plain site address" in problem
    assert override_problem("https://example.org/insight/") is None


# Revisions.


def test_a_correction_updates_the_feed_and_shows_on_the_page_and_in_the_pdf(built: Built) -> None:
    site = built.sites["subscriber"]
    feed = ET.parse(site / "feed.xml").getroot()
    [entry] = [
        e for e in feed.iter(f"{ATOM}entry") if "corrected-briefing" in e.findtext(f"{ATOM}id", "")
    ]
    assert entry.findtext(f"{ATOM}published") == "2016-08-23T00:00:00Z"
    assert entry.findtext(f"{ATOM}updated") == "2017-01-15T00:00:00Z"
    assert "FIXTURE-CORRECTION-NOTE" in entry.findtext(f"{ATOM}summary", "")
    assert feed.findtext(f"{ATOM}updated") == "2017-01-15T00:00:00Z"

    html = page(site, "briefings/corrected-briefing")
    assert 'id="revisions"' in html and "FIXTURE-CORRECTION-NOTE" in html
    assert "<em>fixture</em> case study" in html  # the note's Markdown, through pandoc
    assert '<a href="#revisions">15 January 2017 (corrected)</a>' in html
    public = page(built.sites["public"], "briefings/corrected-briefing")
    assert "FIXTURE-CORRECTION-NOTE" in public

    pdf = PdfReader(built.project / "build" / "pdf" / "corrected-briefing.pdf")
    # The colophon, on the page inside the cover: headings there are set in capitals.
    colophon = " ".join(pdf.pages[1].extract_text().replace("-\n", "-").split())
    assert "CORRECTIONS AND UPDATES Updated on 1 September 2016" in colophon
    assert "Corrected on 15 January 2017 The share of councils was 10%" in colophon
    assert "FIXTURE-CORRECTION-NOTE" in colophon


def test_a_withdrawn_briefing_keeps_its_page_with_a_notice_and_leaves_the_catalogue(
    built: Built,
) -> None:
    for site in built.sites.values():
        html = page(site, "briefings/withdrawn-briefing")
        assert "Withdrawn on" in html and "FIXTURE-WITHDRAWAL-NOTE" in html
        catalogue = page(site, "briefings")
        content = catalogue[catalogue.index('<article class="md-content__inner') :]
        assert "withdrawn-briefing" not in content
        assert "corrected-briefing" in content
        feed = (site / "feed.xml").read_text()
        assert "<title>Withdrawn: A withdrawn fixture briefing</title>" in feed


def test_revisions_out_of_order_or_after_a_withdrawal_are_located_errors(tmp_path: Path) -> None:
    project = fixture_project(tmp_path, datetime.now(UTC))
    source = project / "briefings" / "withdrawn-briefing.yaml"
    source.write_text(
        source.read_text() + "  - date: 2015-12-01\n    kind: corrected\n    note: Illustrative.\n"
    )
    [line] = errors_of(project)
    assert line.startswith("briefings/withdrawn-briefing.yaml:12:")
    assert "revisions are not oldest first" in line


def test_diff_reports_a_revision_recorded(tmp_path: Path) -> None:
    project = fixture_project(tmp_path, datetime(2000, 1, 1, tzinfo=UTC))
    git = ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run([*git, "add", "briefings"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], cwd=project, check=True)
    source = project / "briefings" / "corrected-briefing.yaml"
    source.write_text(
        source.read_text() + "  - date: 2018-02-02\n    kind: updated\n    note: Illustrative.\n"
    )
    files = sorted((project / "briefings").glob("*.yaml"))
    catalogue = load_catalogue(files, project / "briefings" / "images", base=project)
    summary = summarise_changes(project, "main", catalogue)
    public = summary.split("In the public edition")[1].split("For subscribers only")[0]
    assert "**Revision**: updated on 2018-02-02 recorded" in public


# Citation.


def test_the_citation_files_parse_and_agree_with_the_source(built: Built) -> None:
    source = yaml.safe_load((FIXTURE / "briefings" / "corrected-briefing.yaml").read_text())
    title = f"{source['title']}: {source['subtitle']}"
    address = ADDRESS + "briefings/corrected-briefing/"
    for site in built.sites.values():
        cite = site / "cite"
        [entry] = bibtexparser.parse_string((cite / "corrected-briefing.bib").read_text()).entries
        assert entry.entry_type == "techreport" and entry.key == "corrected-briefing"
        fields = {f.key: f.value for f in entry.fields}
        # TeX's special characters escaped, so that BibTeX prints what the source says.
        assert (
            fields["title"]
            == r"Counting \& caring: a \{fixture\} briefing: What 100\% of councils said"
        )
        assert fields["author"] == "{Example Publisher} and {Second Example Body}"
        assert (fields["year"], fields["month"], fields["url"]) == ("2016", "8", address)

        [record] = rispy.loads((cite / "corrected-briefing.ris").read_text())
        assert record["type_of_reference"] == "RPRT"
        assert record["title"] == title
        assert record["authors"] == source["publishers"]
        assert (record["year"], record["urls"]) == ("2016", [address])
        assert record["keywords"] == source["keywords"]

        items = json.loads((cite / "corrected-briefing.json").read_text())
        assert items[0]["title"] == title and items[0]["URL"] == address
        # citeproc itself reads it and formats it in the house style.
        formatted = pypandoc.convert_text(
            json.dumps(items),
            "plain",
            format="csljson",
            extra_args=["--citeproc", f"--csl={STYLE}"],
        )
        assert "Example Publisher and Second Example Body (2016)" in " ".join(formatted.split())
        assert title in " ".join(formatted.split())


def test_each_page_says_how_to_cite_it_and_offers_the_files(built: Built) -> None:
    html = page(built.sites["public"], "briefings/corrected-briefing")
    block = html[html.index('id="how-to-cite"') :]
    assert "Example Publisher and Second Example Body (2016) <em>Counting &amp; caring" in block
    assert f'Available at: <a href="{ADDRESS}briefings/corrected-briefing/">' in block
    for name, extension in [("BibTeX", "bib"), ("RIS", "ris"), ("CSL-JSON", "json")]:
        assert f'<a href="../../cite/corrected-briefing.{extension}" download>{name}' in block


def test_citation_metadata_names_the_pdf_for_subscribers_only(built: Built) -> None:
    for edition, site in built.sites.items():
        tags = Tags(page(site, "briefings/corrected-briefing"))
        assert tags.meta("citation_title") == ["Counting & caring: a {fixture} briefing"]
        assert tags.meta("citation_author") == ["Example Publisher", "Second Example Body"]
        assert tags.meta("citation_publication_date") == ["2016/08/23"]
        assert tags.meta("citation_publisher") == ["Example Publisher, Second Example Body"]
        pdf = tags.meta("citation_pdf_url")
        if edition == "subscriber":
            assert pdf == [ADDRESS + "pdf/corrected-briefing.pdf"]
            assert built_file(site, pdf[0]).is_file()
        else:
            assert pdf == []


def test_shared_links_show_an_image_drawn_for_the_public_edition(built: Built) -> None:
    public, subscriber = built.sites["public"], built.sites["subscriber"]
    tags = Tags(page(public, "briefings/corrected-briefing"))
    [image] = tags.meta("og:image")
    assert tags.meta("og:url") == [ADDRESS + "briefings/corrected-briefing/"]
    assert tags.meta("twitter:card") == ["summary_large_image"]
    assert tags.meta("article:modified_time") == ["2017-01-15"]
    png = built_file(public, image).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20]) == 1200 and int.from_bytes(png[20:24]) == 630
    assert Tags(page(public, "about")).meta("og:image") == [ADDRESS + "share/insight.png"]
    assert not (subscriber / "share").exists()
    assert Tags(page(subscriber, "briefings/corrected-briefing")).meta("og:image") == []


def test_further_reading_is_one_list_of_references_in_the_site_and_the_pdf(built: Built) -> None:
    html = page(built.sites["subscriber"], "briefings/corrected-briefing")
    reading = html[html.index('<ul class="insight-reading">') :]
    reading = reading[: reading.index("</ul>")]
    # Harvard (Cite Them Right): title first when there is no author, in the style's order.
    apples = "<em>Apples of transformation</em> (2014). Another Example Press."
    zebra = "<em>Zebra crossings and digital services</em> (2015). Example Institute."
    assert reading.index(apples) < reading.index(zebra)
    assert f"{zebra} Why it matters, in one line." in reading
    pdf = built.project / "build" / "pdf" / "corrected-briefing.pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "Apples of transformation (2014). Another Example Press." in text
    assert "Zebra crossings and digital services (2015). Example Institute. Why it matters" in text


# Release times.


def every_output(built: Built) -> list[Path]:
    folders = [*built.sites.values(), built.project / "build" / "pdf"]
    return [f for folder in folders for f in folder.rglob("*") if f.is_file()]


def readable(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    if path.suffix == ".pdf":
        return " ".join(p.extract_text() for p in PdfReader(path).pages)
    return data.decode("utf-8", errors="replace")


def test_a_briefing_released_tomorrow_leaves_no_trace_in_either_edition(built: Built) -> None:
    outputs = every_output(built)
    assert any(f.name == "search_index.json" for f in outputs)
    assert {f.name for f in (built.project / "build" / "pdf").iterdir()} == {
        "corrected-briefing.pdf",
        "withdrawn-briefing.pdf",
    }
    traces = {
        str(f): [t for t in EMBARGOED_TRACES if t.lower() in readable(f).lower()] for f in outputs
    }
    assert {f: found for f, found in traces.items() if found} == {}
    # The briefing that names it as related still has its page, without the link.
    assert "Related briefings" not in page(
        built.sites["subscriber"], "briefings/corrected-briefing"
    )


def test_with_the_preview_flag_it_is_built_with_an_embargoed_banner(preview: Built) -> None:
    for site in preview.sites.values():
        html = page(site, "briefings/scheduled-briefing")
        assert "Embargoed: preview only" in html and "it goes out <time" in html
        assert "Embargoed: preview only" not in page(site, "briefings/corrected-briefing")
        assert "Zanzibar" in page(site, "case-studies")
    pdf = preview.project / "build" / "pdf" / "scheduled-briefing.pdf"
    assert "Embargoed: not to be published before" in PdfReader(pdf).pages[0].extract_text()


def test_a_build_after_a_preview_leaves_nothing_of_the_preview(
    preview: Built, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(preview.project, project, ignore=shutil.ignore_patterns("site*"))
    result = build(project, "build")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "build" / "pdf").glob("*.pdf")) == [
        "corrected-briefing.pdf",
        "withdrawn-briefing.pdf",
    ]
    assert not (project / "site" / "briefings" / EMBARGOED_ID).exists()


def test_once_its_time_has_come_the_next_build_publishes_it(built: Built, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(built.project, project, ignore=shutil.ignore_patterns("site*"))
    set_release(project, datetime.now(UTC) - timedelta(minutes=1))
    result = build(project, "build", "--edition", "public")
    assert result.returncode == 0, result.stderr
    assert "Embargoed Zanzibar fixture" in page(
        project / "site-public", "briefings/scheduled-briefing"
    )


def test_check_says_when_each_scheduled_briefing_goes_out(tmp_path: Path) -> None:
    project = fixture_project(tmp_path, datetime(2099, 7, 1, 8, 30, tzinfo=UTC))
    result = build(project, "check")
    assert result.returncode == 0, result.stderr
    notes = [x for x in result.stderr.splitlines() if ": note: " in x]
    assert notes == [
        "briefings/scheduled-briefing.yaml:24:10: note: 'scheduled-briefing' is scheduled: "
        "it goes out on 1 July 2099 at 09:30 UK time (BST)"
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("'next Tuesday'", "'next Tuesday' is not a date and time (write 2025-03-01,"),
        ("2101-01-01", "is outside the years 1990 to 2100"),
        ("[2025]", "release"),
    ],
)
def test_a_release_time_that_is_not_one_is_a_located_error(
    tmp_path: Path, written: str, message: str
) -> None:
    project = fixture_project(tmp_path, datetime.now(UTC))
    source = project / "briefings" / f"{EMBARGOED_ID}.yaml"
    source.write_text(re.sub(r"(?m)^release: .*$", f"release: {written}", source.read_text()))
    [line] = errors_of(project)
    assert line.startswith("briefings/scheduled-briefing.yaml:24:10: error: ")
    assert message in line


def test_released_drops_what_others_say_of_a_held_briefing(tmp_path: Path) -> None:
    project = fixture_project(tmp_path, datetime(2099, 1, 1, tzinfo=UTC))
    files = sorted((project / "briefings").glob("*.yaml"))
    catalogue = load_catalogue(files, project / "briefings" / "images", base=project)
    now = released(catalogue, datetime(2050, 1, 1, tzinfo=UTC))
    assert sorted(now.by_id) == ["corrected-briefing", "withdrawn-briefing"]
    assert now.briefing("corrected-briefing").related == []
    assert "embargoed-fixture-principle" not in now.invoked_by
    later = released(catalogue, datetime(2099, 1, 2, tzinfo=UTC))
    assert later.briefing("corrected-briefing").related == [EMBARGOED_ID]


def test_the_publish_workflow_also_runs_on_a_schedule() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    # PyYAML reads the key `on` as true.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["schedule"] and all("cron" in s for s in triggers["schedule"])


@needs_chromium
@pytest.mark.skipif(not AXE.exists(), reason="needs the Node tools: python3 tasks.py setup")
def test_revisions_withdrawal_citation_and_embargo_meet_wcag_22_aa(
    built: Built, preview: Built
) -> None:
    pages = [
        (site, f"briefings/{name}/")
        for site in built.sites.values()
        for name in ("corrected-briefing", "withdrawn-briefing")
    ] + [(site, f"briefings/{EMBARGOED_ID}/") for site in preview.sites.values()]
    found: dict[str, list[str]] = {}
    with chromium() as browser:
        for site, path in pages:
            with served(site) as base_url:
                elsewhere: list[str] = []
                with confined_page(browser, base_url, elsewhere) as tab:
                    for width in WIDTHS:
                        tab.set_viewport_size({"width": width, "height": 900})
                        tab.goto(base_url + path, wait_until="load")
                        result = audit(tab)
                        problems = [*result["violations"], *result["undecided"]]
                        if tab.evaluate("document.documentElement.scrollWidth") > width:
                            problems.append("scrolls sideways")
                        if problems:
                            found[f"{site.name}/{path} at {width}px"] = problems
                assert elsewhere == []
    assert found == {}
