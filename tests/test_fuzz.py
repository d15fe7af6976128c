"""Seeded mutations of the real sources, through the real pipeline (load, validate, pandoc):
whatever a pull request does to a briefing, the answer is success with the values as typed,
or errors on one line each, inside the file, at a line and column that exist. Nothing else.

The run is fixed: `SEED` and `CASES` decide every mutation, so a failure names a case that
`mutate(text, Random(f"{SEED}:{case}"))` rebuilds exactly.
"""

from __future__ import annotations

import re
import shutil
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from insight.catalogue import Catalogue, load_catalogue
from insight.errors import SourceError, SourceErrors

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "briefings").glob("*.yaml"))
IMAGES = ROOT / "briefings" / "images"
SEED = 20160823
CASES = 1200  # about 45 s on a 2-core machine
SECONDS_PER_CASE = 10.0

# Errors another source may rightly get when a mutation changes what this one defines.
CROSS_REFERENCES = ("no briefing has the id", "no principle has the id", "is used twice")

HOSTILE_TOKENS = [
    "&a ",
    "*a",
    "&a [*a]",
    "!!int ",
    "!!binary ",
    "!!python/object/apply:os.system ",
    "! ",
    "<<: ",
    "<<: *a",
    "? ",
    "- ",
    ": ",
    "#",
    "'",
    '"',
    "{",
    "}",
    "[",
    "]",
    ",",
    "|",
    ">-",
    "%YAML 1.1",
    "---",
    "...",
    "\\",
    "[[[]]]",
    "[x]{onclick=y}",
    "\x00",
    "\x01",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u202e",
    "\t",
    "\r",
    "\r\n",
]
ODD_SCALARS = [
    "0150",
    "1:30",
    "0x10",
    "0o17",
    "0b11",
    "1e2",
    "1_000",
    ".inf",
    "-.nan",
    "-5",
    "00",
    "195.505",
    "195.",
    ".5",
    "'£1,95'",
    "'£1,195.00'",
    "£195",
    "'1,000'",
    "1,000",
    "195",
    "195.50",
    "0",
    "0.5",
    "12345678901234567.89",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "~",
    "null",
    "''",
    "true",
    "False",
    "2016",
    "2016-02-30",
    "2016-13",
    "2016-8-3",
    "2016-08-23 10:30:00",
    "2016-08-23T10:30:00Z",
    "'2016-08'",
    "1990",
    "2101",
    "x" * 3000,
]
PRICE_FIELDS = ("price_non_members", "price_members")


# The mutations: each takes the text and a seeded `Random`, and says what it did.


def delete_line(lines: list[str], rng: Random) -> str:
    index = rng.randrange(len(lines))
    del lines[index]
    return f"delete line {index + 1}"


def duplicate_line(lines: list[str], rng: Random) -> str:
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return f"duplicate line {index + 1}"


def swap_lines(lines: list[str], rng: Random) -> str:
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return f"swap lines {a + 1} and {b + 1}"


def reindent_line(lines: list[str], rng: Random) -> str:
    index = rng.randrange(len(lines))
    stripped = lines[index].lstrip(" ")
    indent = rng.choice(["", " ", "   ", "    ", "        ", "\t", " \t"])
    lines[index] = indent + stripped
    return f"indent line {index + 1} with {indent!r}"


def insert_token(lines: list[str], rng: Random) -> str:
    index = rng.randrange(len(lines))
    line = lines[index]
    column = rng.randrange(len(line) + 1)
    token = rng.choice(HOSTILE_TOKENS)
    lines[index] = line[:column] + token + line[column:]
    return f"insert {token!r} at {index + 1}:{column + 1}"


def replace_value(lines: list[str], rng: Random) -> str:
    """Put an odd scalar where a `key: value` line has its value."""
    candidates = [i for i, line in enumerate(lines) if re.match(r"\s*(- )?[a-z_]+: \S", line)]
    if not candidates:
        return "no value to replace"
    index = rng.choice(candidates)
    key = lines[index].split(": ", 1)[0]
    value = rng.choice(ODD_SCALARS)
    lines[index] = f"{key}: {value}"
    return f"set line {index + 1} to {key.strip()}: {value[:20]!r}"


def set_price(lines: list[str], rng: Random) -> str:
    """Give the briefing a price, odd or plain, in its availability."""
    starts = [i for i, line in enumerate(lines) if line.startswith("availability:")]
    if not starts:
        return "no availability"
    name, value = rng.choice(PRICE_FIELDS), rng.choice(ODD_SCALARS)
    kept = [i for i in range(starts[0] + 1, len(lines)) if lines[i].startswith(f"  {name}:")]
    for i in reversed(kept):
        del lines[i]
    lines.insert(starts[0] + 1, f"  {name}: {value}")
    return f"price {name}: {value[:20]!r}"


def deep_brackets(lines: list[str], rng: Random) -> str:
    """Nest a value past the depth bound. Only as a YAML value: as Markdown, brackets this
    deep keep pandoc busy until its time bound, and one such case costs seconds."""
    candidates = [i for i, line in enumerate(lines) if re.match(r"[a-z_]+: \S", line)]
    index = rng.choice(candidates)
    depth = rng.choice([10, 63, 64, 65, 500])
    key = lines[index].split(": ", 1)[0]
    lines[index] = f"{key}: " + "[" * depth + "]" * depth
    return f"nest line {index + 1} {depth} deep"


def long_word(lines: list[str], rng: Random) -> str:
    index = rng.randrange(len(lines))
    word = rng.choice("xé—") * rng.choice([200, 5000, 50_000])
    lines[index] += word
    return f"append a {len(word)}-character word to line {index + 1}"


LINE_MUTATIONS = [
    delete_line,
    duplicate_line,
    swap_lines,
    reindent_line,
    insert_token,
    insert_token,
    replace_value,
    replace_value,
    set_price,
    set_price,
    long_word,
]


def mutate(text: str, rng: Random) -> tuple[bytes, list[str]]:
    """One to three mutations of `text`, then maybe a byte-level one: the bytes and what was done."""
    lines = text.split("\n")
    done = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutation = deep_brackets if rng.random() < 0.03 else rng.choice(LINE_MUTATIONS)
        done.append(mutation(lines, rng))
    raw = "\n".join(lines).encode("utf-8")
    roll = rng.random()
    if roll < 0.05:
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at]
        done.append(f"truncate at byte {at}")
    elif roll < 0.10:
        at = rng.randrange(len(raw))
        byte = rng.choice([0x00, 0x80, 0xC3, 0xE2, 0xFF, 0x0A, 0x22, 0x5B])
        raw = raw[:at] + bytes([byte]) + raw[at + 1 :]
        done.append(f"byte {at} set to 0x{byte:02x}")
    return raw, done


# What must hold of every outcome.


@dataclass
class Findings:
    outcomes: Counter[str] = field(default_factory=Counter)
    checked_values: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    slowest: float = 0.0


def editor_lines(raw: bytes) -> list[str]:
    """The file's lines as an editor shows them: only '\\n' ends a line."""
    return raw.decode("utf-8", errors="replace").removeprefix("\ufeff").split("\n")


def error_problems(error: SourceError, files: dict[str, bytes], mutated: str) -> list[str]:
    problems = []
    if error.path not in files:
        return [f"error names an unknown file: {error}"]
    if error.path != mutated and not any(ref in error.message for ref in CROSS_REFERENCES):
        problems.append(f"error in a file the mutation did not touch: {error}")
    lines = editor_lines(files[error.path])
    if not 1 <= error.line <= len(lines):
        problems.append(f"line outside the file ({len(lines)} lines): {error}")
    elif not 1 <= error.column <= len(lines[error.line - 1]) + 1:
        problems.append(f"column outside line {error.line}: {error}")
    for printed in (str(error), error.github()):
        if not printed.isprintable():
            problems.append(f"message not on one printable line: {printed!r}")
    return problems


def scalar_text(lines: list[str], line: int, column: int) -> str | None:
    """The text of a one-line plain or single-quoted scalar at `line`:`column`, as typed;
    None when it is anything an independent reading could get wrong (alias, anchor, tag,
    escapes, a block, or a plain scalar that goes on to the next line)."""
    if not 1 <= line <= len(lines):
        return None
    here = lines[line - 1]
    before, rest = here[: column - 1], here[column - 1 :]
    if rest[:1] in {"*", "&", "!", "|", ">", '"', "[", "{", "-", "?"} or "\t" in here:
        return None
    in_flow = before.count("[") + before.count("{") > before.count("]") + before.count("}")
    if rest.startswith("'"):
        match = re.match(r"'((?:[^']|'')*)'\s*(?:[,\]}]|#|$)", rest)
        return match[1].replace("''", "'") if match else None
    # A plain scalar ends at ' #', and inside brackets at ', ', ']' or '}'.
    ends = r"\s#|,\s|,$|[\]}]" if in_flow else r"\s#"
    text = re.split(ends, rest, maxsplit=1)[0].strip()
    return None if not text or goes_on(lines, line) else text


def goes_on(lines: list[str], line: int) -> bool:
    """Whether the next line that holds anything continues the scalar on `line`."""
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip(" "))
    for following in lines[line:]:
        if not following.strip():
            continue
        deeper = len(following) - len(following.lstrip(" ")) > indent
        starts_anew = re.match(r"- |#|\.\.\.|---|[^:#]+:(\s|$)", following.strip())
        return deeper and not starts_anew
    return False


MONEY_AS_TYPED = re.compile(r"£?((?:[1-9][0-9]{0,2}(?:,[0-9]{3})+)|[1-9][0-9]*|0)(\.[0-9]{1,2})?")
DATE_AS_TYPED = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
BOOL_AS_TYPED = {"true": True, "True": True, "TRUE": True, "false": False, "False": False}
BOOL_AS_TYPED |= {"FALSE": False}


def value_at(model: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc:
        model = model[part] if isinstance(part, int) else getattr(model, part)
    return model


def value_problems(catalogue: Catalogue, name: str, raw: bytes, findings: Findings) -> list[str]:
    """Every price, date and true/false, and every one-line plain text, is what was typed."""
    (source,) = [s for s in catalogue.sources if s.path.name == name]
    lines = editor_lines(raw)
    problems = []
    for loc, (line, column) in source.locator.values.items():
        if not loc or not isinstance(loc[-1], str):
            continue
        text = scalar_text(lines, line, column)
        if text is None:
            continue
        try:
            value = value_at(source.briefing, loc)
        except (AttributeError, IndexError):
            continue
        name = loc[-1]
        expected: Any
        if text in {"~", "null", "Null", "NULL"}:
            expected, same, kind = None, value is None, "empty"
        elif name in PRICE_FIELDS:
            match = MONEY_AS_TYPED.fullmatch(text)
            expected = Decimal(match[1].replace(",", "") + (match[2] or "")) if match else None
            same = isinstance(value, Decimal) and value == expected and str(value) == str(expected)
            kind = "price"
        elif name == "date" and len(loc) == 1:
            expected = text if DATE_AS_TYPED.fullmatch(text) else None
            same = value.iso == expected
            kind = "date"
        elif isinstance(value, bool):
            expected = BOOL_AS_TYPED.get(text)
            same = value is expected
            kind = "true/false"
        elif isinstance(value, str):
            expected, same, kind = text, value == text, "text"
        else:
            continue
        findings.checked_values[kind] += 1
        if not same:
            problems.append(f"{kind} {loc} typed {text[:40]!r} but loaded as {value!r}")
    return problems


def run_case(case: int, folder: Path, findings: Findings) -> None:
    rng = Random(f"{SEED}:{case}")
    original = rng.choice(SOURCES)
    raw, done = mutate(original.read_text(encoding="utf-8"), rng)
    target = folder / original.name
    target.write_bytes(raw)
    files = {path.name: path.read_bytes() for path in folder.glob("*.yaml")}
    started = time.monotonic()
    problems: list[str] = []
    try:
        catalogue = load_catalogue(
            sorted(folder.glob("*.yaml")), IMAGES, base=folder, cache=folder / "cache"
        )
    except SourceErrors as exc:
        findings.outcomes["located errors"] += 1
        for error in exc.errors:
            problems += error_problems(error, files, original.name)
    except Exception:
        findings.outcomes["anything else"] += 1
        problems.append(traceback.format_exc(limit=-3))
    else:
        findings.outcomes["valid"] += 1
        problems += value_problems(catalogue, original.name, raw, findings)
    finally:
        shutil.copy(original, target)
    took = time.monotonic() - started
    findings.slowest = max(findings.slowest, took)
    if took > SECONDS_PER_CASE:
        problems.append(f"took {took:.1f} s")
    findings.problems += [
        f"case {case} ({original.name}: {'; '.join(done)}): {p}" for p in problems
    ]


def test_mutated_sources_give_success_as_typed_or_located_one_line_errors(tmp_path: Path) -> None:
    folder = tmp_path / "briefings"
    folder.mkdir()
    for source in SOURCES:
        shutil.copy(source, folder)
    findings = Findings()
    started = time.monotonic()
    for case in range(CASES):
        run_case(case, folder, findings)
    took = time.monotonic() - started
    summary = (
        f"fuzz: seed {SEED}, {CASES} cases in {took:.0f} s (slowest {findings.slowest:.1f} s): "
        + ", ".join(f"{what} {n}" for what, n in sorted(findings.outcomes.items()))
        + "; values compared with their text: "
        + ", ".join(f"{what} {n}" for what, n in sorted(findings.checked_values.items()))
    )
    print(summary)
    assert not findings.problems, summary + "\n" + "\n".join(findings.problems[:20])
    assert findings.outcomes["anything else"] == 0
    assert sum(findings.outcomes.values()) == CASES
