"""Spelling in British English: each word of a source's text checked against Debian's
en_GB hunspell dictionary (package hunspell-en-gb, read by spylls) and the project's
word list, briefings/words.txt, of the names and terms the briefings use.

A word the two do not know is a warning, never an error: names are many and new, and
a warning that blocked a build would be silenced rather than read. Each warning stands
at the word itself (line and column in the YAML, inside a block of Markdown too),
because the text is checked where it is written in the file, not as it was parsed.
Words in capitals (acronyms), words with digits, link targets, addresses, code and the
values that are not prose (ids, e-mail addresses, phone numbers, kinds) are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from insight.catalogue import display_path
from insight.errors import SourceError, SourceErrors, echo
from insight.load import Loc, Locator, Positions, load_file

WORDS_FILE = "words.txt"
"""The project word list, beside the sources in briefings/: one word or name a line."""
DICTIONARY = "en_GB"
DICTIONARY_FOLDERS = ("/usr/share/hunspell", "/usr/share/myspell/dicts")
# Fields that hold no prose: ids, references, addresses, numbers and fixed choices.
NOT_PROSE = {"id", "related", "invokes_principles", "email", "phone", "kind", "organisation_kind"}
SUGGESTIONS = 10
"""At most this many unknown words get suggestions: hunspell takes a while over each."""

# Stretches of Markdown and text that are not words to check, blanked out in place so
# that every word keeps its offset: link and image targets, web and mail addresses,
# inline code, footnote marks, HTML tags and entities.
NOT_WORDS = re.compile(
    r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"
    r"|<[^>\n]*>"
    r"|`[^`\n]*`"
    r"|\[\^[^\]\s]*\]"
    r"|\b(?:https?://|www\.|mailto:)\S+"
    r"|\S+@\S+\.\S+"
    r"|&#?\w+;"
    r"|\\[nt\"\\]"  # escapes inside double quotes
)
# A word: letters, with apostrophes and hyphens inside it ("council's", "co-design").
WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
POSSESSIVE = re.compile(r"['\u2019]s?$")
SUGGESTED_LENGTH = 30


@dataclass(frozen=True, order=True)
class SourceWarning(SourceError):
    """A problem worth a look that does not stop the build, shown like an error."""

    def __str__(self) -> str:
        return super().__str__().replace(": error: ", ": warning: ", 1)

    def github(self) -> str:
        return "::warning" + super().github().removeprefix("::error")


def spelling_warnings(files: Iterable[Path], words_file: Path, base: Path) -> list[SourceWarning]:
    """A warning at each word of `files` that neither the dictionary nor `words_file` knows.

    A source that cannot be read is left to `check`'s errors; without the dictionary
    there is one warning saying so.
    """
    if dictionary() is None:
        return [
            SourceWarning(
                display_path(words_file, base),
                1,
                1,
                f"spelling not checked: the {DICTIONARY} hunspell dictionary is not installed",
                "run 'python3 tasks.py setup', which installs hunspell-en-gb",
            )
        ]
    speller = Speller(frozenset(read_words(words_file)))
    unknown: list[Unknown] = []
    for path in files:
        try:
            data, locator = load_file(path, display_path(path, base))
        except (SourceErrors, OSError):
            continue
        unknown.extend(speller.check(data, locator))
    return warnings_for(unknown)


@dataclass(frozen=True)
class Unknown:
    word: str
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class Speller:
    words: frozenset[str]
    """The word list as written: a word in lower case stands for any capitalisation."""

    def check(self, data: Any, locator: Locator) -> Iterator[Unknown]:
        positions = Positions(locator.text)
        for loc in prose(data, ()):
            start, end = locator.spans.get(loc, (0, 0))
            for at, word in words_in(locator.text, start, end):
                if self.knows(word):
                    continue
                # Of a hyphenated word, the parts the dictionary does not know, each where it is.
                parts = [(at, word)] if "-" not in word else list(hyphenated(at, word))
                for where, part in parts:
                    if "-" in word and self.knows(part):
                        continue
                    yield Unknown(part, locator.path, *positions.at(where))

    def knows(self, word: str) -> bool:
        bare = POSSESSIVE.sub("", word)
        if len(bare) < 2 or bare.isupper() or bare in self.words or bare.lower() in self.words:
            return True
        parts = bare.split("-")
        if len(parts) > 2:
            # The dictionary's look-up of a hyphenated whole tries every way of splitting it,
            # which doubles with each hyphen: 'anti-' twenty times over takes it a minute.
            return all(self.knows(part) for part in parts)
        if known(word) or known(bare):
            return True
        return len(parts) == 2 and all(self.knows(part) for part in parts)


def hyphenated(at: int, word: str) -> Iterator[tuple[int, str]]:
    """The parts of a hyphenated word with where each starts."""
    for part in word.split("-"):
        yield at, part
        at += len(part) + 1


def warnings_for(unknown: list[Unknown]) -> list[SourceWarning]:
    """A warning for each unknown word; the first few words in lower case (a name is more
    likely missing from the word list than misspelt) with the dictionary's suggestions."""
    first = list(dict.fromkeys(u.word for u in unknown if u.word.islower()))[:SUGGESTIONS]
    hints = {word: suggestion(word) for word in first}
    add = f"if it is a name or a term, add it to briefings/{WORDS_FILE}"
    return [
        SourceWarning(
            u.path,
            u.line,
            u.column,
            f"{echo(u.word)} is not in the British English dictionary",
            f"{hints[u.word]} {add[0].upper()}{add[1:]}" if hints.get(u.word) else add,
        )
        for u in unknown
    ]


def prose(data: Any, loc: Loc) -> Iterator[Loc]:
    """The location of every text value that is prose."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in NOT_PROSE:
                yield from prose(value, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from prose(value, (*loc, index))
    elif isinstance(data, str):
        yield loc


def words_in(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(offset in `text`, word) for each word written between `start` and `end`."""
    written = NOT_WORDS.sub(lambda m: " " * len(m.group()), text[start:end])
    for match in WORD.finditer(written):
        yield start + match.start(), match.group().strip("-'\u2019")


def read_words(path: Path) -> list[str]:
    """The word list: one entry a line; '#' starts a comment."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w for line in lines if (w := line.split("#", 1)[0].strip())]


@cache
def dictionary() -> Any:
    """Debian's en_GB dictionary, read once; None when it is not installed."""
    from spylls.hunspell import Dictionary  # a second to load: only when spelling is checked

    folders = [*os.environ.get("DICPATH", "").split(":"), *DICTIONARY_FOLDERS]
    for folder in filter(None, folders):
        base = Path(folder) / DICTIONARY
        if base.with_suffix(".dic").is_file() and base.with_suffix(".aff").is_file():
            return Dictionary.from_files(str(base))
    return None


@cache
def known(word: str) -> bool:
    return bool(dictionary().lookup(word))


@cache
def suggestion(word: str) -> str:
    # The dictionary's suggestions cost more than linear time in the word's length.
    if len(word) > SUGGESTED_LENGTH:
        return ""
    close = list(islice((s for s in dictionary().suggest(word) if " " not in s), 3))
    if not close:
        return ""
    shown = [f"'{s}'" for s in close]
    return f"did you mean {' or '.join([', '.join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)}?"
