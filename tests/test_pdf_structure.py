"""The PDFs' structure, read back from each real PDF and the every-feature fixture: the
machine-checkable conditions of PDF/UA-1 (the Matterhorn Protocol's), asserted from the
files themselves with pikepdf (objects and content streams) and pdfplumber (text)."""

from __future__ import annotations

import io
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from insight.catalogue import Catalogue
from insight.look import look_of
from insight.pdf.render import pdf_bytes
from insight.pdf.tagging import ContentSyntaxError, finish_tagging

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "pdf"

# The standard structure types of PDF 1.7 (ISO 32000-1, 14.8.4).
STANDARD = frozenset(
    [
        "Document",
        "Part",
        "Art",
        "Sect",
        "Div",
        "BlockQuote",
        "Caption",
        "TOC",
        "TOCI",
        "Index",
        "NonStruct",
        "Private",
        "P",
        "H",
        "H1",
        "H2",
        "H3",
        "H4",
        "H5",
        "H6",
        "L",
        "LI",
        "Lbl",
        "LBody",
        "Table",
        "TR",
        "TH",
        "TD",
        "THead",
        "TBody",
        "TFoot",
        "Span",
        "Quote",
        "Note",
        "Reference",
        "BibEntry",
        "Code",
        "Link",
        "Annot",
        "Ruby",
        "RB",
        "RT",
        "RP",
        "Warichu",
        "WT",
        "WP",
        "Figure",
        "Formula",
        "Form",
    ]
)
# Operators that put something on the page: text, paths, images and shadings.
PAINTING = frozenset(["Tj", "TJ", "'", '"', "f", "F", "f*", "B", "B*", "b", "b*", "S", "s"])
PAINTING |= {"sh", "Do", "BI"}
# What decoration is made of: leader dots and quotation marks, read aloud they are noise.
DECORATION = re.compile(r"\s*(?:(?:\.\s*){2,}|[\u201c\u201d]+)\s*")


@dataclass
class Element:
    """A structure element of the tree, with where it hangs."""

    obj: pikepdf.Dictionary
    parent: Element | None
    page: int | None
    kids: list[Element] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page, MCID)
    objrs: list[pikepdf.Dictionary] = field(default_factory=list)
    order: list[Element | tuple[int, int]] = field(default_factory=list)  # kids and MCIDs

    @property
    def tag(self) -> str:
        return str(self.obj.S)[1:]

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self) -> Iterator[Element]:
        for kid in self.kids:
            yield kid
            yield from kid.descendants()

    def all_mcids(self) -> Iterator[tuple[int, int]]:
        """Every MCID under the element, in reading order."""
        for item in self.order:
            if isinstance(item, Element):
                yield from item.all_mcids()
            else:
                yield item


class Structure:
    """One PDF's structure tree, the marked content of its pages and their text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pdf = pikepdf.open(path)
        self.pages = {page.obj.objgen: index for index, page in enumerate(self.pdf.pages)}
        root = self.pdf.Root.StructTreeRoot
        self.roots = [self.element(kid, None) for kid in as_list(root.K)]

    def element(self, obj: pikepdf.Dictionary, parent: Element | None) -> Element:
        page = self.page_of(obj, parent)
        node = Element(obj, parent, page)
        for kid in as_list(obj.get("/K")):
            if isinstance(kid, int):
                node.mcids.append((page, kid))
                node.order.append(node.mcids[-1])
            elif kid.get("/Type") == "/OBJR":
                node.objrs.append(kid)
            elif kid.get("/Type") == "/MCR" or "/S" not in kid:
                node.mcids.append((self.page_of(kid, node), int(kid.MCID)))
                node.order.append(node.mcids[-1])
            else:
                node.kids.append(self.element(kid, node))
                node.order.append(node.kids[-1])
        return node

    def page_of(self, obj: pikepdf.Dictionary, parent: Element | None) -> int | None:
        if "/Pg" in obj:
            return self.pages[obj.Pg.objgen]
        return parent.page if parent else None

    @cached_property
    def elements(self) -> list[Element]:
        return [e for root in self.roots for e in (root, *root.descendants())]

    @cached_property
    def parent_tree(self) -> dict[int, pikepdf.Object]:
        return number_tree(self.pdf.Root.StructTreeRoot.ParentTree)

    @cached_property
    def marked(self) -> dict[tuple[int, int], str]:
        """(page, MCID) -> tag of every marked-content sequence with an MCID in the pages."""
        found = {}
        for index, page in enumerate(self.pdf.pages):
            for operands, operator in pikepdf.parse_content_stream(page):
                properties = operands[1] if str(operator) == "BDC" else None
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                    found[(index, int(properties.MCID))] = str(operands[0])
        return found

    @cached_property
    def unmarked_painting(self) -> list[str]:
        """Page and operator of everything painted outside any marked content."""
        found = []
        for index, page in enumerate(self.pdf.pages):
            depth = 0
            for _operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                depth += {"BDC": 1, "BMC": 1, "EMC": -1}.get(name, 0)
                if depth == 0 and name in PAINTING:
                    found.append(f"page {index + 1}: {name}")
        return found

    @cached_property
    def text(self) -> dict[tuple[int, int], str]:
        """(page, MCID) -> the text it shows."""
        texts: dict[tuple[int, int], list[str]] = defaultdict(list)
        with pdfplumber.open(self.path) as plumber:
            for index, page in enumerate(plumber.pages):
                for char in page.chars:
                    if char.get("mcid") is not None:
                        texts[(index, char["mcid"])].append(char["text"])
        return {key: "".join(chars) for key, chars in texts.items()}

    def text_of(self, element: Element) -> str:
        return "".join(self.text.get(mcid, "") for mcid in element.all_mcids())

    def annotations(self) -> Iterator[tuple[int, pikepdf.Dictionary]]:
        for index, page in enumerate(self.pdf.pages):
            for annotation in page.get("/Annots", []):
                yield index, annotation


def as_list(value: pikepdf.Object | None) -> list[pikepdf.Object]:
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def number_tree(node: pikepdf.Dictionary) -> dict[int, pikepdf.Object]:
    entries = {}
    nums = list(node.get("/Nums", []))
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        entries[int(key)] = value
    for kid in node.get("/Kids", []):
        entries |= number_tree(kid)
    return entries


def name_tree(node: pikepdf.Dictionary) -> dict[bytes, pikepdf.Object]:
    entries = {}
    names = list(node.get("/Names", []))
    for key, value in zip(names[::2], names[1::2], strict=True):
        entries[bytes(key)] = value
    for kid in node.get("/Kids", []):
        entries |= name_tree(kid)
    return entries


def squeeze(text: str) -> str:
    return re.sub(r"[\s\-\u00ad]+", "", text)


def attributes(element: Element) -> list[pikepdf.Dictionary]:
    return [a for a in as_list(element.obj.get("/A")) if isinstance(a, pikepdf.Dictionary)]


# ---------- The rules: each returns what breaks it, as readable lines ----------


def unreachable_content(s: Structure) -> list[str]:
    """Marked content whose structure element hangs from nowhere (Matterhorn 01-005)."""
    in_tree = {mcid for e in s.elements for mcid in e.mcids}
    return [
        f"page {page + 1} MCID {mcid} ({tag})"
        for (page, mcid), tag in sorted(s.marked.items())
        if (page, mcid) not in in_tree
    ]


def untagged_painting(s: Structure) -> list[str]:
    """Content neither in an artifact nor in marked content (Matterhorn 01-005)."""
    return s.unmarked_painting


def tree_without_content(s: Structure) -> list[str]:
    """MCIDs the tree names that the pages do not have, or a parent tree that disagrees."""
    problems = []
    for e in s.elements:
        for page, mcid in e.mcids:
            if (page, mcid) not in s.marked:
                problems.append(f"{e.tag} names page {page + 1} MCID {mcid}, not on the page")
            else:
                parents = as_list(s.parent_tree.get(s.pdf.pages[page].StructParents))
                if mcid >= len(parents) or parents[mcid].objgen != e.obj.objgen:
                    problems.append(f"parent tree of page {page + 1} MCID {mcid} is not {e.tag}")
    return problems


def nested_links(s: Structure) -> list[str]:
    return [
        f"Link in {' > '.join(a.tag for a in e.ancestors())}"
        for e in s.elements
        if e.tag == "Link" and any(a.tag == "Link" for a in e.ancestors())
    ]


def links_without_one_annotation(s: Structure) -> list[str]:
    problems = []
    for e in s.elements:
        links = [o for o in e.objrs if o.Obj.get("/Subtype") == "/Link"]
        if e.tag == "Link" and (len(links) != 1 or len(e.objrs) != 1):
            problems.append(f"Link with {len(e.objrs)} annotations: {s.text_of(e)[:40]!r}")
        elif e.tag != "Link" and links:
            problems.append(f"link annotation hangs from a {e.tag}, not a Link")
    return problems


def links_without_description(s: Structure) -> list[str]:
    """A link annotation's description (Matterhorn 28-004) is its text, not where it goes."""
    problems = []
    for e in s.elements:
        for objr in e.objrs:
            annotation = objr.Obj
            if annotation.get("/Subtype") != "/Link":
                continue
            contents = str(annotation.get("/Contents", ""))
            dest = str(annotation.get("/Dest", ""))
            shown = squeeze(s.text_of(e))
            if not contents.strip() or contents == dest or shown not in squeeze(contents):
                problems.append(f"link {shown[:40]!r} described as {contents[:40]!r}")
    return problems


def annotations_not_printed_or_untagged(s: Structure) -> list[str]:
    """Every annotation prints (PDF/UA via PDF/A) and hangs from the tree (Matterhorn 28-002)."""
    problems = []
    for page, annotation in s.annotations():
        if not int(annotation.get("/F", 0)) & 4:
            problems.append(f"page {page + 1}: annotation without the Print flag")
        parent = s.parent_tree.get(int(annotation.get("/StructParent", -1)))
        owners = [e for e in s.elements if parent is not None and e.obj.objgen == parent.objgen]
        if not any(o.Obj.objgen == annotation.objgen for e in owners for o in e.objrs):
            problems.append(f"page {page + 1}: annotation not in the structure tree")
    return problems


def lists_badly_formed(s: Structure) -> list[str]:
    problems = []
    for e in s.elements:
        allowed = {"L": {"LI", "L", "Caption"}, "LI": {"Lbl", "LBody"}}.get(e.tag)
        if allowed is None:
            continue
        wrong = [k.tag for k in e.kids if k.tag not in allowed]
        if wrong or (e.tag == "LI" and e.mcids):
            problems.append(f"{e.tag} holds {', '.join(wrong) or 'bare content'}")
    return problems


def page_chain(element: Element, last: bool) -> list[Element]:
    """The element and its first (or last) descendants, down to the leaves."""
    chain = [element]
    while chain[-1].kids:
        chain.append(chain[-1].kids[-1 if last else 0])
    return chain


def lists_split_by_pages(s: Structure) -> list[str]:
    """An L that ends a page and an L that opens the next under the same path are one list."""
    problems = []
    for parent in [None, *s.elements]:
        kids = s.roots if parent is None else parent.kids
        for before, after in itertools.pairwise(kids):
            if before.page is None or after.page != before.page + 1:
                continue
            for a, b in zip(page_chain(before, True), page_chain(after, False), strict=False):
                if a.tag != b.tag:
                    break
                if a.tag == "L":
                    problems.append(f"list broken in two at page {after.page + 1}")
                    break
    return problems


def decoration_read(s: Structure) -> list[str]:
    """Leader dots, decorative quotation marks and the numerals over items are artifacts."""
    problems = []
    for e in s.elements:
        shown = "".join(s.text.get(mcid, "") for mcid in e.mcids)
        if shown and DECORATION.fullmatch(shown):
            problems.append(f"{e.tag} reads {shown[:20]!r}")
        if e.tag == "Art" and e.kids and e.kids[0].tag == "P":
            first = s.text_of(e.kids[0]).strip()
            if first.isdigit():
                problems.append(f"the numeral {first} over an item is read")
    return problems


def table_headers_unresolved(s: Structure) -> list[str]:
    problems = []
    ids = name_tree(s.pdf.Root.StructTreeRoot.get("/IDTree", pikepdf.Dictionary()))
    for e in s.elements:
        if e.tag == "TH" and not any("/Scope" in a for a in attributes(e)):
            problems.append("TH without Scope")
        for a in attributes(e):
            for header in a.get("/Headers", []):
                if bytes(header) not in ids:
                    problems.append(f"{e.tag} names header {bytes(header).decode()}, no such ID")
    return problems


def figures_without_alt(s: Structure) -> list[str]:
    return [
        "Figure without Alt"
        for e in s.elements
        if e.tag == "Figure" and not str(e.obj.get("/Alt", "")).strip()
    ]


def nonstandard_types(s: Structure) -> list[str]:
    role_map = s.pdf.Root.StructTreeRoot.get("/RoleMap", {})
    return sorted(
        {e.tag for e in s.elements if e.tag not in STANDARD and f"/{e.tag}" not in role_map}
    )


def document_level(s: Structure) -> list[str]:
    root, problems = s.pdf.Root, []
    xmp = root.Metadata.read_bytes()
    if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
        problems.append("MarkInfo Marked is not true")
    if not str(root.get("/Lang", "")).strip():
        problems.append("no Lang")
    if b"<dc:title>" not in xmp:
        problems.append("no dc:title in XMP")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        problems.append("DisplayDocTitle is not true")
    if not re.search(rb'pdfuaid:part(="1"|>1<)', xmp):
        problems.append("no pdfuaid:part 1 in XMP")
    for index, page in enumerate(s.pdf.pages):
        if "/Annots" in page and page.get("/Tabs") != "/S":
            problems.append(f"page {index + 1}: tab order is not the structure order")
        for name, font in page.Resources.get("/Font", {}).items():
            program = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = program.FontDescriptor
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"page {index + 1}: font {name} not embedded")
    return problems


RULES = {
    "content reachable from nowhere": unreachable_content,
    "content outside structure and artifacts": untagged_painting,
    "tree names content the pages lack": tree_without_content,
    "Link inside a Link": nested_links,
    "Link without exactly one annotation": links_without_one_annotation,
    "link described by its target": links_without_description,
    "annotation unprinted or untagged": annotations_not_printed_or_untagged,
    "L or LI holding the wrong kinds": lists_badly_formed,
    "list split in two by a page": lists_split_by_pages,
    "decoration read aloud": decoration_read,
    "table header without Scope or ID": table_headers_unresolved,
    "Figure without Alt": figures_without_alt,
    "structure type neither standard nor mapped": nonstandard_types,
    "document-level condition": document_level,
}


# ---------- The PDFs, built once for this module ----------


@pytest.fixture(scope="module")
def structures(
    real_pdfs: dict[str, Path], every_feature_pdf: tuple[Catalogue, Path]
) -> list[Structure]:
    return [Structure(path) for path in [*real_pdfs.values(), every_feature_pdf[1]]]


@pytest.mark.parametrize("rule", list(RULES), ids=lambda rule: rule.replace(" ", "-"))
def test_every_pdf_meets_the_condition(structures: list[Structure], rule: str) -> None:
    failures = {s.path.name: RULES[rule](s) for s in structures}
    assert not {name: found for name, found in failures.items() if found}


def test_the_rules_see_what_they_check(structures: list[Structure]) -> None:
    """Guard against rules that pass because they find nothing to look at."""
    every = next(s for s in structures if s.path.stem == "every-feature")
    tags = {e.tag for e in every.elements}
    assert {"Link", "L", "LI", "Lbl", "LBody", "TH", "TD", "Figure", "Art"} <= tags
    assert sum(1 for _ in every.annotations()) >= 8
    assert len(every.marked) > 100


def test_every_web_address_printed_is_a_link(structures: list[Structure]) -> None:
    unlinked = []
    for s in structures:
        with pdfplumber.open(s.path) as plumber:
            for index, page in enumerate(plumber.pages):
                uris = [
                    str(a.get("/A", {}).get("/URI", ""))
                    for a in s.pdf.pages[index].get("/Annots", [])
                ]
                for address in re.findall(r"(?:https?://|www\.)[^\s,;)]+", page.extract_text()):
                    host = address.split("://")[-1].rstrip(".").split("/")[0]
                    if not any(host in uri for uri in uris):
                        unlinked.append(f"{s.path.name} page {index + 1}: {address}")
    assert not unlinked


# ---------- Reading content streams ----------


def one_page_pdf(*streams: bytes) -> bytes:
    """A tagged one-page PDF whose page content is `streams`, with an empty structure tree."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pikepdf.Array([pdf.make_stream(s) for s in streams])
    pdf.Root.StructTreeRoot = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array())
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def page_content(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return b"\n".join(s.read_bytes() for s in as_list(pdf.pages[0].obj.Contents))


def test_a_page_with_nothing_on_it_is_left_as_it_is() -> None:
    pdf = pikepdf.open(io.BytesIO(one_page_pdf(b"")))
    del pdf.pages[0].obj.Contents
    out = io.BytesIO()
    pdf.save(out)
    with pikepdf.open(io.BytesIO(finish_tagging(out.getvalue()))) as tagged:
        assert "/Contents" not in tagged.pages[0]


def test_glued_tokens_and_trailing_space_are_read_as_the_renderer_writes_them() -> None:
    tagged = finish_tagging(one_page_pdf(b"/P<</MCID 0>>BDC EMC" + b"\n" * 100_000))
    assert page_content(tagged).startswith(b"/Artifact BMC EMC")


def test_marked_content_outside_the_tree_becomes_an_artifact_across_content_streams() -> None:
    """A page's content may come in several streams, split anywhere between tokens."""
    tagged = finish_tagging(
        one_page_pdf(b"q /P\n<< /MCID 0 >>", b"BDC BT /F1 9 Tf [<0041> -5 <0042>] TJ ET EMC Q")
    )
    content = page_content(tagged)
    assert b"/Artifact BMC BT /F1 9 Tf [<0041> -5 <0042>] TJ ET EMC" in content
    assert b"MCID" not in content


@pytest.mark.parametrize(
    "content",
    [
        b"/P << /MCID 0 >> BDC BT (x) Tj ET EMC",
        b"BI /W 1 /H 1 ID \x00 EI",
        b"[[1] 2] 0 d",
        b"BT [" + b"1" * 5000 + b" (x)] TJ ET",
        b"/P <</MC#49D 0>> BDC EMC",
        b"BT /F#31 9 Tf [<0041>] TJ ET",
        b"/P <<%/MCID 5\n/MCID 0>> BDC EMC",
        b"/P << /MCID +0 >> BDC EMC",
        b"/P << /MCID 0 /MCID 1 >> BDC EMC",
        b"q" + b" " * 100_000 + b"(x)",
    ],
    ids=[
        "literal string",
        "inline image",
        "nested array",
        "string after a long number",
        "escaped name",
        "escaped font name",
        "comment in a dictionary",
        "signed MCID",
        "two MCIDs",
        "string after a long run of spaces",
    ],
)
def test_content_the_renderer_does_not_write_is_refused_not_guessed_at(content: bytes) -> None:
    """WeasyPrint writes strings in hexadecimal and arrays of strings and numbers: anything
    else could hide an operator inside a string, so the tagging stops rather than misread."""
    with pytest.raises(ContentSyntaxError):
        finish_tagging(one_page_pdf(content))


@pytest.mark.parametrize(
    "around",
    ["{}", "<section><h2>A section</h2><p>Before the list.</p>{}<p>After it.</p></section>"],
    ids=["on its own", "in a section"],
)
def test_a_list_over_three_pages_is_one_list_with_every_item(tmp_path: Path, around: str) -> None:
    """A page break cuts it twice: each part joins the list the part before it joined,
    and a section's part that held only the list goes with it."""
    items = "".join(f"<li>Item {n}, of a list that runs over three pages.</li>" for n in range(150))
    body = around.format(f"<ul>{items}</ul>")
    html = f'<html lang="en-GB"><head><title>A long list</title></head><body>{body}</body></html>'
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf_bytes(html, images=tmp_path, variables=look_of(None).variables("print")))
    s = Structure(path)
    assert len(s.pdf.pages) >= 4
    lists = [e for e in s.elements if e.tag == "L"]
    assert [len(e.kids) for e in lists] == [150]
    assert not [e.tag for e in s.elements if not e.kids and not e.mcids and not e.objrs]
    assert not lists_split_by_pages(s)
    assert not unreachable_content(s)
