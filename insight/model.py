"""The typed model of a briefing: the single source of truth for every output.

Field descriptions are written for editors: they feed the JSON Schema (inline
help in their editor) and the field reference in the editors' guide.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from insight.errors import echo

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN, max_length=80),
    Field(
        description="A stable id: lower-case words joined by hyphens, e.g. 'living-with-austerity'."
    ),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def line(most: int) -> Any:
    """Text that is printed on one line or a few, where the cover and running heads have room
    for at most `most` characters."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=most)]


MARKDOWN = "insight:markdown"
"""Marks the text fields that hold Markdown, so the renderer can find every one of them."""

Markdown = Annotated[
    str,
    StringConstraints(min_length=1),
    Field(json_schema_extra={"contentMediaType": "text/markdown"}),
    MARKDOWN,
]


# What an editor may type as an amount: whole pounds with thousands commas in groups of
# three or none, and pence to two places. A leading zero is refused: YAML 1.1 read 0150
# as octal (104), so guessing either way would print a price nobody wrote.
MONEY_TEXT = re.compile(r"£?(0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]*)(\.[0-9]{1,2})?")
MONEY_EXAMPLE = "write it as 195, 195.50 or '£1,195.00'"


def parse_money(value: Any) -> Any:
    """An amount in pounds as a `Decimal` made from the text typed, e.g. 195, 195.50, '£1,195.00'.

    The loader reads a plain 195.50 as a `Decimal` of its own text; any other form is refused
    with a hint, never rounded or guessed. Values of other types are left for pydantic to reject.
    """
    if isinstance(value, bool):
        raise PydanticCustomError(
            "money", "true/false is not an amount in pounds", {"hint": MONEY_EXAMPLE}
        )
    if isinstance(value, Decimal):
        text = format(value, "f")  # as typed: never '1E-7' for 0.0000001
    elif isinstance(value, int | float | str):
        text = str(value).strip()
    else:
        return value
    match = MONEY_TEXT.fullmatch(text)
    if not match:
        raise PydanticCustomError(
            "money",
            "{text} is not an amount in pounds",
            {"text": echo(text), "hint": money_hint(text)},
        )
    pounds, pence = match.groups()
    return Decimal(pounds.replace(",", "") + (pence or ""))


def money_hint(text: str) -> str:
    digits = text.removeprefix("£")
    if re.fullmatch(r"0[0-9][0-9,]*(\.[0-9]*)?", digits):
        kept = digits.lstrip("0,")
        return f"remove the leading zero: write {kept if kept[:1].isdigit() else '0' + kept}"
    if re.fullmatch(r"[0-9,]+(\.[0-9]*)?", digits) and "," in digits:
        return "commas only separate thousands, in groups of three; pence follow a point, e.g. 1.95"
    return MONEY_EXAMPLE


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    Field(ge=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": f"^{MONEY_TEXT.pattern}$"},
            ],
            "description": "An amount in pounds sterling, e.g. 195 or '£195.00'.",
        }
    ),
]


FIRST_YEAR, LAST_YEAR = 1990, 2100


def check_date(value: Any, year: int, month: int | None, day: int | None) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{echo(value)} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{echo(value)} has no month {month}; write 2016-08-23, 2016-08 or 2016")
    if day is not None and month is not None:
        try:
            date(year, month, day)
        except ValueError as exc:
            raise ValueError(f"{echo(value)} is not a real date: {exc}") from None


class PublicationDate(BaseModel):
    """A publication date known to the day, the month or only the year."""

    model_config = ConfigDict(frozen=True)

    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, strict=True)
    month: int | None = Field(default=None, ge=1, le=12, strict=True)
    day: int | None = Field(default=None, ge=1, le=31, strict=True)

    @model_validator(mode="before")
    @classmethod
    def from_scalar(cls, value: Any) -> Any:
        """A date as the loader reads it: 2016-08-23 (a date), 2016 (a number), or text."""
        if isinstance(value, date):
            year, month, day = value.year, value.month, value.day
        elif isinstance(value, int) and not isinstance(value, bool):
            year, month, day = value, None, None
        elif isinstance(value, str):
            match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", value.strip())
            if not match:
                raise ValueError(f"{echo(value)} is not a date; write 2016-08-23, 2016-08 or 2016")
            year, month, day = (int(part) if part else None for part in match.groups())
        elif isinstance(value, dict):  # built in code, field by field
            return value
        else:
            raise ValueError("expected a date such as 2016-08-23, 2016-08 or 2016")
        check_date(value, year, month, day)
        return {"year": year, "month": month, "day": day}

    @property
    def first_day(self) -> date:
        """The earliest day the date can mean: for sorting and for PDF metadata."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def __str__(self) -> str:
        if self.month is None:
            return str(self.year)
        month = calendar.month_name[self.month]
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"


PublicationDateField = Annotated[
    PublicationDate,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer"},
            ],
            "description": "Publication date: 2016-08-23, or 2016-08 or 2016 when only that is known.",
        }
    ),
]


UK_TIME = ZoneInfo("Europe/London")
"""Where a release time says no offset, it is the time in the UK, as embargoes are set."""
RELEASE_EXAMPLE = "write 2025-03-01, 2025-03-01T09:30 (UK time) or 2025-03-01T09:30:00+00:00"


def parse_release(value: Any) -> Any:
    """A release time as an editor writes it: a date (midnight, UK time), a date and time
    (UK time), or a date and time with its offset from UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "release",
                "{text} is not a date and time",
                {"text": echo(value), "hint": RELEASE_EXAMPLE},
            ) from None
    else:
        return value  # pydantic says what type was expected
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"{echo(value)} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UK_TIME)


ReleaseTime = Annotated[
    datetime,
    BeforeValidator(parse_release),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
                {
                    "type": "string",
                    "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$",
                },
            ],
            "description": "When the briefing may first be published: "
            + RELEASE_EXAMPLE.removeprefix("write ")
            + ".",
        }
    ),
]


class Kind(StrEnum):
    briefing = "briefing"
    report = "report"
    paper = "paper"


class OrganisationKind(StrEnum):
    unitary = "unitary authority"
    county = "county council"
    district = "district council"
    metropolitan = "metropolitan district council"
    london_borough = "London borough"
    central_government = "central government"
    overseas_government = "overseas government"
    care_provider = "care provider"
    partnership = "partnership"
    other = "other"


class Strict(BaseModel):
    """Every model rejects keys it does not know, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Availability(Strict):
    free_to_subscribers: StrictBool | None = Field(
        default=None,
        description="True when Insight subscribers get it free of charge; leave out when the sources do not say.",
    )
    price_non_members: Money | None = Field(
        default=None, description="Price in pounds for organisations that are not members."
    )
    price_members: Money | None = Field(
        default=None, description="Price in pounds for members who do not subscribe to Insight."
    )
    note: Text | None = Field(
        default=None, description="How to obtain it, where the sources say, e.g. how to order."
    )

    @model_validator(mode="after")
    def members_pay_no_more(self) -> Availability:
        if (
            self.price_members is not None
            and self.price_non_members is not None
            and self.price_members > self.price_non_members
        ):
            raise ValueError("price_members is higher than price_non_members")
        return self


class Section(Strict):
    id: Slug = Field(
        description="Stable anchor for links to this section, e.g. 'digital-opportunity'."
    )
    title: Text = Field(
        description="The section heading, without a number: sections are numbered for you."
    )
    body: Markdown = Field(
        description="The section's text in Markdown (emphasis, links, lists, tables, footnotes)."
    )


class Delusion(Strict):
    id: Slug = Field(
        description="Stable id, unique across all briefings, e.g. 'delusion-cost-cutting'."
    )
    title: Text = Field(description="A short name for the delusion.")
    belief: Markdown = Field(description="What people wrongly believe, in Markdown.")
    reality: Markdown = Field(description="What is actually the case, in Markdown.")


class Principle(Strict):
    id: Slug = Field(
        description="Stable id, unique across all briefings, e.g. 'digital-is-the-means'."
    )
    title: Text = Field(description="The principle as a short imperative or statement.")
    body: Markdown = Field(description="What the principle means in practice, in Markdown.")


class CaseStudy(Strict):
    id: Slug = Field(
        description="Stable id, unique across all briefings, e.g. 'tandridge-agile-cloud'."
    )
    organisation: Text = Field(
        description="The organisation, as it is commonly named, e.g. 'Tandridge DC'."
    )
    organisation_kind: OrganisationKind = Field(
        description="The kind of organisation, for the explorer's facets."
    )
    region: Text | None = Field(default=None, description="Region or country, where known.")
    title: Text = Field(description="One line on what the organisation did.")
    summary: Markdown = Field(description="The case study in Markdown.")
    services: list[Text] = Field(default_factory=list, description="Services affected.")
    technologies: list[Text] = Field(default_factory=list, description="Technologies used.")
    customer_groups: list[Text] = Field(
        default_factory=list, description="Customer groups affected."
    )
    drivers: list[Text] = Field(default_factory=list, description="Drivers for the change.")
    toolkit_components: list[Text] = Field(
        default_factory=list,
        description="Components of a toolkit the briefing describes that it used.",
    )


class Quote(Strict):
    text: Text = Field(
        description="The words quoted, exactly as published, without quotation marks."
    )
    speaker: Text = Field(description="Who said it (or 'the authors' for a paper).")
    role: Text | None = Field(
        default=None, description="The speaker's role, e.g. 'head of policy'."
    )
    organisation: Text | None = Field(default=None, description="The speaker's organisation.")
    public: StrictBool = Field(
        default=False, description="True if the quote may appear in the public edition too."
    )


class Contact(Strict):
    name: Text = Field(description="The contact's name.")
    role: Text | None = Field(default=None, description="Role or team, e.g. 'Press Office'.")
    organisation: Text | None = Field(default=None, description="Organisation, e.g. 'Socitm'.")
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")] | None = Field(
        default=None, description="Telephone number."
    )
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")] | None = (
        Field(default=None, description="E-mail address.")
    )


class Reading(Strict):
    title: Text = Field(description="Title of the work, as published.")
    publisher: Text | None = Field(default=None, description="Who published it.")
    date: Text | None = Field(
        default=None, description="When, as precisely as known, e.g. 'February 2015'."
    )
    note: Text | None = Field(default=None, description="Why it is relevant, in one line.")


Day = date  # a field named `date` cannot also be annotated `date`


class RevisionKind(StrEnum):
    corrected = "corrected"
    updated = "updated"
    withdrawn = "withdrawn"


class Revision(Strict):
    date: Day = Field(description="The day the revision was made, e.g. 2024-05-02.")
    kind: RevisionKind = Field(
        description="'corrected' (an error put right), 'updated' (new information added) or "
        "'withdrawn' (no longer stands: the page stays, with a notice, but leaves the catalogue)."
    )
    note: Markdown = Field(
        description="What changed and why, in Markdown, for readers; shown on the page, in the PDF and in the feed."
    )

    @model_validator(mode="after")
    def within_years(self) -> Revision:
        check_date(self.date.isoformat(), self.date.year, None, None)
        return self


class Briefing(Strict):
    id: Slug = Field(description="Stable id; the file must be named after it: `<id>.yaml`.")
    title: line(160) = Field(description="The publication's title, at most 160 characters.")
    subtitle: line(240) | None = Field(
        default=None, description="Subtitle, printed under the title; at most 240 characters."
    )
    short_title: line(60) | None = Field(
        default=None, description="Short title for running headers; the title when not given."
    )
    kind: Kind = Field(description="briefing, report or paper.")
    series: line(40) | None = Field(
        default=None, description="The series it belongs to, e.g. 'Insight'; leave out if none."
    )
    date: PublicationDateField = Field(description="Publication date, as precisely as known.")
    date_note: Text | None = Field(
        default=None, description="How the date is known, when it is not exact."
    )
    publishers: list[Text] = Field(min_length=1, description="Who published it.")
    partners: list[Text] = Field(
        default_factory=list, description="Organisations it was published in association with."
    )
    extent: Text | None = Field(
        default=None, description="Length of the original, e.g. '68 pages'."
    )
    keywords: list[Text] = Field(
        default_factory=list,
        description="Keywords for search, the Atom feed and PDF metadata; public.",
    )
    provenance: Markdown = Field(
        description="Where this text comes from and what in it is illustrative; shown in the public edition too."
    )
    availability: Availability = Field(description="Who can have it, and at what price.")
    summary: Markdown = Field(
        description="The summary shown first and in the catalogue, in Markdown; public, like the title and key messages."
    )
    key_messages: list[Markdown] = Field(
        default_factory=list,
        description="Key messages, one Markdown paragraph each; shown in the public edition too.",
    )
    sections: list[Section] = Field(
        default_factory=list, description="The body of the briefing, in order."
    )
    delusions: list[Delusion] = Field(
        default_factory=list, description="Delusions the briefing names."
    )
    principles: list[Principle] = Field(
        default_factory=list, description="Design principles the briefing sets out."
    )
    invokes_principles: list[Slug] = Field(
        default_factory=list,
        description="Ids of principles set out in other briefings that this one invokes.",
    )
    case_studies: list[CaseStudy] = Field(
        default_factory=list, description="Case studies, in order."
    )
    quotes: list[Quote] = Field(default_factory=list, description="Quotations, with attribution.")
    contacts: list[Contact] = Field(
        default_factory=list, description="'Further information' contacts."
    )
    related: list[Slug] = Field(
        default_factory=list, description="Ids of related briefings in this collection."
    )
    further_reading: list[Reading] = Field(
        default_factory=list,
        description="Publications outside this collection that the briefing discusses.",
    )

    release: ReleaseTime | None = Field(
        default=None,
        description="Leave out to publish at once. Otherwise the date and time before which the "
        "briefing appears nowhere, in either edition: e.g. 2025-03-01T09:30 (UK time).",
    )
    revisions: list[Revision] = Field(
        default_factory=list,
        description="Corrections, updates and a withdrawal after publication, oldest first; public.",
    )

    @field_validator("revisions")
    @classmethod
    def revisions_in_order(cls, revisions: list[Revision], info: ValidationInfo) -> list[Revision]:
        days = [r.date for r in revisions]
        if days != sorted(days):
            raise ValueError(
                "revisions are not oldest first: list them in the order they were made"
            )
        if any(r.kind is RevisionKind.withdrawn for r in revisions[:-1]):
            raise ValueError("a withdrawal must be the last revision")
        published = info.data.get("date")
        if revisions and published and revisions[0].date < published.first_day:
            raise ValueError(f"a revision is dated before the publication date, {published}")
        return revisions

    @property
    def running_title(self) -> str:
        return self.short_title or self.title

    @property
    def withdrawn(self) -> Revision | None:
        """The withdrawal, when the briefing no longer stands."""
        last = self.revisions[-1] if self.revisions else None
        return last if last and last.kind is RevisionKind.withdrawn else None

    @property
    def last_changed(self) -> date:
        """The day of the latest revision, or of publication: what a feed calls 'updated'."""
        return self.revisions[-1].date if self.revisions else self.date.first_day


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field's type holds: `CaseStudy` for `list[CaseStudy]`, and so on."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in models_in(arg)]
