"""Turn plain data from a source into a `Briefing`, or into errors an editor can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from insight.errors import SourceError, SourceErrors, echo
from insight.load import Loc, Locator
from insight.model import Briefing, models_in

PLACEHOLDER = "FILL IN"

TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true/false",
    date: "a date",
    int: "a number",
    float: "a number",
    Decimal: "a number",
    type(None): "empty",
}


def validate_briefing(data: Any, locator: Locator) -> Briefing:
    """Validate one loaded source; raise `SourceErrors` with every problem found."""
    if not isinstance(data, dict):
        raise SourceErrors(
            [
                locator.error(
                    (),
                    f"a briefing must be a mapping of fields (id:, title:, ...), not {describe(data)}",
                )
            ]
        )
    unfilled = dict(placeholders(data, ()))
    errors = [
        locator.error(
            loc, f"{field_label(loc)} still holds its placeholder", " ".join(text.split())
        )
        for loc, text in unfilled.items()
    ]
    try:
        briefing = Briefing.model_validate(data)
    except ValidationError as exc:
        # A placeholder's own type error would only repeat "fill this in".
        errors += [
            translate(err, data, locator)
            for err in exc.errors()
            if data_loc(err["loc"], data) not in unfilled
        ]
    if errors:
        raise SourceErrors(without_echoes(errors))
    return briefing


def placeholders(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Text a scaffold left for the editor to replace (see `insight.scaffold`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from placeholders(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from placeholders(item, (*loc, index))
    elif isinstance(value, str) and value.startswith(PLACEHOLDER):
        yield loc, value


def without_echoes(errors: list[SourceError]) -> list[SourceError]:
    """Drop "missing 'summary'" when "unknown 'sumary', did you mean 'summary'?" already says it."""
    suggested = {e.hint.split("'")[1] for e in errors if e.hint.startswith("did you mean")}
    return [
        e
        for e in errors
        if not (
            e.message.startswith("missing required field") and e.message.split("'")[1] in suggested
        )
    ]


def translate(err: dict[str, Any], data: Any, locator: Locator) -> SourceError:
    loc = data_loc(err["loc"], data)
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), "briefing")
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        known = field_names(Briefing, loc[:-1])
        close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(known)}"
        return locator.error(loc, f"unknown field {echo(field)}", hint, at_key=True)
    if kind == "missing":
        return locator.error(loc[:-1], f"missing required field {echo(field)}")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return locator.error(
            loc, f"{echo(field)} must be a mapping of fields, not {describe(value)}"
        )
    if kind == "list_type":
        return locator.error(
            loc, f"{echo(field)} must be a list (lines starting '- '), not {describe(value)}"
        )
    if kind == "string_type":
        return locator.error(loc, f"{echo(field)} must be text, not {describe(value)}")
    if kind in {"bool_type", "bool_parsing"}:
        return locator.error(loc, f"{echo(field)} must be true or false, not {describe(value)}")
    if kind == "enum":
        return locator.error(
            loc, f"{echo(value)} is not a valid {field}", f"expected {err['ctx']['expected']}"
        )
    if (kind == "string_pattern_mismatch" and field in {"id", "related", "invokes_principles"}) or (
        kind == "string_pattern_mismatch" and loc and isinstance(loc[-1], int)
    ):
        return locator.error(
            loc,
            f"{echo(value)} is not a valid id",
            "use lower-case words joined by hyphens, e.g. 'living-with-austerity'",
        )
    if kind == "string_pattern_mismatch":
        return locator.error(loc, f"{echo(value)} is not a valid {field}")
    if kind == "string_too_short":
        return locator.error(loc, f"{echo(field)} is empty")
    if kind == "string_too_long":
        most = err["ctx"]["max_length"]
        return locator.error(
            loc,
            f"{echo(field)} is {len(value)} characters long; it may be at most {most}",
            "shorten it: it is printed on the cover and in running heads",
        )
    if kind == "too_short":
        return locator.error(loc, f"{echo(field)} needs at least one entry")
    if kind in ("money", "release"):  # errors of ours that carry a hint
        return locator.error(loc, f"{echo(field)}: {err['msg']}", err["ctx"]["hint"])
    message = err["msg"].removeprefix("Value error, ")
    return locator.error(loc, f"{echo(field)}: {message}")


def field_label(loc: Loc) -> str:
    """'title', or 'key_messages' item 2 for the second entry of a list."""
    if loc and isinstance(loc[-1], int) and len(loc) > 1:
        return f"{echo(loc[-2])} item {loc[-1] + 1}"
    return echo(loc[-1]) if loc else "the briefing"


def data_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """Drop the parts of a pydantic error location that name validators, not data."""
    kept: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and isinstance(part, str):
            kept.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int):
            kept.append(part)
            current = current[part] if part < len(current) else None
    return tuple(kept)


def field_names(model: type[BaseModel], loc: Loc) -> list[str]:
    """The fields allowed at `loc` inside `model` (the model of the mapping that holds the key)."""
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = models_in(annotation)[0]
    return list(model.model_fields)


def describe(value: Any) -> str:
    """A value as an editor wrote it: the text quoted, or the kind of value it is."""
    if isinstance(value, Decimal):
        return echo(format(value, "f"))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return echo(value)
    return TYPE_NAMES.get(type(value), type(value).__name__)
