"""The PDF's structure tree, finished where WeasyPrint's tagging stops short of PDF/UA-1.

WeasyPrint (70) tags every box as it lays it out, one page at a time, which leaves
what only a look at the whole document can settle. What the template and stylesheet
can fix is fixed there (contents leaders are borders, key-message numbers are list
markers, case-study facets are one list); this step, over the finished file with
pikepdf, does the rest:

- text of the page margins (running heads, page numbers), which WeasyPrint tags but hangs
  nowhere in the tree, and text set in an "Insight Ornament" face (the stylesheet's
  decoration) become artifacts;
- the boxes inside one link, each given a Link element and an annotation of its own,
  become one Link with one annotation, described by its text rather than its target;
- a list that page breaks cut into parts is one list again;
- header cells get a scope, and the IDs cells use to name them an ID tree;
- every annotation prints, and the parent tree is rebuilt to match.

It depends only on what WeasyPrint writes (the objects of ISO 32000-1 14.7-14.8), so a
change of WeasyPrint version that breaks it shows in tests/test_pdf_structure.py.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import NamedTuple

import pikepdf
from pikepdf import Array, Dictionary, Name

ORNAMENT = b"+Insight-Ornament"
PRINT_FLAG = 4
Key = tuple[int, int]  # (page index, MCID)


def finish_tagging(data: bytes) -> bytes:
    """The PDF `data` with its structure tree completed; the same input gives the same bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return data
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        decoders: dict[tuple[int, int], Decoder] = {}  # pages share their fonts
        content = [PageContent(pdf, i, page, decoders) for i, page in enumerate(pdf.pages)]
        tree = read_tree(pdf.Root.StructTreeRoot, pages)
        artifacts = {key for c in content for key in c.ornament}
        artifacts |= {key for c in content for key in c.marked} - in_tree(tree)
        drop_elements(tree, artifacts)
        kept = merge_nested_links(tree)
        merge_split_lists(tree)
        wrap_list_bodies(pdf, tree)
        describe_links(tree, lambda key: content[key[0]].text(key))
        scope_headers(pdf, tree)
        write_tree(tree)
        for index, page in enumerate(pdf.pages):
            content[index].make_artifacts({m for p, m in artifacts if p == index})
            annotations = [a for a in page.get("/Annots", []) if a.objgen in kept or not is_link(a)]
            if "/Annots" in page:
                page.Annots = Array(annotations)
                page.Tabs = Name.S
            for annotation in annotations:
                annotation.F = int(annotation.get("/F", 0)) | PRINT_FLAG
        rebuild_parent_tree(pdf, tree)
        out = io.BytesIO()
        # A content-derived file identifier keeps the build reproducible.
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


# ---------- Content streams ----------

_SPACE = b"\0\t\n\f\r "  # white space, as bytes and as the inside of a character class
_REGULAR = rb"[^\0\t\n\f\r ()<>\[\]{}/%#]"
_HEX = rb"<[0-9A-Fa-f\0\t\n\f\r ]*>"
# The tokens of a content stream (ISO 32000-1 7.2, 7.8.2), each with the white space before
# it, in what WeasyPrint writes: names, numbers, operators, strings in hexadecimal, arrays
# of strings and numbers (shown text) and dictionaries of plain values (marked-content
# properties), each array or dictionary one token. Anything else (a literal string, an
# inline image, a nested array, a comment, a name spelt with # escapes) is refused rather
# than guessed at. (The run of digits is possessive: split every way, a long run would take
# the refusal exponential time.)
TOKEN = re.compile(
    rb"[%s]*(?:(?P<array>\[(?:[%s]|%s|[-+.0-9]++)*\])|(?P<string>%s)"
    rb"|(?P<dict><<(?:[^<>()\[\]{}%%#]|%s)*>>)|(?P<name>/%s*)|(?P<word>%s+))"
    % (_SPACE, _SPACE, _HEX, _HEX, _HEX, _REGULAR, _REGULAR)
)
MCID = re.compile(rb"/MCID[%s]+([0-9]+)(?=[%s/>])" % (_SPACE, _SPACE))
SHOW_TEXT = {b"Tj", b"TJ", b"'", b'"'}


class ContentSyntaxError(ValueError):
    """A content stream holds what WeasyPrint does not write, so cannot be read safely."""


class PageContent:
    """One page's marked content: the text of each MCID, and which are set in ornament faces.

    It reads the page's content stream as bytes with one pass of a tokenizer, rather than
    through a parser's objects: a page holds thousands of operators, and the objects cost
    more than the rest of the tagging together.
    """

    def __init__(
        self,
        pdf: pikepdf.Pdf,
        index: int,
        page: pikepdf.Page,
        decoders: dict[tuple[int, int], Decoder],
    ) -> None:
        self.pdf = pdf
        self.page = page
        self.data = b"\n".join(s.read_bytes() for s in streams(page.obj.get("/Contents")))
        self.marked: set[Key] = set()
        self.ornament: set[Key] = set()
        self.starts: dict[int, list[slice]] = defaultdict(list)  # each MCID's BDC, operands too
        self.shown: dict[Key, list[tuple[Decoder, bytes]]] = defaultdict(list)
        fonts = {}
        for name, font in page.Resources.get("/Font", Dictionary()).items():
            if font.objgen not in decoders:
                decoders[font.objgen] = Decoder(font)
            fonts[name.encode()] = decoders[font.objgen]
        stack: list[Key | None] = []
        font: Decoder | None = None
        operands: list[re.Match[bytes]] = []
        position = 0
        # Token after token from where the last ended (a search instead would scan a run of
        # white space again from each of its bytes).
        while token := TOKEN.match(self.data, position):
            position = token.end()
            word = token["word"]
            if word == b"BI":  # an inline image: what follows is its data, not tokens
                position = token.start("word")
                break
            if word is None or word[0] in b"+-.0123456789" or word in (b"true", b"false", b"null"):
                operands.append(token)
                continue
            number = marked(operands[1], index) if word == b"BDC" and len(operands) == 2 else None
            if number is not None:
                key = (index, number)
                self.marked.add(key)
                self.starts[key[1]].append(
                    slice(operands[0].start(operands[0].lastgroup), position)
                )
                stack.append(key)
            elif word in (b"BDC", b"BMC"):
                stack.append(None)
            elif word == b"EMC" and stack:
                stack.pop()
            elif word == b"Tf" and operands and operands[0]["name"]:
                font = fonts.get(operands[0]["name"])
            elif word in SHOW_TEXT and operands and stack and stack[-1] and font:
                self.shown[stack[-1]].append((font, operands[-1][0]))
                if font.ornament:
                    self.ornament.add(stack[-1])
            operands = []
        if self.data[position:].strip(_SPACE):
            raise ContentSyntaxError(f"page {index + 1}: content unreadable at byte {position}")

    def text(self, key: Key) -> str:
        return "".join(font.decode(shown) for font, shown in self.shown.get(key, []))

    def make_artifacts(self, mcids: set[int]) -> None:
        """Rewrite the marked content with these MCIDs as artifacts."""
        spans = sorted((s for m in mcids for s in self.starts.get(m, [])), key=lambda s: s.start)
        if not spans:
            return
        parts, position = [], 0
        for span in spans:
            parts += [self.data[position : span.start], b"/Artifact BMC"]
            position = span.stop
        parts.append(self.data[position:])
        self.page.Contents = self.pdf.make_stream(b"".join(parts))


def streams(contents: pikepdf.Object | None) -> list[pikepdf.Stream]:
    if contents is None:
        return []
    return list(contents) if isinstance(contents, Array) else [contents]


def marked(properties: re.Match[bytes], index: int) -> int | None:
    """The MCID a BDC operator's property list gives, or None; a list that names /MCID other
    than once, as a plain number, is refused."""
    found = MCID.findall(properties[0])
    if len(found) > 1 or properties[0].count(b"/MCID") != len(found):
        raise ContentSyntaxError(f"page {index + 1}: a marked-content MCID not written plainly")
    return int(found[0]) if found else None


class Decoder:
    """A font's character codes to Unicode, through its ToUnicode map."""

    def __init__(self, font: pikepdf.Dictionary) -> None:
        self.ornament = ORNAMENT in bytes(font.get("/BaseFont", Name("/-")))
        self.width = 2 if font.get("/Subtype") == "/Type0" else 1
        self.map: dict[int, str] = {}
        if "/ToUnicode" in font:
            self.read_cmap(font.ToUnicode.read_bytes())

    def read_cmap(self, cmap: bytes) -> None:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                self.map[int(code, 16)] = utf16(text)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
            pattern = rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>"
            for low, high, start in re.findall(pattern, block):
                first = int(start, 16)
                for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    self.map[code] = chr(first + offset)

    def decode(self, shown: bytes) -> str:
        """The text of a shown string, or of an array of strings and spacings."""
        text = []
        for string in re.findall(_HEX, shown):
            digits = bytes(c for c in string[1:-1] if c not in _SPACE)
            raw = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
            for i in range(0, len(raw) - self.width + 1, self.width):
                text.append(self.map.get(int.from_bytes(raw[i : i + self.width]), ""))
        return "".join(text)


def utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", "replace")


# ---------- The structure tree ----------
#
# Read once into Python objects, worked on there, and written back once: every pass
# over pikepdf's own objects cost more than the rest of the tagging together.


class Element:
    """A structure element (or the tree's root) and its kids, as read from the file and as
    the passes below change them; `write_tree` puts the changes in the file."""

    __slots__ = ("ident", "kids", "obj", "own_page", "parent", "type")

    def __init__(
        self,
        obj: pikepdf.Dictionary,
        type: str | None,
        own_page: int | None,
        parent: Element | None,
        ident: bytes | None = None,
    ) -> None:
        self.obj = obj
        self.type = type
        """Its structure type ('/P', '/L'...); None for the root."""
        self.own_page = own_page
        """The page its own /Pg names, if it names one."""
        self.ident = ident
        self.kids: list[Element | Leaf] = []
        self.parent = parent

    def elements(self) -> list[Element]:
        return [kid for kid in self.kids if isinstance(kid, Element)]


class Leaf(NamedTuple):
    """A kid that is no element: marked content (a number, or a reference with its own
    page), an object reference (an annotation's), or anything else, kept as it is."""

    obj: pikepdf.Object
    mcid: int | None = None
    own_page: int | None = None
    annotation: pikepdf.Dictionary | None = None

    def key(self, page: int | None) -> Key | None:
        """The marked content it is, on the page of the element holding it."""
        if self.mcid is None:
            return None
        if isinstance(self.obj, int):
            return (page, self.mcid) if page is not None else None
        return (self.own_page if self.own_page is not None else page, self.mcid)  # type: ignore[return-value]


def kids(element: pikepdf.Dictionary) -> list[pikepdf.Object]:
    value = element.get("/K")
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def is_link(annotation: pikepdf.Dictionary) -> bool:
    return annotation.get("/Subtype") == "/Link"


def read_tree(root: pikepdf.Dictionary, pages: dict[tuple[int, int], int]) -> Element:
    """The structure tree under `root`, read once."""

    def own_page(obj: pikepdf.Dictionary) -> int | None:
        return pages[obj.Pg.objgen] if "/Pg" in obj else None

    top = Element(root, None, None, None)
    stack = [top]
    while stack:
        element = stack.pop()
        for kid in kids(element.obj):
            if isinstance(kid, Dictionary) and "/S" in kid:
                ident = bytes(kid.ID) if "/ID" in kid else None
                child = Element(kid, str(kid.S), own_page(kid), element, ident)
                element.kids.append(child)
                stack.append(child)
            elif isinstance(kid, int):
                element.kids.append(Leaf(kid, int(kid)))
            elif isinstance(kid, Dictionary) and "/MCID" in kid:
                element.kids.append(Leaf(kid, int(kid.MCID), own_page(kid)))
            elif isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
                element.kids.append(Leaf(kid, annotation=kid.Obj))
            else:
                element.kids.append(Leaf(kid))
    return top


def write_tree(top: Element) -> None:
    """Every element's kids and parent, as the passes left them, into the file."""
    stack = [top]
    while stack:
        element = stack.pop()
        element.obj.K = Array([kid.obj for kid in element.kids])
        for kid in element.elements():
            kid.obj.P = element.obj
            stack.append(kid)


def page_of(element: Element, inherited: int | None) -> int | None:
    return element.own_page if element.own_page is not None else inherited


def walk(top: Element) -> Iterator[tuple[Element, int | None]]:
    """Every structure element under `top` (not the root itself), with its page, parents
    before their kids. (A stack, not recursion: a generator per level makes each element
    pass up through every level above it.)"""
    stack = [(kid, None) for kid in reversed(top.elements())]
    while stack:
        element, inherited = stack.pop()
        page = page_of(element, inherited)
        yield element, page
        stack.extend((kid, page) for kid in reversed(element.elements()))


def in_tree(top: Element) -> set[Key]:
    found = set()
    for element, page in walk(top):
        for kid in element.kids:
            if isinstance(kid, Leaf) and (key := kid.key(page)) is not None:
                found.add(key)
    return found


def drop_elements(top: Element, artifacts: set[Key]) -> None:
    """Take the artifacts' MCIDs out of the tree, and the elements left with nothing."""

    def prune(element: Element, page: int | None) -> bool:
        page = page_of(element, page) if element.type else page
        kept: list[Element | Leaf] = []
        for kid in element.kids:
            if isinstance(kid, Leaf) and kid.key(page) in artifacts:
                continue
            if isinstance(kid, Element) and not prune(kid, page):
                continue
            kept.append(kid)
        changed = len(kept) != len(element.kids)
        element.kids = kept
        # An element that held only artifacts goes too; one that was empty from the start
        # (an image's placeholder, an empty cell) stays as WeasyPrint made it.
        return bool(kept) or not changed

    prune(top, None)


def merge_nested_links(top: Element) -> set[tuple[int, int]]:
    """Fold every Link inside a Link into the outer one, keeping the outer annotation.

    HTML has no link inside a link: WeasyPrint gives each box inside an <a> (a span, a
    ::before or ::after) a Link element and an annotation of its own. The outer box's
    annotation covers them all. Returns the link annotations kept.
    """
    kept: set[tuple[int, int]] = set()

    def fold(element: Element, below_link: bool) -> list[Element | Leaf]:
        """The element's kids with inner links dissolved and their annotations dropped;
        `below_link` says whether a Link stands above the element."""
        inside = below_link or element.type == "/Link"
        result: list[Element | Leaf] = []
        for kid in element.kids:
            if isinstance(kid, Leaf) and kid.annotation is not None and is_link(kid.annotation):
                if below_link:
                    continue
                kept.add(kid.annotation.objgen)
            if isinstance(kid, Element):
                inner = fold(kid, inside)
                if inside and kid.type == "/Link":
                    result.extend(inner)  # the inner Link's content joins the outer one
                    continue
                kid.kids = inner
                for grandkid in inner:
                    if isinstance(grandkid, Element):
                        grandkid.parent = kid
            result.append(kid)
        return result

    top.kids = fold(top, False)
    return kept


def merge_split_lists(top: Element) -> None:
    """One list again where a page break cut it: WeasyPrint tags each page on its own, so
    a list running over a page becomes an L closing one page and an L opening the next.

    The two are taken for one list when every element above them, from where the pages
    meet, has the same type: two lists of their own meet like that only if nothing at
    all stands between them in the HTML, which pandoc never writes. A list over three
    pages or more is one list too: a part of it, and each element above it that held
    nothing else on its page (the page's part of a section), joins the part before it.
    """
    joined: dict[int, Element] = {}  # id() of an element taken into another -> that one

    def into(element: Element) -> Element:
        while id(element) in joined:
            element = joined[id(element)]
        return element

    for parent in [*(element for element, _ in list(walk(top))), top]:
        for before, after in itertools.pairwise(parent.elements()):
            if before.own_page is None or after.own_page != before.own_page + 1:
                continue
            above_a, above_b = [into(before)], [after]
            while above_a[-1].type == above_b[-1].type != "/L":
                a_kids, b_kids = above_a[-1].elements(), above_b[-1].elements()
                if not a_kids or not b_kids:
                    break
                above_a.append(into(a_kids[-1]))
                above_b.append(b_kids[0])
            if above_a[-1].type == above_b[-1].type == "/L":
                for a, b in reversed(list(zip(above_a, above_b, strict=True))):
                    if b is not above_b[-1] and b.kids:
                        break
                    for kid in b.elements():
                        kid.parent = a
                    a.kids = a.kids + b.kids
                    b.kids = []
                    holder = b.parent
                    assert holder is not None, "a list is an element's kid"
                    holder.kids = [k for k in holder.kids if k is not b]
                    joined[id(b)] = a


def wrap_list_bodies(pdf: pikepdf.Pdf, top: Element) -> None:
    """What a list item holds besides its label goes in an LBody: WeasyPrint puts the
    paragraphs of an item with a marker straight into the LI."""
    for item, _page in list(walk(top)):
        if item.type != "/LI":
            continue
        result: list[Element | Leaf] = []
        body: Element | None = None  # the LBody being filled
        for kid in item.kids:
            if isinstance(kid, Element) and kid.type in ("/Lbl", "/LBody"):
                result.append(kid)
                body = None
                continue
            if body is None:
                obj = pdf.make_indirect(
                    Dictionary(Type=Name.StructElem, S=Name.LBody, P=item.obj, K=Array())
                )
                if item.own_page is not None:
                    obj.Pg = item.obj.Pg
                body = Element(obj, "/LBody", item.own_page, item)
                result.append(body)
            body.kids.append(kid)
            if isinstance(kid, Element):
                kid.parent = body
        item.kids = result


def describe_links(top: Element, text: Callable[[Key], str]) -> None:
    """Each link annotation described by its text (Matterhorn 28-004), not by its target.

    A link broken over two lines is two Link elements side by side; each is described
    by the text of both.
    """

    def shown(element: Element, page: int | None) -> str:
        parts = []
        for kid in element.kids:
            if isinstance(kid, Leaf):
                if (key := kid.key(page)) is not None:
                    parts.append(text(key) if key[0] is not None else "")
            else:
                parts.append(shown(kid, page_of(kid, page)))
        return "".join(parts)

    for parent, _page in list(walk(top)):
        run: list[tuple[pikepdf.Dictionary, str]] = []
        for kid in [*parent.kids, None]:
            annotation = link_annotation(kid) if isinstance(kid, Element) else None
            if run and (annotation is None or target(annotation) != target(run[0][0])):
                description = " ".join(" ".join(t for _, t in run).split())
                for a, _ in run:
                    if description:
                        a.Contents = pikepdf.String(description)
                run = []
            if annotation is not None:
                assert isinstance(kid, Element)
                run.append((annotation, shown(kid, kid.own_page)))


def link_annotation(element: Element) -> pikepdf.Dictionary | None:
    if element.type != "/Link":
        return None
    found = (
        kid.annotation
        for kid in element.kids
        if isinstance(kid, Leaf) and kid.annotation is not None and is_link(kid.annotation)
    )
    return next(found, None)


def target(annotation: pikepdf.Dictionary) -> str:
    if "/Dest" in annotation:
        return str(annotation.Dest)
    return str(annotation.get("/A", Dictionary()).get("/URI", ""))


def scope_headers(pdf: pikepdf.Pdf, top: Element) -> None:
    """Header cells get a scope (Matterhorn 15-003); the IDs WeasyPrint gives them, which
    data cells name as their headers, get the ID tree that resolves them."""
    ids: dict[bytes, pikepdf.Dictionary] = {}
    for element, _page in walk(top):
        if element.ident is not None:
            ids[element.ident] = element.obj
        if element.type == "/TH":
            attributes = element.obj.get("/A")
            if not isinstance(attributes, Dictionary):
                attributes = element.obj.A = Dictionary(O=Name.Table)
            attributes.Scope = Name.Row if is_row_header(element) else Name.Column
    if ids:
        names = Array()
        for key in sorted(ids):
            names.extend([pikepdf.String(key), ids[key]])
        top.obj.IDTree = pdf.make_indirect(Dictionary(Names=names))


def is_row_header(cell: Element) -> bool:
    """A header cell heads a row when it starts a body row that also holds data cells."""
    row = cell.parent
    if row is None or row.type != "/TR" or (row.parent and row.parent.type == "/THead"):
        return False
    cells = row.elements()
    return bool(cells) and cells[0] is cell and any(c.type == "/TD" for c in cells)


def rebuild_parent_tree(pdf: pikepdf.Pdf, top: Element) -> None:
    """The parent tree from the tree as it now is: each page's MCIDs to their elements, and
    each annotation to the element holding it."""
    by_page: dict[int | None, dict[int, pikepdf.Dictionary]] = defaultdict(dict)
    owners: list[tuple[pikepdf.Dictionary, pikepdf.Dictionary]] = []
    for element, page in walk(top):
        for kid in element.kids:
            if not isinstance(kid, Leaf):
                continue
            if (key := kid.key(page)) is not None:
                by_page[key[0]][key[1]] = element.obj
            elif kid.annotation is not None:
                owners.append((kid.annotation, element.obj))
    nums = Array()
    for index, page in enumerate(pdf.pages):
        page.StructParents = index
        mcids = by_page.get(index, {})
        size = max(mcids, default=-1) + 1
        nums.extend([index, Array([mcids.get(m, None) for m in range(size)])])
    for number, (annotation, element) in enumerate(owners, start=len(pdf.pages)):
        annotation.StructParent = number
        nums.extend([number, element])
    root = top.obj
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(pdf.pages) + len(owners)
