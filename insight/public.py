"""The public edition, which reads an abstract of what subscribers read.

The public edition is a projection of the model, not a switch in the templates:
`public_catalogue` keeps the fields listed in PUBLIC and empties every other one,
and carries the HTML of the texts that remain and of no other. A renderer given
the public catalogue cannot leak what it was never given. A field added to the
model is subscriber-only until it is listed here.

The projection yields valid objects. A withheld list becomes [] and a withheld
optional value its default; a withheld required text becomes None, in a public
type of its own (`public_type`) that declares it so, since no valid CaseStudy
has an empty summary. Templates test a text before showing it, to offer the full
version to subscribers instead.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, create_model

from insight.catalogue import Catalogue, Source
from insight.citation import Cited
from insight.edition import Edition
from insight.markdown import markdown_fields
from insight.model import Briefing, CaseStudy, Delusion, Principle

# Model -> the fields the public edition shows; the fields of Briefing's other models
# (availability, date, contacts, public quotes) are kept whole.
PUBLIC: dict[type[BaseModel], frozenset[str]] = {
    Briefing: frozenset(
        {
            # The title block and the catalogue.
            *("id", "title", "subtitle", "short_title", "kind", "series", "date", "date_note"),
            *("publishers", "partners", "extent", "keywords"),
            # What makes a reader want the rest, and how to get it.
            *("summary", "key_messages", "availability", "contacts", "related"),
            # Where the entry's text comes from: it applies to the summary as much as to the
            # rest, and says nothing the summary does not (see its description in the model).
            "provenance",
            # When it went out and what has been put right since: readers of both editions rely
            # on the same text (the release time itself is never shown; see insight.release).
            *("release", "revisions"),
            # Reduced below to what a list of contents would show.
            *("case_studies", "delusions", "principles", "invokes_principles", "quotes"),
        }
    ),
    # What the explorer and the organisation pages list: who did what, not how.
    CaseStudy: frozenset({"id", "organisation", "organisation_kind", "region", "title"}),
    Delusion: frozenset({"id", "title"}),
    Principle: frozenset({"id", "title"}),
}

Model = TypeVar("Model", bound=BaseModel)


def edition_catalogue(catalogue: Catalogue, edition: Edition) -> Catalogue:
    """The catalogue an edition is rendered from."""
    return catalogue if edition is Edition.subscriber else public_catalogue(catalogue)


def public_catalogue(catalogue: Catalogue) -> Catalogue:
    """The catalogue with only its public fields, and the HTML of only the texts left in it."""
    sources = [Source(s.path, public_briefing(s.briefing), s.locator) for s in catalogue.sources]
    html = {
        text: catalogue.markdown(text)
        for source in sources
        for _, text in markdown_fields(source.briefing, ())
        if text
    }
    images = {text: catalogue.images.get(text, ()) for text in html}
    # How to cite a briefing is public; its further reading, formatted, is not.
    references = {i: Cited(c.briefing) for i, c in catalogue.references.items()}
    return Catalogue(sources, html, images, references, catalogue.embargoed)


def public_briefing(briefing: Briefing) -> Briefing:
    return keep_public(
        briefing,
        case_studies=[keep_public(c) for c in briefing.case_studies],
        delusions=[keep_public(d) for d in briefing.delusions],
        principles=[keep_public(p) for p in briefing.principles],
        quotes=[q for q in briefing.quotes if q.public],
    )


def keep_public(model: Model, **public_values: Any) -> Model:
    """`model` as the public edition has it: its public fields, `public_values` in place of
    some of them, every other field withheld; validated, like anything loaded."""
    kind = type(model)
    kept = {name: getattr(model, name) for name in PUBLIC[kind]}
    return public_type(kind).model_validate({**kept, **public_values})


@cache
def public_type(model: type[Model]) -> type[Model]:
    """`model`, with each required field the public edition withholds declared as None.

    A subclass, so that a public CaseStudy is still a CaseStudy wherever one is expected
    (in a Briefing's list, in a template); `model` itself when it withholds nothing required.
    """
    withheld = {
        name: (None, None)
        for name, info in model.model_fields.items()
        if name not in PUBLIC[model] and info.is_required()
    }
    if not withheld:
        return model
    # A field that is required and not a text has nothing to be withheld as: whoever adds
    # one decides whether the public sees it.
    if not_text := [n for n in withheld if model.model_fields[n].annotation is not str]:
        raise TypeError(f"{model.__name__}.{not_text[0]} is required: list it in PUBLIC or not")
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"Public{model.__name__}",
        __base__=model,
        __doc__=f"{model.__name__} in the public edition: {', '.join(withheld)} withheld.",
        **withheld,
    )
