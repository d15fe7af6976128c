"""How to cite a briefing, and how a briefing cites the works it discusses.

A briefing is described once, as a CSL-JSON item; its BibTeX and RIS are written from
the same facts, and pandoc's citeproc formats both its "how to cite" line and its
further reading with the Harvard (Cite Them Right) style shipped in
insight/assets/csl/, so that the site and the PDF print the same references.

citeproc runs as a bounded pandoc process (see insight.markdown.pandoc), once per
briefing, and its answer is cached like the Markdown's.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insight.errors import SourceError
from insight.incremental import cached_json, digest
from insight.load import Locator
from insight.markdown import pandoc
from insight.markdown.sanitise import sanitise
from insight.model import Briefing, Reading

STYLE = Path(__file__).parent / "assets" / "csl" / "harvard-cite-them-right.csl"
SELF = "briefing"
"""The id of the briefing's own item in a citeproc run; its readings are r1, r2, ..."""

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
YEAR = re.compile(r"\b(1[89][0-9]{2}|2[01][0-9]{2})\b")
DAY_MONTH = re.compile(r"\b([0-3]?[0-9])(?:st|nd|rd|th)?\s+([A-Za-z]+)\b|\b([A-Za-z]+)\b")
ENTRY = re.compile(
    r'<div id="ref-([a-z0-9]+)" class="csl-entry" role="listitem">\n(.*?)\n</div>', re.S
)


@dataclass(frozen=True)
class Cited:
    """A briefing formatted by citeproc: its own reference (how to cite it), and its
    further reading as references, (index in further_reading, HTML) in the style's order."""

    briefing: str
    readings: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class References:
    html: dict[str, Cited] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)


# The briefing as data: CSL-JSON, BibTeX and RIS.


def csl_item(briefing: Briefing, url: str | None = None) -> dict[str, Any]:
    """The briefing as a CSL-JSON item (what Zotero, Mendeley and citeproc read)."""
    item: dict[str, Any] = {
        "id": briefing.id,
        "type": "report",
        "title": csl_text(full_title(briefing)),
        # The publishers are the authors the sources name: an organisation, written whole.
        "author": [{"literal": csl_text(p)} for p in briefing.publishers],
        "publisher": csl_text(and_list(briefing.publishers)),
        "genre": briefing.kind.value.capitalize(),
        "issued": {"date-parts": [date_parts(briefing)]},
    }
    if briefing.series:
        item["collection-title"] = csl_text(briefing.series)
    if briefing.keywords:
        item["keyword"] = csl_text(", ".join(briefing.keywords))
    if url:
        item["URL"] = url
    return item


def csl_json(briefing: Briefing, url: str | None = None) -> str:
    return json.dumps([csl_item(briefing, url)], ensure_ascii=False, indent=2) + "\n"


def bibtex(briefing: Briefing, url: str | None = None) -> str:
    """A BibTeX @techreport entry; every value is escaped, so no source text is read as TeX."""
    fields = [
        ("title", tex(full_title(briefing))),
        # Double braces: an organisation, not a person whose surname BibTeX would look for.
        ("author", " and ".join(f"{{{tex(p)}}}" for p in briefing.publishers)),
        ("institution", tex(and_list(briefing.publishers))),
        ("type", tex(briefing.kind.value.capitalize())),
        ("year", str(briefing.date.year)),
    ]
    if briefing.date.month:
        fields.append(("month", str(briefing.date.month)))
    if briefing.series:
        fields.append(("series", tex(briefing.series)))
    if briefing.keywords:
        fields.append(("keywords", tex(", ".join(briefing.keywords))))
    if url:
        fields.append(("url", tex_url(url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@techreport{{{briefing.id},\n{body}\n}}\n"


def ris(briefing: Briefing, url: str | None = None) -> str:
    """An RIS record (EndNote, Zotero, RefWorks); every value on one line of its own."""
    tags = [("TY", "RPRT"), ("TI", full_title(briefing))]
    tags += [("AU", p) for p in briefing.publishers]
    tags += [("PB", and_list(briefing.publishers)), ("PY", str(briefing.date.year))]
    d = briefing.date
    tags.append(
        (
            "DA",
            f"{d.year:04d}/{f'{d.month:02d}' if d.month else ''}/{f'{d.day:02d}' if d.day else ''}/",
        )
    )
    if briefing.series:
        tags.append(("T3", briefing.series))
    tags += [("KW", k) for k in briefing.keywords]
    if url:
        tags.append(("UR", url))
    tags.append(("ER", ""))
    return "".join(f"{tag}  - {plain(value)}\r\n" for tag, value in tags)


def full_title(briefing: Briefing) -> str:
    return f"{briefing.title}: {briefing.subtitle}" if briefing.subtitle else briefing.title


def date_parts(briefing: Briefing) -> list[int]:
    d = briefing.date
    return [part for part in (d.year, d.month, d.day) if part is not None]


def and_list(items: list[str]) -> str:
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]])) if items else ""


def plain(text: str) -> str:
    """`text` on one line: control and format characters dropped, every run of white space
    (line breaks and separators too) one space, so that no value can begin a record of its own."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c.isspace())
    return " ".join(kept.split())


# CSL-JSON text may hold <i>, <b>, <sc>, <sup>, <sub> and <span ...> as formatting, which
# citeproc and reference managers apply: an editor's '<b>' must stay two letters and a tag.
TAG_START = re.compile(r"<(?=/?[A-Za-z])")


def csl_text(text: str) -> str:
    """`plain` text that CSL readers show as written: a word joiner after each '<' that
    would open a tag."""
    return TAG_START.sub("<\u2060", plain(text))


TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def tex(text: str) -> str:
    return "".join(TEX_SPECIAL.get(c, c) for c in plain(text))


def tex_url(url: str) -> str:
    # Addresses are ours (the site's), percent-encoded: only these could end the value.
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


# Further reading as CSL items, and citeproc's formatting of them.


def reading_item(index: int, reading: Reading) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"r{index}", "type": "report", "title": csl_text(reading.title)}
    if reading.publisher:
        item["publisher"] = csl_text(reading.publisher)
    if reading.date and (parts := reading_date(reading.date)):
        item["issued"] = {"date-parts": [parts]}
    return item


def reading_date(text: str) -> list[int]:
    """[year, month, day] as far as a free-text date such as '23 February 2015' says; [] when
    it names no year, and the style then says 'no date'."""
    year = YEAR.search(text)
    if not year:
        return []
    day = month = None
    for match in DAY_MONTH.finditer(text):
        word = (match.group(2) or match.group(3) or "").lower()
        if word in MONTHS:
            month, day = MONTHS[word], int(match.group(1)) if match.group(1) else None
            break
    parts = [int(year.group(1))]
    if month:
        parts.append(month)
        if day and 1 <= day <= 31:
            parts.append(day)
    return parts


def render_references(
    briefing: Briefing, locator: Locator, cache_file: Path | None = None
) -> References:
    """The briefing's own reference and its further reading, formatted by citeproc; an
    error at further_reading when citeproc cannot format them within pandoc's limits."""
    items = [csl_item(briefing)] + [
        reading_item(index, r) for index, r in enumerate(briefing.further_reading)
    ]
    items[0]["id"] = SELF
    request = json.dumps(items, ensure_ascii=False)
    compute: Callable[[], str] = lambda: citeproc(request)  # noqa: E731
    try:
        if cache_file is None:
            answer = compute()
        else:
            key = digest([request, STYLE.read_bytes(), *pandoc.identity()])
            answer = cached_json(cache_file, key, compute)
    except pandoc.PandocLimit as exc:
        error = locator.error(
            ("further_reading",) if briefing.further_reading else (),
            f"the references cannot be formatted: citeproc {exc.what}",
            "shorten the titles in further_reading",
        )
        return References(errors=[error])
    entries = {ref: sanitise(" ".join(html.split())) for ref, html in ENTRY.findall(answer)}
    readings = [(int(ref[1:]), html) for ref, html in entries.items() if ref != SELF]
    return References(html={briefing.id: Cited(entries.get(SELF, ""), readings)})


def citeproc(request: str) -> str:
    """pandoc's HTML bibliography of every CSL-JSON item in `request`."""
    options = ["--from=csljson", "--to=html", "--wrap=none", "--citeproc", f"--csl={STYLE}"]
    return pandoc.run(options, request)
