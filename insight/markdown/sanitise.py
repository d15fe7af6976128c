"""The second wall at the Markdown boundary: an HTML sanitiser over every fragment
that leaves pandoc, for the site and the print edition alike.

Our pandoc writer already drops every attribute a source writes; this keeps, by
allow-list, only the elements and attributes that writer emits, whatever slipped
through: no script, no style but a table column's alignment, no event handler, links
only to http, https, mailto, tel or an anchor, images only from the image folder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cache

import nh3

from insight.markdown.images import FOLDER, image_name

TAGS = {
    *("p", "br", "hr", "blockquote", "pre", "code", "em", "strong", "del", "u", "sup", "sub"),
    *("span", "div", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd"),
    *("a", "img", "figure", "figcaption", "section"),
    *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
}
ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title"},
    **{heading: {"id"} for heading in ("h3", "h4", "h5", "h6")},
    "li": {"id"},
    "section": {"id"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
ALIGNMENTS = {f"text-align: {side};" for side in ("left", "right", "center")}
# Attributes allowed only with one of these values.
VALUES = {
    "a": {"role": {"doc-noteref", "doc-backlink"}},
    "section": {"role": {"doc-endnotes"}},
    "figcaption": {"aria-hidden": {"true"}},
    "ol": {"type": {"1", "a", "A", "i", "I"}},
    "th": {"style": ALIGNMENTS},
    "td": {"style": ALIGNMENTS},
}
CLASSES = {
    # The stylesheets style footnotes by pandoc's classes.
    "a": {"footnote-ref", "footnote-back"},
    "section": {"footnotes", "footnotes-end-of-document"},
}
SCHEMES = {"http", "https", "mailto", "tel"}
LINK = re.compile(r"(?i)(https?://|mailto:|tel:|#)")
NUMBER = re.compile(r"[0-9]{1,9}")
# The ids pandoc gives inside a text all start with the text's key (see insight.markdown).
TEXT_ID = re.compile(r"m[0-9a-f]{10}-")


def sanitise(html: str, images_at: str = f"{FOLDER}/", ids_after: str = "") -> str:
    """`html` with only the allowed elements and attributes; each image's src the
    canonical images/<name>, written relative to the page as `images_at`<name>; the ids
    pandoc gave the text (and the links to them) followed by `ids_after`."""
    return cleaner(images_at, ids_after).clean(html)


def page_renderer(
    html_of: Callable[[str], str], images_at: str = f"{FOLDER}/"
) -> Callable[[str], str]:
    """markdown(text) for one page or one printed document. Pandoc names a text's footnotes
    and headings after the text itself, so a text shown twice on a page (two briefings with
    one summary, a key message repeated) gets ids of its own the second time."""
    shown: Counter[str] = Counter()

    def markdown(text: str) -> str:
        shown[text] += 1
        return sanitise(html_of(text), images_at, "" if shown[text] == 1 else f"-{shown[text]}")

    return markdown


@cache
def cleaner(images_at: str, ids_after: str = "") -> nh3.Cleaner:
    def allowed(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return value + ids_after if TEXT_ID.match(value) else value
        if attribute == "href":
            if value.startswith("#") and TEXT_ID.match(value[1:]):
                return value + ids_after
            return value if LINK.match(value) else None
        if attribute == "src":
            name = image_name(value) if tag == "img" else None
            return None if name is None else images_at + name
        if attribute in ("start", "colspan", "rowspan"):
            return value if NUMBER.fullmatch(value) else None
        return value

    # VALUES' attributes must not also be listed in ATTRIBUTES, or any value would pass.
    assert not any(set(VALUES[tag]) & ATTRIBUTES.get(tag, set()) for tag in VALUES)
    return nh3.Cleaner(
        tags=TAGS,
        attributes=ATTRIBUTES,
        tag_attribute_values=VALUES,
        allowed_classes=CLASSES,
        attribute_filter=allowed,
        url_schemes=SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
