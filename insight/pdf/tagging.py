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
- a list that a page break cut in two is one list again;
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
        root = pdf.Root.StructTreeRoot
        artifacts = {key for c in content for key in c.ornament}
        artifacts |= {key for c in content for key in c.marked} - in_tree(root, pages)
        drop_elements(root, pages, artifacts)
        kept = merge_nested_links(root)
        merge_split_lists(root, pages)
        wrap_list_bodies(pdf, root, pages)
        describe_links(root, pages, lambda key: content[key[0]].text(key))
        scope_headers(pdf, root, pages)
        for index, page in enumerate(pdf.pages):
            content[index].make_artifacts({m for p, m in artifacts if p == index})
            annotations = [a for a in page.get("/Annots", []) if a.objgen in kept or not is_link(a)]
            if "/Annots" in page:
                page.Annots = Array(annotations)
                page.Tabs = Name.S
            for annotation in annotations:
                annotation.F = int(annotation.get("/F", 0)) | PRINT_FLAG
        rebuild_parent_tree(pdf, root, pages)
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


def kids(element: pikepdf.Dictionary) -> list[pikepdf.Object]:
    value = element.get("/K")
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def set_kids(element: pikepdf.Dictionary, values: list[pikepdf.Object]) -> None:
    element.K = Array(values)


def is_element(kid: pikepdf.Object) -> bool:
    return isinstance(kid, Dictionary) and "/S" in kid


def is_objr(kid: pikepdf.Object) -> bool:
    return isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR"


def is_link(annotation: pikepdf.Dictionary) -> bool:
    return annotation.get("/Subtype") == "/Link"


def page_of(element: pikepdf.Dictionary, pages: dict, inherited: int | None) -> int | None:
    return pages[element.Pg.objgen] if "/Pg" in element else inherited


def mcid_of(kid: pikepdf.Object, page: int | None, pages: dict) -> Key | None:
    if isinstance(kid, int):
        return (page, kid) if page is not None else None
    if isinstance(kid, Dictionary) and "/MCID" in kid and "/S" not in kid:
        return (page_of(kid, pages, page), int(kid.MCID))
    return None


def walk(
    element: pikepdf.Dictionary, pages: dict, page: int | None = None
) -> Iterator[tuple[pikepdf.Dictionary, int | None]]:
    """Every structure element under `element` (itself included when it is one), with its
    page, parents before their kids. (A stack, not recursion: a generator per level makes
    each element pass up through every level above it.)"""
    stack = [(element, page)]
    while stack:
        element, page = stack.pop()
        if is_element(element):
            page = page_of(element, pages, page)
            yield element, page
        stack.extend((kid, page) for kid in reversed(kids(element)) if is_element(kid))


def in_tree(root: pikepdf.Dictionary, pages: dict) -> set[Key]:
    found = set()
    for element, page in walk(root, pages):
        for kid in kids(element):
            if (key := mcid_of(kid, page, pages)) is not None:
                found.add(key)
    return found


def drop_elements(root: pikepdf.Dictionary, pages: dict, artifacts: set[Key]) -> None:
    """Take the artifacts' MCIDs out of the tree, and the elements left with nothing."""

    def prune(element: pikepdf.Dictionary, page: int | None) -> bool:
        page = page_of(element, pages, page) if is_element(element) else page
        kept = []
        for kid in kids(element):
            if mcid_of(kid, page, pages) in artifacts:
                continue
            if is_element(kid) and not prune(kid, page):
                continue
            kept.append(kid)
        changed = len(kept) != len(kids(element))
        if changed:
            set_kids(element, kept)
        # An element that held only artifacts goes too; one that was empty from the start
        # (an image's placeholder, an empty cell) stays as WeasyPrint made it.
        return bool(kept) or not changed

    prune(root, None)


def merge_nested_links(root: pikepdf.Dictionary) -> set[tuple[int, int]]:
    """Fold every Link inside a Link into the outer one, keeping the outer annotation.

    HTML has no link inside a link: WeasyPrint gives each box inside an <a> (a span, a
    ::before or ::after) a Link element and an annotation of its own. The outer box's
    annotation covers them all. Returns the link annotations kept.
    """
    kept: set[tuple[int, int]] = set()

    def fold(element: pikepdf.Dictionary, below_link: bool) -> list[pikepdf.Object]:
        """The element's kids with inner links dissolved and their annotations dropped;
        `below_link` says whether a Link stands above the element."""
        inside = below_link or element.get("/S") == "/Link"
        result = []
        for kid in kids(element):
            if is_objr(kid) and is_link(kid.Obj):
                if below_link:
                    continue
                kept.add(kid.Obj.objgen)
            if is_element(kid):
                inner = fold(kid, inside)
                if inside and kid.S == "/Link":
                    result.extend(inner)  # the inner Link's content joins the outer one
                    continue
                set_kids(kid, inner)
                for grandkid in inner:
                    if is_element(grandkid):
                        grandkid.P = kid
            result.append(kid)
        return result

    set_kids(root, fold(root, False))
    return kept


def merge_split_lists(root: pikepdf.Dictionary, pages: dict) -> None:
    """One list again where a page break cut it: WeasyPrint tags each page on its own, so
    a list running over a page becomes an L closing one page and an L opening the next.

    The two are taken for one list when every element above them, from where the pages
    meet, has the same type: two lists of their own meet like that only if nothing at
    all stands between them in the HTML, which pandoc never writes.
    """
    for parent, _page in [*list(walk(root, pages)), (root, None)]:
        elements = [kid for kid in kids(parent) if is_element(kid)]
        for before, after in itertools.pairwise(elements):
            before_page = page_of(before, pages, None)
            if before_page is None or page_of(after, pages, None) != before_page + 1:
                continue
            a, b = before, after
            while a.S == b.S and a.S != "/L":
                a_kids = [k for k in kids(a) if is_element(k)]
                b_kids = [k for k in kids(b) if is_element(k)]
                if not a_kids or not b_kids:
                    break
                a, b = a_kids[-1], b_kids[0]
            if a.S == b.S == "/L":
                for item in kids(b):
                    if is_element(item):
                        item.P = a
                set_kids(a, kids(a) + kids(b))
                holder = b.P
                set_kids(holder, [k for k in kids(holder) if k.objgen != b.objgen])


def wrap_list_bodies(pdf: pikepdf.Pdf, root: pikepdf.Dictionary, pages: dict) -> None:
    """What a list item holds besides its label goes in an LBody: WeasyPrint puts the
    paragraphs of an item with a marker straight into the LI."""
    for item, _page in list(walk(root, pages)):
        if item.S != "/LI":
            continue
        result: list[pikepdf.Object] = []
        body: pikepdf.Dictionary | None = None  # the LBody being filled
        for kid in kids(item):
            if is_element(kid) and kid.S in ("/Lbl", "/LBody"):
                result.append(kid)
                body = None
                continue
            if body is None:
                body = pdf.make_indirect(
                    Dictionary(Type=Name.StructElem, S=Name.LBody, P=item, K=Array())
                )
                if "/Pg" in item:
                    body.Pg = item.Pg
                result.append(body)
            body.K.append(kid)
            if is_element(kid):
                kid.P = body
        if any(kid.objgen != old.objgen for kid, old in zip(result, kids(item), strict=False)):
            set_kids(item, result)


def describe_links(root: pikepdf.Dictionary, pages: dict, text: Callable[[Key], str]) -> None:
    """Each link annotation described by its text (Matterhorn 28-004), not by its target.

    A link broken over two lines is two Link elements side by side; each is described
    by the text of both.
    """

    def shown(element: pikepdf.Dictionary, page: int | None) -> str:
        parts = []
        for kid in kids(element):
            if (key := mcid_of(kid, page, pages)) is not None:
                parts.append(text(key) if key[0] is not None else "")
            elif is_element(kid):
                parts.append(shown(kid, page_of(kid, pages, page)))
        return "".join(parts)

    for parent, _page in list(walk(root, pages)):
        run: list[tuple[pikepdf.Dictionary, str]] = []
        for kid in [*kids(parent), None]:
            annotation = link_annotation(kid) if kid is not None and is_element(kid) else None
            if run and (annotation is None or target(annotation) != target(run[0][0])):
                description = " ".join(" ".join(t for _, t in run).split())
                for a, _ in run:
                    if description:
                        a.Contents = pikepdf.String(description)
                run = []
            if annotation is not None:
                run.append((annotation, shown(kid, page_of(kid, pages, None))))


def link_annotation(element: pikepdf.Dictionary) -> pikepdf.Dictionary | None:
    if element.S != "/Link":
        return None
    return next((kid.Obj for kid in kids(element) if is_objr(kid) and is_link(kid.Obj)), None)


def target(annotation: pikepdf.Dictionary) -> str:
    if "/Dest" in annotation:
        return str(annotation.Dest)
    return str(annotation.get("/A", Dictionary()).get("/URI", ""))


def scope_headers(pdf: pikepdf.Pdf, root: pikepdf.Dictionary, pages: dict) -> None:
    """Header cells get a scope (Matterhorn 15-003); the IDs WeasyPrint gives them, which
    data cells name as their headers, get the ID tree that resolves them."""
    ids: dict[bytes, pikepdf.Dictionary] = {}
    for element, _page in walk(root, pages):
        if "/ID" in element:
            ids[bytes(element.ID)] = element
        if element.S == "/TH":
            attributes = element.get("/A")
            if not isinstance(attributes, Dictionary):
                attributes = element.A = Dictionary(O=Name.Table)
            attributes.Scope = Name.Row if is_row_header(element) else Name.Column
    if ids:
        names = Array()
        for key in sorted(ids):
            names.extend([pikepdf.String(key), ids[key]])
        root.IDTree = pdf.make_indirect(Dictionary(Names=names))


def is_row_header(cell: pikepdf.Dictionary) -> bool:
    """A header cell heads a row when it starts a body row that also holds data cells."""
    row = cell.get("/P")
    if row is None or row.get("/S") != "/TR" or row.get("/P", {}).get("/S") == "/THead":
        return False
    cells = [k for k in kids(row) if is_element(k)]
    return bool(cells) and cells[0].objgen == cell.objgen and any(c.S == "/TD" for c in cells)


def rebuild_parent_tree(pdf: pikepdf.Pdf, root: pikepdf.Dictionary, pages: dict) -> None:
    """The parent tree from the tree as it now is: each page's MCIDs to their elements, and
    each annotation to the element holding it."""
    by_page: dict[int, dict[int, pikepdf.Dictionary]] = defaultdict(dict)
    owners: list[tuple[pikepdf.Dictionary, pikepdf.Dictionary]] = []
    for element, page in walk(root, pages):
        for kid in kids(element):
            if (key := mcid_of(kid, page, pages)) is not None:
                by_page[key[0]][key[1]] = element
            elif is_objr(kid):
                owners.append((kid.Obj, element))
    nums = Array()
    for index, page in enumerate(pdf.pages):
        page.StructParents = index
        mcids = by_page.get(index, {})
        size = max(mcids, default=-1) + 1
        nums.extend([index, Array([mcids.get(m, None) for m in range(size)])])
    for number, (annotation, element) in enumerate(owners, start=len(pdf.pages)):
        annotation.StructParent = number
        nums.extend([number, element])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(pdf.pages) + len(owners)
