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
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, get_args, get_origin
from urllib.parse import urlsplit

import pypandoc
from pydantic import BaseModel

from insight.errors import SourceError
from insight.incremental import cached_json, digest
from insight.load import Loc, Locator
from insight.model import MARKDOWN

HERE = Path(__file__).parent
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
    if cache_file is None:
        results = run_pandoc(request)
    else:
        key = digest([request, *pandoc_identity()])
        results = cached_json(cache_file, key, lambda: run_pandoc(request))
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


def key_for(text: str) -> str:
    return "m" + hashlib.sha1(text.encode()).hexdigest()[:10]


def run_pandoc(request: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "--sandbox",
            f"--from={HERE / 'reader.lua'}",
            f"--to={HERE / 'writer.lua'}",
        ],
        input=request,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@cache
def pandoc_identity() -> list[str | bytes]:
    """What pandoc's output depends on besides the texts: its version and our Lua reader and writer."""
    return [
        pypandoc.get_pandoc_version(),
        (HERE / "reader.lua").read_bytes(),
        (HERE / "writer.lua").read_bytes(),
    ]


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
