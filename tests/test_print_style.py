"""The print stylesheet reaches WeasyPrint with its variables replaced by their values."""

from __future__ import annotations

import pytest

from insight.look import look_of
from insight.pdf.render import STYLESHEET
from insight.pdf.style import UnknownVariable, resolved_stylesheet

OURS = look_of(None).variables("print")


def test_the_print_stylesheet_has_a_value_for_every_variable_it_uses() -> None:
    resolved = resolved_stylesheet(STYLESHEET.read_text(encoding="utf-8"), OURS)
    assert "var(" not in resolved
    assert dict(OURS)["brand"] in resolved
    assert '"Insight Serif", "Insight Serif Extended"' in resolved  # its own --serif
    assert "--serif" not in resolved  # the :root rule that set it is gone


def test_values_replace_each_var_where_it_stands_and_nothing_else() -> None:
    css = """:root { --rule: #999999; --line: 1pt solid var(--rule); }
    /* var(--brand) in a comment */
    h1 { color: var(--brand); border: var(--line); content: "var(--brand)"; }
    @page { @top-left { color: var(--brand); } }
    p { width: calc(100% - var(--gap)); }"""
    resolved = resolved_stylesheet(css, (("brand", "#14213d"), ("gap", "2mm")))
    assert "h1 { color: #14213d; border: 1pt solid #999999;" in resolved
    assert "/* var(--brand) in a comment */" in resolved
    assert 'content: "var(--brand)"' in resolved
    assert "@top-left { color: #14213d; }" in resolved
    assert "calc(100% - 2mm)" in resolved
    assert ":root" not in resolved


def test_a_root_rule_that_does_more_than_set_variables_is_kept() -> None:
    css = ":root { --ink: #000000; color: var(--ink); }"
    assert resolved_stylesheet(css, ()) == ":root { --ink: #000000; color: #000000; }"


@pytest.mark.parametrize(
    "css",
    ["h1 { color: var(--nowhere); }", ":root { --a: var(--a); } h1 { color: var(--a); }"],
)
def test_a_variable_without_a_value_is_an_error_not_a_silent_default(css: str) -> None:
    with pytest.raises(UnknownVariable):
        resolved_stylesheet(css, ())
