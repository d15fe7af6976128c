"""The look of a project: its brand (names, colours, fonts, wordmark) and where its templates are.

The brand is defined once, in insight/assets/brand.yaml; a project may change any of it
with a brand.yaml of its own beside briefings/, naming only what it changes. Both
stylesheets take their colours and fonts from it: each output gets a `:root` block of
the variables its stylesheet uses (see `stylesheet_variables`), so neither stylesheet
holds a colour of the brand. Templates are looked up in the project's templates/site/
or templates/print/ first, then in ours, so a second publisher overrides a file, not a fork.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from insight.errors import SourceErrors
from insight.load import Locator, load_file

if TYPE_CHECKING:
    from insight.catalogue import Catalogue

PACKAGE = Path(__file__).parent
BRAND = PACKAGE / "assets" / "brand.yaml"
OUR_TEMPLATES = {"site": PACKAGE / "site" / "templates", "print": PACKAGE / "pdf" / "templates"}
Output = Literal["site", "print"]

Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
FontStack = Annotated[str, StringConstraints(min_length=1, pattern=r"^[^;{}<>]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Brand(BaseModel):
    """Names, colours and fonts a reader sees in every output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    """The series as readers know it: 'Free to Insight subscribers'."""
    publisher: Name
    """Who publishes the series: 'Socitm members'."""
    wordmark: Name
    colours: dict[str, Colour]
    fonts: dict[str, FontStack]

    @model_validator(mode="after")
    def every_variable_has_its_value(self) -> Brand:
        for output, variables in VARIABLES.items():
            for variable, (kind, name) in variables.items():
                if name not in getattr(self, kind):
                    raise ValueError(f"the {output} needs the {kind[:-1]} '{name}' (--{variable})")
        return self


# Output -> the stylesheet's variable -> (which part of the brand, its name there).
VARIABLES: dict[str, dict[str, tuple[str, str]]] = {
    "site": {
        "insight-ink": ("colours", "primary"),
        "insight-ink-soft": ("colours", "primary-soft"),
        "insight-accent": ("colours", "accent"),
        "insight-accent-soft": ("colours", "accent-soft"),
        "insight-paper": ("colours", "paper"),
        "insight-white": ("colours", "white"),
        "insight-rule": ("colours", "rule"),
        "insight-tag": ("colours", "tag"),
        "insight-reality": ("colours", "reality"),
        "insight-reality-ink": ("colours", "reality-ink"),
        "md-primary-fg-color": ("colours", "primary"),
        "md-primary-fg-color--light": ("colours", "primary-soft"),
        "md-primary-fg-color--dark": ("colours", "primary-dark"),
        "md-accent-fg-color": ("colours", "accent"),
        "md-typeset-a-color": ("colours", "link"),
        "md-footer-bg-color": ("colours", "primary"),
        "md-footer-bg-color--dark": ("colours", "primary-dark"),
        "insight-serif": ("fonts", "serif"),
        "md-text-font": ("fonts", "sans"),
        "md-code-font": ("fonts", "mono"),
    },
    "print": {
        "brand": ("colours", "primary"),
        "brand-light": ("colours", "primary-tint"),
        "accent": ("colours", "accent"),
        "accent-tint": ("colours", "accent-soft"),
        "ink": ("colours", "ink"),
        "muted": ("colours", "primary-soft"),
        "rule": ("colours", "print-rule"),
        "zebra": ("colours", "zebra"),
        "paper": ("colours", "white"),
        "warning": ("colours", "warning"),
    },
}


@dataclass(frozen=True)
class Look:
    """A project's brand and its template search path."""

    brand: Brand
    root: Path | None = None

    def templates(self, output: Output) -> list[Path]:
        """Where `output`'s templates are looked up, the project's own first."""
        own = [self.root / "templates" / output] if self.root else []
        return [*(folder for folder in own if folder.is_dir()), OUR_TEMPLATES[output]]

    def variables(self, output: Output) -> tuple[tuple[str, str], ...]:
        """The variables `output`'s stylesheet uses (names without their dashes), with
        their values from the brand."""
        return tuple(
            (variable, getattr(self.brand, kind)[name])
            for variable, (kind, name) in VARIABLES[output].items()
        )

    def stylesheet_variables(self, output: Output) -> str:
        """The `:root` block of the variables `output`'s stylesheet uses, from the brand."""
        values = [f"  --{variable}: {value};" for variable, value in self.variables(output)]
        return ":root {\n" + "\n".join(values) + "\n}\n"


def look_of(root: Path | None) -> Look:
    """The look of the project at `root` (ours alone when None or it has no brand.yaml)."""
    root = root.resolve() if root else None
    own = root / "brand.yaml" if root else None
    # Made again when the brand is saved, as while a preview serves it.
    return _look(root, own.read_bytes() if own and own.is_file() else None)


def look_of_catalogue(catalogue: Catalogue) -> Look:
    """The look of the project whose briefings/ holds the catalogue's sources."""
    sources = catalogue.sources
    return look_of(sources[0].path.resolve().parent.parent if sources else None)


@cache
def _look(root: Path | None, saved: bytes | None) -> Look:
    data, locator = brand_data(BRAND, BRAND.parent)
    own = root / "brand.yaml" if root else None
    if root and own and own.is_file():
        theirs, locator = brand_data(own, root)
        data = merged(data, theirs)
    return Look(validated(data, locator), root)


def brand_data(path: Path, base: Path) -> tuple[dict[str, Any], Locator]:
    data, locator = load_file(path, str(path.relative_to(base)))
    if not isinstance(data, dict):
        raise SourceErrors([locator.error((), "a brand must be a mapping (name:, colours:, ...)")])
    return data, locator


def merged(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Ours with the project's values in place: colours and fonts name by name."""
    result = dict(ours)
    for key, value in theirs.items():
        if isinstance(value, dict) and isinstance(ours.get(key), dict):
            result[key] = {**ours[key], **value}
        else:
            result[key] = value
    return result


def validated(data: dict[str, Any], locator: Locator) -> Brand:
    """The brand, or every problem in the project's brand.yaml, each at its line."""
    try:
        return Brand.model_validate(data)
    except ValidationError as exc:
        hint = "colours are written #rrggbb; insight/assets/brand.yaml names every one"
        raise SourceErrors(
            [
                locator.error(tuple(err["loc"]), err["msg"].removeprefix("Value error, "), hint)
                for err in exc.errors()
            ]
        ) from None
