"""Markdown fields to HTML through pandoc: one dialect for the site and the PDFs.

Every Markdown field of a briefing goes through a single sandboxed pandoc run.
Raw HTML is read as text, so nothing an editor writes can run as script; link
and image targets come back with the HTML so that unsafe ones become errors at
the field's location instead of output. Given a cache file, an unchanged briefing
is not sent to pandoc again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel

from insight.errors import SourceError
from insight.incremental import cached_json, digest
from insight.load import Loc, Locator
from insight.markdown import pandoc
from insight.model import MARKDOWN

LINK_SCHEMES = {"http", "https", "mailto", "tel"}


def render_fields(
    model: BaseModel, locator: Locator, images: Path, cache_file: Path | None = None
) -> tuple[dict[str, str], list[SourceError]]:
    """HTML for each Markdown text in `model`, and errors for unsafe links or images.

    With `cache_file`, pandoc's answer is kept there and reused while the texts are the same.
    """
    fields = list(markdown_fields(model, ()))
    texts = {text: key_for(text) for _, text in fields}
    if not texts:
        return {}, []
    request = json.dumps([{"key": key, "markdown": text} for text, key in texts.items()])
    try:
        if cache_file is None:
            results = pandoc.convert(request)
        else:
            key = digest([request, *pandoc.identity()])
            results = cached_json(cache_file, key, lambda: pandoc.convert(request))
    except pandoc.PandocLimit:
        return {}, over_limit(fields, locator)
    by_key = {result["key"]: result for result in results}
    html = {text: by_key[key]["html"] for text, key in texts.items()}
    errors = [
        locator.error(loc, problem, hint)
        for loc, text in fields
        for target in as_list(by_key[texts[text]]["targets"])
        for problem, hint in [check_target(target["kind"], target["target"], images)]
        if problem
    ]
    return html, errors


def markdown_fields(value: Any, loc: Loc, annotation: Any = None) -> Iterator[tuple[Loc, str]]:
    """Every (location, text) in a model whose type is the `Markdown` text type."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            hint = (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            )
            yield from markdown_fields(getattr(value, name), (*loc, name), hint)
    elif isinstance(value, list):
        inner = get_args(annotation)[0] if get_origin(annotation) is list else None
        for index, item in enumerate(value):
            yield from markdown_fields(item, (*loc, index), inner)
    elif isinstance(value, str) and MARKDOWN in get_args(annotation):
        yield loc, value


def over_limit(fields: list[tuple[Loc, str]], locator: Locator) -> list[SourceError]:
    """Errors at each text that pandoc cannot convert within its limits on its own.

    Only reached when a whole briefing went over, so the cost of one run per text is paid
    only by a source that is already in error.
    """

    def problem(text: str) -> str:
        try:
            pandoc.convert(json.dumps([{"key": key_for(text), "markdown": text}]), seconds=2)
        except pandoc.PandocLimit as exc:
            return exc.what
        return ""

    texts = list(dict.fromkeys(text for _, text in fields))
    with ThreadPoolExecutor(2) as pool:
        problems = dict(zip(texts, pool.map(problem, texts), strict=True))
    hint = "look for deeply nested or unclosed brackets [ ], or split the text"
    errors = [
        locator.error(loc, f"this Markdown is too complex to convert: it {problems[text]}", hint)
        for loc, text in fields
        if problems[text]
    ]
    return errors or [
        locator.error((), "the briefing's Markdown is too complex to convert in one go", hint)
    ]


def key_for(text: str) -> str:
    return "m" + hashlib.sha1(text.encode()).hexdigest()[:10]


def as_list(value: Any) -> list[Any]:
    # pandoc's JSON encoder writes an empty Lua table as {}.
    return value if isinstance(value, list) else []


def check_target(kind: str, target: str, images: Path) -> tuple[str, str]:
    """('', '') for a safe target, else a problem and a hint."""
    scheme = urlsplit(target).scheme.lower()
    if kind == "link":
        if target.startswith("#") or scheme in LINK_SCHEMES:
            return "", ""
        return (
            f"link to '{target}' is not allowed",
            "links must start with https://, http://, mailto: or #",
        )
    path = PurePosixPath(target)
    if scheme or target.startswith("//") or path.is_absolute() or ".." in path.parts:
        return (
            f"image '{target}' is outside the briefings' image folder",
            "put the image in briefings/images/ and write images/<file name>",
        )
    file = images.joinpath(*path.parts[1:]).resolve() if path.parts[:1] == ("images",) else None
    if file is None or not file.is_relative_to(images.resolve()) or not file.is_file():
        return (
            f"image '{target}' not found",
            "put the image in briefings/images/ and write images/<file name>",
        )
    return "", ""
