"""The print stylesheet reaches WeasyPrint with its variables replaced by their values,
which prints the same PDF as WeasyPrint replacing them itself, in less time."""

from __future__ import annotations

from pathlib import Path

import pytest
import tinycss2
from tinycss2.ast import FunctionBlock, Node

from insight.look import look_of
from insight.pdf import render
from insight.pdf.render import STYLESHEET, pdf_bytes
from insight.pdf.style import VariableError, resolved_stylesheet

OURS = look_of(None).variables("print")


def var_calls(nodes: list[Node]) -> list[str]:
    """Every var() of a stylesheet's rules, those of `:root` included."""
    found = []
    for node in nodes:
        if isinstance(node, FunctionBlock) and node.lower_name == "var":
            found.append(tinycss2.serialize([node]))
        for inner in ("content", "arguments", "prelude"):
            if isinstance(getattr(node, inner, None), list):
                found += var_calls(getattr(node, inner))
    return found


def test_the_print_stylesheet_has_a_value_for_every_variable_it_uses() -> None:
    resolved = resolved_stylesheet(STYLESHEET.read_text(encoding="utf-8"), OURS)
    assert var_calls(tinycss2.parse_stylesheet(resolved)) == []
    assert f"color: {dict(OURS)['brand']};" in resolved
    assert 'font-family: "Insight Serif", "Insight Serif Extended"' in resolved  # its --serif
    # Kept for a project's print template, whose own styles may use them.
    assert '--serif: "Insight Serif"' in resolved


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
    assert ":root { --rule: #999999; --line: 1pt solid var(--rule); }" in resolved


def test_the_brands_value_wins_over_the_stylesheets_own() -> None:
    css = ":root { --ink: #000000; } p { color: var(--ink); }"
    assert "p { color: #222222; }" in resolved_stylesheet(css, (("ink", "#222222"),))


@pytest.mark.parametrize(
    "css",
    [
        "h1 { color: var(--nowhere); }",
        ":root { --a: var(--a); } h1 { color: var(--a); }",
        # A value that depends on the element cannot be replaced by one value.
        ":root { --c: #000000; } .cover { --c: #ffffff; } .cover p { color: var(--c); }",
    ],
)
def test_a_variable_without_one_value_is_an_error_not_a_silent_default(css: str) -> None:
    with pytest.raises(VariableError):
        resolved_stylesheet(css, ())


def test_the_pdf_is_the_one_weasyprint_prints_replacing_the_variables_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (
        '<html lang="en-GB"><head><style>'
        + look_of(None).stylesheet_variables("print")
        + '</style></head><body><section class="part"><h2>Principles</h2><p>Simplify, '
        '<a href="https://example.org/">standardise</a>, share.</p><ul><li>One</li>'
        "<li>Two</li></ul><blockquote><p>A quotation</p></blockquote></section></body></html>"
    )
    ours = pdf_bytes(page, images=tmp_path, variables=OURS)
    render.print_style.cache_clear()
    monkeypatch.setattr(render, "resolved_stylesheet", lambda css, variables: css)
    try:
        assert pdf_bytes(page, images=tmp_path, variables=OURS) == ours
    finally:
        render.print_style.cache_clear()
