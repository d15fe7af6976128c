"""Hostile YAML at the boundary: whatever a source says, `check` answers with one line per
problem at the offending node and exit 1, and a value is what its own text says or an error."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from insight.cli import main
from insight.errors import SourceError, SourceErrors
from insight.load import load_file
from insight.model import Briefing
from insight.validate import validate_briefing

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path("tests/fixtures/hostile/yaml")
MINIMAL = (ROOT / "tests/fixtures/valid/minimal.yaml").read_text(encoding="utf-8")
TAG_HINT = "(remove it: values are read as text, numbers, true/false or dates as written)"

# fixture -> (line, column, what the message must say)
HOSTILE_FIXTURES = {
    "recursive-alias": (11, 19, "alias '*r' repeats the list or mapping that contains it"),
    "undefined-alias": (11, 16, "alias '*nowhere' has no anchor '&nowhere' before it"),
    "deep-flow": (11, 78, "lists and mappings are nested more than 64 deep"),
    "deep-block": (75, 127, "lists and mappings are nested more than 64 deep"),
    "deep-alias": (12, 45, "alias '*a' nests lists and mappings more than 64 deep"),
    "merge-key": (9, 3, "merge keys ('<<') are not supported (write the fields out in full)"),
    "merge-key-mapping": (9, 3, "merge keys ('<<') are not supported"),
    "tag-bool": (9, 24, f"explicit YAML tag '!!bool' is not allowed {TAG_HINT}"),
    "tag-timestamp": (11, 12, "explicit YAML tag '!!timestamp' is not allowed"),
    "tag-int-empty": (9, 18, "explicit YAML tag '!!int' is not allowed"),
    "tag-float-empty": (9, 18, "explicit YAML tag '!!float' is not allowed"),
    "tag-binary": (11, 11, "explicit YAML tag '!!binary' is not allowed"),
    "tag-str": (11, 11, "explicit YAML tag '!!str' is not allowed"),
    "tag-local": (11, 11, "explicit YAML tag '!shout' is not allowed"),
    "tag-non-specific": (11, 11, "explicit YAML tag '!' is not allowed"),
    "control-character": (11, 16, "control character U+0001 is not allowed in a source"),
    "nul-character": (11, 16, "control character U+0000 is not allowed in a source"),
    "delete-character": (11, 16, "control character U+007F is not allowed in a source"),
    # Written as escapes or raw, these characters are refused in any value, keys included.
    "newline-in-value": (4, 7, "the character U+000D is not allowed in a value"),
    "bidi-override-in-value": (4, 7, "the character U+202E is not allowed in a value"),
    "line-break-in-key": (11, 1, "the character U+2029 is not allowed in a value"),
    "raw-line-separator": (4, 8, "the character U+2028 is not allowed in a value"),
    "long-value": (4, 7, "'" + "x" * 59 + "…' is not a valid kind"),
    "price-leading-zero": (
        10,
        18,
        "'0150' is not an amount in pounds (remove the leading zero: write 150)",
    ),
    "price-sexagesimal": (10, 18, "'1:30' is not an amount in pounds"),
    "price-hex": (10, 18, "'0x10' is not an amount in pounds"),
    "price-binary": (10, 18, "'0b11' is not an amount in pounds"),
    "price-decimal-comma": (
        10,
        18,
        "'£1,95' is not an amount in pounds (commas only separate thousands, in groups of three",
    ),
    "price-exponent": (10, 18, "'1e2' is not an amount in pounds"),
    "price-three-decimals": (10, 18, "'195.505' is not an amount in pounds"),
    "price-underscore": (10, 18, "'1_000' is not an amount in pounds"),
    "price-infinite": (10, 18, "'.inf' is not an amount in pounds"),
    "bool-yes": (9, 24, "'free_to_subscribers' must be true or false, not 'yes'"),
    "bool-one": (9, 24, "'free_to_subscribers' must be true or false, not '1'"),
    "date-with-time": (5, 7, "'2016-08-23 10:30:00' is not a date"),
    "date-octal-year": (5, 7, "'0150' is outside the years 1990 to 2100"),
}


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_every_hostile_fixture_is_listed() -> None:
    assert sorted(p.stem for p in (ROOT / HOSTILE).glob("*.yaml")) == sorted(HOSTILE_FIXTURES)


@pytest.mark.parametrize("name", sorted(HOSTILE_FIXTURES))
def test_each_hostile_source_gets_one_error_on_one_line_at_its_node(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line, column, message = HOSTILE_FIXTURES[name]
    code = main(["check", str(HOSTILE / f"{name}.yaml")])
    _, err = capsys.readouterr()
    assert code == 1
    first, summary = err.strip().split("\n")
    assert first.startswith(f"{HOSTILE}/{name}.yaml:{line}:{column}: error: ")
    assert message in first
    assert first.isprintable()
    assert summary == "1 error(s) in 1 file(s)."


@pytest.mark.parametrize("format", ["text", "github"])
def test_the_real_entry_point_prints_one_line_per_error_in_both_formats(format: str) -> None:
    names = sorted(HOSTILE_FIXTURES, key=lambda name: f"{name}.yaml")  # as errors are sorted
    result = subprocess.run(
        [sys.executable, "build.py", "check", "--format", format]
        + [str(HOSTILE / f"{name}.yaml") for name in names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    printed = result.stdout if format == "github" else result.stderr
    lines = printed.strip().split("\n")
    if format == "text":
        assert lines.pop() == f"{len(names)} error(s) in {len(names)} file(s)."
    assert len(lines) == len(names)
    for name, printed_line in zip(names, lines, strict=True):
        line, column, message = HOSTILE_FIXTURES[name]
        assert printed_line.isprintable()
        if format == "github":
            assert printed_line.startswith(
                f"::error file={HOSTILE}/{name}.yaml,line={line},col={column}::"
            )
        else:
            assert printed_line.startswith(f"{HOSTILE}/{name}.yaml:{line}:{column}: error: ")
        assert message in printed_line


def test_a_hundred_thousand_nested_brackets_are_refused_at_the_bound_not_after_minutes(
    tmp_path: Path,
) -> None:
    # Nodes composed by libyaml itself overflowed the C stack here: the interpreter died.
    source = tmp_path / "briefings" / "deep.yaml"
    source.parent.mkdir()
    source.write_text("id: deep\nkey_messages: " + "[" * 100_000 + "]" * 100_000 + "\n")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(tmp_path), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Before the bound, libyaml alone took minutes on a file like this; 30 s is load, not a hang.
    assert time.monotonic() - started < 30
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(
        "briefings/deep.yaml:2:78: error: lists and mappings are nested more than 64 deep"
    )


def load(tmp_path: Path, text: str) -> Briefing:
    source = tmp_path / "minimal.yaml"
    source.write_text(text, encoding="utf-8")
    return validate_briefing(*load_file(source, "minimal.yaml"))


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("195", "195"),
        ("195.50", "195.50"),
        ("0.5", "0.5"),
        ("0", "0"),
        ("'£195'", "195"),
        ("'£1,195.00'", "1195.00"),
        ("'1,000,000'", "1000000"),
        ("12345678901234567.89", "12345678901234567.89"),  # a float would round it
    ],
)
def test_a_price_is_the_decimal_of_the_digits_typed(
    tmp_path: Path, typed: str, amount: str
) -> None:
    text = MINIMAL.replace(
        "free_to_subscribers: true", f"free_to_subscribers: true\n  price_non_members: {typed}"
    )
    price = load(tmp_path, text).availability.price_non_members
    assert isinstance(price, Decimal)
    assert str(price) == amount


def test_yaml_1_1_words_and_numbers_are_text_where_text_belongs(tmp_path: Path) -> None:
    text = MINIMAL + "subtitle: yes\nseries: off\nextent: 0150\ndate_note: 1:30\n"
    briefing = load(tmp_path, text)
    assert (briefing.subtitle, briefing.series, briefing.extent, briefing.date_note) == (
        "yes",
        "off",
        "0150",
        "1:30",
    )


def test_core_scalars_keep_their_meaning(tmp_path: Path) -> None:
    text = MINIMAL.replace("date: 2016-08-23", "date: 2016").replace(
        "free_to_subscribers: true", "free_to_subscribers: False"
    )
    briefing = load(tmp_path, text + "quotes: [{text: a, speaker: b, public: TRUE}]\n")
    assert briefing.date.iso == "2016"
    assert briefing.availability.free_to_subscribers is False
    assert briefing.quotes[0].public is True
    assert load(tmp_path, MINIMAL).date.first_day == date(2016, 8, 23)


def test_an_alias_may_repeat_content_that_is_complete_before_it(tmp_path: Path) -> None:
    text = MINIMAL.replace("publishers: [Example Publisher]", "publishers: &p [Example Publisher]")
    assert load(tmp_path, text + "partners: *p\n").partners == ["Example Publisher"]


def test_an_error_under_an_alias_is_reported_where_the_alias_stands(tmp_path: Path) -> None:
    text = MINIMAL + "series: &s [not, text]\nsubtitle: *s\n"
    with pytest.raises(SourceErrors) as raised:
        load(tmp_path, text)
    assert [(e.line, e.column) for e in raised.value.errors] == [(11, 9), (12, 11)]


def test_an_error_names_its_file_on_one_line_whatever_the_file_is_called() -> None:
    error = SourceError("briefings/a,b:c\n.yaml", 3, 4, "bad\u2028value", "fix\x85it")
    assert str(error) == r"briefings/a,b:c\n.yaml:3:4: error: bad\u2028value (fix\x85it)"
    assert error.github() == (
        r"::error file=briefings/a%2Cb%3Ac\n.yaml,line=3,col=4::bad\u2028value (fix\x85it)"
    )
