"""What the site publishes for citing a briefing: its BibTeX, RIS and CSL-JSON files,
and what its page's "How to cite" needs (see insight.citation for the formats)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from insight.catalogue import Catalogue
from insight.citation import bibtex, csl_json, ris
from insight.model import Briefing
from insight.site.pages import briefing_uri

FOLDER = "cite/"
# Format -> (file extension, writer); in the order the page offers them.
FORMATS = {"BibTeX": ("bib", bibtex), "RIS": ("ris", ris), "CSL-JSON": ("json", csl_json)}


@dataclass(frozen=True)
class HowToCite:
    reference: Markup
    """The briefing's reference in the house (Harvard) style, formatted by citeproc."""
    address: str | None
    """Its page's absolute address, when the site has one."""
    files: list[tuple[str, str]]
    """(format, site path) of each citation file."""


def citation_file(briefing_id: str, extension: str) -> str:
    return f"{FOLDER}{briefing_id}.{extension}"


Address = Callable[[str], str | None]
"""address(src_uri): the absolute address of a file of the site, None without a site_url."""


def citation_files(catalogue: Catalogue, address: Address) -> list[tuple[str, str]]:
    """(site path, text) of every citation file of the catalogue's briefings."""
    return [
        (citation_file(b.id, extension), write(b, address(briefing_uri(b.id))))
        for b in catalogue.briefings
        for extension, write in FORMATS.values()
    ]


def how_to_cite(catalogue: Catalogue, briefing: Briefing, address: Address) -> HowToCite:
    cited = catalogue.references.get(briefing.id)
    return HowToCite(
        # citeproc's HTML, sanitised by allow-list in insight.citation.
        reference=Markup(cited.briefing if cited else ""),
        address=address(briefing_uri(briefing.id)),
        files=[(name, citation_file(briefing.id, ext)) for name, (ext, _) in FORMATS.items()],
    )
