"""Hostile Markdown at the boundary where it becomes HTML, and the images it may show.

Two walls: our pandoc writer drops every attribute a source writes, and the nh3
sanitiser keeps only the elements and attributes that writer emits. An image is a
regular file in briefings/images/, named by a plain path that is checked, written
into the HTML and published under one and the same name. What a printed page
cannot hold (a very wide table, lists nested very deep) is an error at its field.

The fixture tests/fixtures/hostile/markdown/ passes `check`; it is built here into
both editions by `build.py`, with links and oddly named files waiting unreferenced
in its image folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from insight.cli import main
from insight.markdown import pandoc
from insight.markdown.sanitise import TAGS, sanitise
from insight.pdf.document import briefing_html
from insight.pdf.fetch import AssetFetcher
from insight.project import Project

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "markdown"
PNG = (HOSTILE / "briefings" / "images" / "ok.png").read_bytes()
PUBLISHED = {
    "subscriber": {"ok.png", "charts/subscriber.png"},
    "public": {"ok.png"},
}

# What the writer and the sanitiser may leave on an element, beyond nothing.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class", "role"},
    "img": {"src", "alt", "title"},
    **{f"h{level}": {"id"} for level in range(3, 7)},
    "li": {"id"},
    "section": {"id", "class", "role"},
    "ol": {"start", "type"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
    "figcaption": {"aria-hidden"},
}
ALIGNMENTS = {"text-align: left;", "text-align: right;", "text-align: center;"}
SAFE_LINK = re.compile(r"(https?://|mailto:|tel:|#)")


class Elements(HTMLParser):
    """Every start tag of a document, as (tag, attributes)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def disallowed(html: str) -> list[str]:
    """Every element or attribute in a fragment that the boundary must never let out."""
    found = []
    for tag, attributes in Elements(html).tags:
        if tag not in TAGS:
            found.append(f"<{tag}>")
        for name, value in attributes.items():
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                found.append(f"<{tag} {name}>")
            elif name == "style" and value not in ALIGNMENTS:
                found.append(f"<{tag} style={value!r}>")
            elif name == "href" and not SAFE_LINK.match(value):
                found.append(f"<{tag} href={value!r}>")
            elif name == "src" and not value.startswith("images/"):
                found.append(f"<{tag} src={value!r}>")
    return found


# A project of one briefing, whose only section's body is the text under test.
SOURCE = """\
id: probe
title: Probe
kind: briefing
date: 2022-06-01
publishers: [Socitm]
provenance: "A test."
availability: {{free_to_subscribers: true}}
summary: "A summary."
sections:
  - id: probe
    title: Probe
    body: {body}
"""
BODY_AT = "briefings/probe.yaml:12:11"


def probe(tmp_path: Path, body: str) -> Path:
    """A project at tmp_path whose briefing's section body is `body`, with images/ok.png."""
    (tmp_path / "briefings" / "images").mkdir(parents=True, exist_ok=True)
    (tmp_path / "briefings" / "images" / "ok.png").write_bytes(PNG)
    (tmp_path / "briefings" / "probe.yaml").write_text(
        SOURCE.format(body=json.dumps(body)), encoding="utf-8"
    )
    return tmp_path


def written_at(root: Path, target: str) -> str:
    """Where `target` stands in the probe's body as written, or the body's own place when it
    is not written there as it is (an entity, say): where an error about it must point."""
    line = (root / "briefings" / "probe.yaml").read_text(encoding="utf-8").splitlines()[11]
    at = line.find(target, 10)
    return BODY_AT if at == -1 else f"briefings/probe.yaml:12:{at + 1}"


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """`build.py --root root check`: its exit code and its error lines."""
    code = main(["--root", str(root), "check"])
    lines = capsys.readouterr().err.strip().splitlines()
    return code, [line for line in lines if ": error: " in line]


def writer_html(*texts: str) -> list[str]:
    """The HTML our pandoc writer makes of each text, before the sanitiser sees it."""
    request = json.dumps([{"key": f"m{i}", "markdown": t} for i, t in enumerate(texts)])
    return [answer["html"] for answer in pandoc.convert(request)]


# Every element pandoc's Markdown lets a source put attributes on.
ATTRIBUTE_SYNTAX = [
    '[span]{onclick="alert(1)" style="background:url(http://attacker.invalid/)" .c #i data-x=1}',
    '::: {onmouseover="alert(1)" .md-button #d}\nA fenced div.\n:::',
    '[link](https://example.org/){target=_blank ping="http://attacker.invalid/" onclick="x"}',
    '[ref][r]\n\n[r]: https://example.org/ "t" {onclick="alert(1)" referrerpolicy=unsafe-url}',
    '![a](images/ok.png){onload="alert(1)" srcset="http://attacker.invalid/ 2x" width=9 .c}',
    '![a](images/ok.png "title"){onerror="alert(1)" loading=lazy}\n\nA figure above.',
    '# Heading {#h onclick="alert(1)" style="color:red" .unnumbered}',
    '`code`{onclick="alert(1)" style="color:red"}',
    '```{.python onclick="alert(1)" #cb}\nprint(1)\n```',
    '| a | b |\n|--:|:--|\n| 1 | 2 |\n\nTable: caption {#t onclick="alert(1)" style="x"}',
    'A[^n] note.\n\n[^n]: With [a link](https://example.org/){onclick="alert(1)"}.',
    "[smallcaps]{.smallcaps} [underline]{.underline} [mark]{.mark}",
    "- [ ] a task list item would be a form control",
    "$x^2$ and <https://example.org/auto> and <someone@example.org>",
]


@pytest.mark.parametrize("text", ATTRIBUTE_SYNTAX)
def test_the_writer_alone_lets_no_attribute_a_source_writes_into_the_html(text: str) -> None:
    [html] = writer_html(text)
    assert disallowed(html) == [], html
    assert "attacker.invalid" not in html and "alert" not in html


def test_raw_html_in_a_text_stays_text() -> None:
    raw = "<script>alert(1)</script> <img src=x onerror=alert(2)> <a href='javascript:x'>a</a>"
    [html] = writer_html(raw)
    assert [tag for tag, _ in Elements(html).tags] == ["p"]
    assert "&lt;script&gt;" in html


# HTML that our writer never makes, as if something had slipped past it.
SLIPPED_THROUGH = """
<p onclick="alert(1)" style="color:red">p<script>alert(1)</script><style>p{}</style></p>
<a href="javascript:alert(1)">a</a><a href="JaVaScRiPt:alert(1)">a</a>
<a href=" javascript:alert(1)">a</a><a href="java&#x09;script:alert(1)">a</a>
<a href="&#106;avascript:alert(1)">a</a><a href="data:text/html,x">a</a>
<a href="vbscript:x">a</a><a href="page.html">a</a><a href="//attacker.invalid/">a</a>
<a href="https://example.org/" target="_blank" ping="http://attacker.invalid/">a</a>
<img src="images/ok.png" srcset="http://attacker.invalid/ 2x" onload="alert(1)" alt="">
<img src="data:image/png;base64,iVBOR"><img src="http://attacker.invalid/x.png">
<img src="images/../probe.yaml"><img src="images/a%2F..%2F..%2Fetc%2Fpasswd">
<svg onload="alert(1)"><script>alert(1)</script></svg><iframe src="https://example.org/"></iframe>
<object data="x"></object><embed src="x"><form action="x"><input name="q"></form>
<base href="http://attacker.invalid/"><link rel="stylesheet" href="x"><meta http-equiv="refresh">
<table><tr><td style="text-align: right; background: url(http://attacker.invalid/)">c</td></tr></table>
<ol type="disc" start="1;x"><li>i</li></ol><div class="md-button" data-x="1">d</div>
"""


def test_the_sanitiser_keeps_only_the_elements_and_attributes_the_writer_emits() -> None:
    html = sanitise(SLIPPED_THROUGH)
    assert disallowed(html) == [], html
    assert "attacker.invalid" not in html and "alert" not in html


def test_the_sanitiser_writes_each_image_under_its_checked_name_relative_to_the_page() -> None:
    html = sanitise('<img src="images/charts/a%2Db.png" alt="">', images_at="../../images/")
    assert html == '<img src="../../images/charts/a-b.png" alt="">'


# (Markdown, the target the error must name): every spelling pandoc reads as a link.
UNSAFE_LINKS = [
    ("[x](javascript:alert(1))", "javascript:alert(1)"),
    ("[x](JaVaScRiPt:alert(1))", "JaVaScRiPt:alert(1)"),
    ("[x](&#x6A;avascript&#58;alert(1))", "javascript:alert(1)"),
    ("[x](%6Aavascript:alert(1))", "%6Aavascript:alert(1)"),
    ("[x](<java\tscript:alert(1)>)", "java%09script:alert(1)"),
    ("[x](< javascript:alert(1)>)", "%20javascript:alert(1)"),
    ("<javascript:alert(1)>", "javascript:alert(1)"),
    ("[x][r]\n\n[r]: javascript:alert(1)", "javascript:alert(1)"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html;base64,PHNjcmlwdD4="),
    ("[x](file:///etc/passwd)", "file:///etc/passwd"),
    ("[x](//attacker.invalid/)", "//attacker.invalid/"),
    ("[x](page.html)", "page.html"),
]


@pytest.mark.parametrize(("text", "target"), UNSAFE_LINKS)
def test_an_unsafe_link_in_any_spelling_is_an_error_where_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, target: str
) -> None:
    code, errors = check(probe(tmp_path, text), capsys)
    assert code == 1
    assert len(errors) == 1
    at = written_at(tmp_path, target)
    assert errors[0].startswith(f"{at}: error: link to '{target}' is not allowed (links ")


def make_traps(images: Path) -> None:
    """Files and links in an image folder that no source may ever publish."""
    (images / "passwd.png").symlink_to("/etc/passwd")
    (images / "etc").symlink_to("/etc", target_is_directory=True)
    (images / "etc%2Fpasswd").write_bytes(PNG)
    # A folder outside the sources, holding a picture that must stay private.
    (images.parent.parent / "private").mkdir()
    (images.parent.parent / "private" / "secret.png").write_bytes(PNG)
    (images / "private").symlink_to(images.parent.parent / "private", target_is_directory=True)
    (images / "private%2Fsecret.png").write_bytes(PNG)
    (images / "sources").symlink_to(images.parent, target_is_directory=True)
    (images / "sources%2Fprobe.yaml").write_bytes(PNG)
    (images / "inside.png").symlink_to(images / "ok.png")
    (images / "script.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (images / "text.png").write_text("not a picture")
    (images / "folder.png").mkdir()
    os.mkfifo(images / "fifo.png")


# (target, what the error must say of it)
UNSAFE_IMAGES = [
    ("images/private%2Fsecret.png", "is (or is inside) a symbolic link"),
    ("images/private/secret.png", "is (or is inside) a symbolic link"),
    ("images/etc%2Fpasswd", "is not a PNG, JPEG, GIF or WebP file"),
    ("images/sources%2Fprobe.yaml", "is not a PNG, JPEG, GIF or WebP file"),
    ("images/passwd.png", "is (or is inside) a symbolic link"),
    ("images/inside.png", "is (or is inside) a symbolic link"),
    ("images/sources/ok.png", "is (or is inside) a symbolic link"),
    ("images/script.svg", "is SVG, and SVG images are not accepted (export it as PNG)"),
    ("images/text.png", "is not the PNG file its name says"),
    ("images/folder.png", "is not a regular file"),
    ("images/fifo.png", "is not a regular file"),
    ("images/probe.yaml", "is not a PNG, JPEG, GIF or WebP file"),
    ("images/../probe.yaml", "has a name that cannot be published"),
    ("images/%2e%2e/probe.yaml", "has a name that cannot be published"),
    ("images/ok%252Epng", "has a name that cannot be published"),
    ("images/.ok.png", "has a name that cannot be published"),
    ("images//ok.png", "has a name that cannot be published"),
    ("images/ok.png?x=1", "has a name that cannot be published"),
    ("images/missing.png", "not found"),
    ("/etc/passwd", "is outside the briefings' image folder"),
    ("file:///etc/passwd", "is outside the briefings' image folder"),
    ("data:image/png;base64,iVBOR", "is outside the briefings' image folder"),
    ("http://attacker.invalid/x.png", "is outside the briefings' image folder"),
    ("probe.yaml", "is outside the briefings' image folder"),
]


@pytest.mark.parametrize(("target", "problem"), UNSAFE_IMAGES)
def test_an_image_that_is_not_a_regular_file_in_the_image_folder_is_an_error_where_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, problem: str
) -> None:
    root = probe(tmp_path, f"Before.\n\n![a picture](<{target}>)\n")
    make_traps(root / "briefings" / "images")
    code, errors = check(root, capsys)
    assert code == 1
    assert len(errors) == 1
    assert errors[0].startswith(f"{written_at(root, target)}: error: image '{target}' {problem}")


def test_an_image_folder_that_is_a_link_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = probe(tmp_path / "project", "![a picture](images/passwd)")
    shutil.rmtree(root / "briefings" / "images")
    (root / "briefings" / "images").symlink_to("/etc", target_is_directory=True)
    code, errors = check(root, capsys)
    assert (code, errors) == (
        1,
        [
            f"{written_at(root, 'images/passwd')}: error: image 'images/passwd' is not a PNG,"
            " JPEG, GIF or WebP file"
            " (export it as PNG and name it passwd.png)"
        ],
    )
    (root / "briefings" / "probe.yaml").write_text(
        SOURCE.format(body='"![a picture](images/ok.png)"'), encoding="utf-8"
    )
    _, errors = check(root, capsys)
    assert [e.split(": error: ")[1] for e in errors] == [
        "image 'images/ok.png' is (or is inside) a symbolic link"
        " (put the file itself in briefings/images/)"
    ]


def test_the_name_checked_is_the_name_in_the_html_and_the_name_published(tmp_path: Path) -> None:
    root = probe(tmp_path, "![chart](images/charts/a%2Db.png)")
    (root / "briefings" / "images" / "charts").mkdir()
    (root / "briefings" / "images" / "charts" / "a-b.png").write_bytes(PNG)
    catalogue = Project(root).load()
    [text] = [s.body for s in catalogue.briefings[0].sections]
    assert catalogue.images[text] == ("charts/a-b.png",)
    assert '<img src="images/charts/a-b.png"' in catalogue.markdown(text)
    assert catalogue.shown_images() == ["charts/a-b.png"]


def test_a_foreign_file_behind_an_encoded_slash_fails_the_public_build_at_the_image(
    tmp_path: Path,
) -> None:
    root = probe(tmp_path / "project", "![a chart](images/private%2Fsecret.png)")
    make_traps(root / "briefings" / "images")
    result = build(root, "--edition", "public")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"{written_at(root, 'images/private%2Fsecret.png')}: error: image "
        "'images/private%2Fsecret.png' is (or is inside) a symbolic link"
        " (put the file itself in briefings/images/)"
    )
    assert not (root / "site-public").exists()


def table(columns: int) -> str:
    def row(cell: str) -> str:
        return "|" + "|".join(cell.format(i) for i in range(columns)) + "|"

    return "\n".join([row(" c{} "), row("---"), row(" x ")])


def indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def nested_list(depth: int) -> str:
    return "\n".join("    " * level + f"- level {level + 1}" for level in range(depth))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (table(11), "a table in sections[0].body has 11 columns; a printed page holds at most 10"),
        (
            nested_list(7),
            "lists or quotations in sections[0].body are nested 7 deep;"
            " a printed page holds at most 6",
        ),
        ("> " * 7 + "a quotation in quotations", "are nested 7 deep"),
        ("A note.[^n]\n\n[^n]: A list.\n\n" + indented(nested_list(7)), "are nested 7 deep"),
        ("- a list item holding a table\n\n" + indented(table(11)), "has 11 columns"),
    ],
)
def test_structure_a_printed_page_cannot_hold_is_an_error_naming_its_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    code, errors = check(probe(tmp_path, text), capsys)
    assert code == 1
    assert len(errors) == 1 and errors[0].startswith(f"{BODY_AT}: error: ")
    assert problem in errors[0]


def test_a_table_and_lists_at_the_limits_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(probe(tmp_path, f"{table(10)}\n\n{nested_list(6)}"), capsys) == (0, [])


def test_the_renderer_fetches_no_link_even_one_to_a_file_it_serves(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (images / "ok.png").write_bytes(PNG)
    (images / "inside.png").symlink_to(images / "ok.png")
    (images / "sub").symlink_to(images, target_is_directory=True)
    fetcher = AssetFetcher([images])
    assert fetcher.local_path((images / "ok.png").as_uri()) == images.resolve() / "ok.png"
    for refused in ("inside.png", "sub/ok.png", "sub/../ok.png", ""):
        assert fetcher.local_path(images.as_uri() + "/" + refused) is None, refused
    linked = tmp_path / "linked"
    linked.symlink_to(images, target_is_directory=True)
    assert AssetFetcher([linked]).local_path((images / "ok.png").as_uri()) is None


def build(root: Path, *edition: str) -> subprocess.CompletedProcess[str]:
    """`build.py --root root build [--edition E]`, as an editor would run it."""
    (root / "mkdocs.yml").write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {ROOT / 'docs'}\n", encoding="utf-8"
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(root), "build", *edition],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both editions of the hostile fixture, with traps unreferenced in its image folder."""
    root = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(HOSTILE, root)
    make_traps(root / "briefings" / "images")
    for edition in ("subscriber", "public"):
        result = build(root, "--edition", edition)
        assert result.returncode == 0, result.stderr
    return {"subscriber": root / "site", "public": root / "site-public"}


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_no_page_of_either_edition_carries_a_handler_a_style_or_a_script_from_a_source(
    sites: dict[str, Path], edition: str
) -> None:
    site = sites[edition]
    page = site / "briefings" / "hostile-markdown" / "index.html"
    text = page.read_text(encoding="utf-8")
    article = text[text.index("<article") : text.rindex("</article>")]
    assert "script" not in [tag for tag, _ in Elements(article).tags]
    for tag, attributes in Elements(article).tags:
        assert not {"srcset", "ping", "target", "referrerpolicy", "loading", "data-x"} & set(
            attributes
        ), tag
        assert attributes.get("style", "text-align: left;") in ALIGNMENTS, tag
    for path in site.rglob("*.html"):
        for tag, attributes in Elements(path.read_text(encoding="utf-8")).tags:
            assert not [name for name in attributes if name.startswith("on")], (path, tag)
            for name in ("href", "src"):
                scheme = urlsplit(unescape(attributes.get(name, "")).strip()).scheme.lower()
                assert scheme in ("", "http", "https", "mailto", "tel"), (path, tag)
    for path in site.rglob("*"):
        if path.is_file():
            assert b"attacker.invalid" not in path.read_bytes(), path


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_each_edition_publishes_exactly_the_images_its_texts_show(
    sites: dict[str, Path], edition: str
) -> None:
    images = sites[edition] / "images"
    published = {p.relative_to(images).as_posix() for p in images.rglob("*") if p.is_file()}
    assert published == PUBLISHED[edition]
    for name in published:
        assert (images / name).read_bytes() == (
            HOSTILE / "briefings" / "images" / name
        ).read_bytes()
    passwd = Path("/etc/passwd").read_bytes()[:32]
    source = (HOSTILE / "briefings" / "hostile-markdown.yaml").read_bytes()[:64]
    for path in sites[edition].rglob("*"):
        if path.is_file():
            assert passwd not in path.read_bytes() and source not in path.read_bytes(), path


@pytest.mark.parametrize("edition", ["subscriber", "public"])
def test_every_image_on_a_page_is_found_however_pandoc_wrapped_its_tag(
    sites: dict[str, Path], edition: str
) -> None:
    page = sites[edition] / "briefings" / "hostile-markdown" / "index.html"
    sources = [
        a["src"] for tag, a in Elements(page.read_text(encoding="utf-8")).tags if tag == "img"
    ]
    assert len(sources) == len(PUBLISHED[edition])
    for src in sources:
        assert (sites[edition] / urljoin("briefings/hostile-markdown/", src)).is_file(), src


def test_the_print_html_carries_only_what_the_boundary_allows() -> None:
    catalogue = Project(HOSTILE).load()
    for text in catalogue.html.values():
        assert disallowed(text) == [], text
    html = briefing_html(catalogue, catalogue.briefings[0])
    assert "attacker.invalid" not in html
    assert not [
        name
        for _, attributes in Elements(html).tags
        for name in attributes
        if name.startswith("on")
    ]
