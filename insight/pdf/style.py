"""The print stylesheet as the renderer gets it: every var() replaced by its value.

print.css names its colours and font stacks as variables, so that a brand changes them in
one place (see insight.look). WeasyPrint, though, works a var() out again for every element
and property it appears on, and a shorthand holding one (`font: 600 8pt var(--sans)`) is
parsed again each time: with the stylesheet's hundred or so, that was about a fourteenth of
laying out a document. Replacing them once per process, before WeasyPrint parses the
stylesheet, gives the same PDF for less (tests/test_print_style.py compares the two).

That holds while each variable has one value for the whole document: the stylesheet sets
them in `:root` rules only, and a rule of another selector that sets one is refused. It
reads the stylesheet as CSS tokens (tinycss2, the parser WeasyPrint itself uses), not as
text, so a var() inside a comment or a string is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import tinycss2
from tinycss2.ast import (
    AtRule,
    CurlyBracketsBlock,
    FunctionBlock,
    IdentToken,
    Node,
    ParenthesesBlock,
    QualifiedRule,
    SquareBracketsBlock,
)

Variables = tuple[tuple[str, str], ...]
"""A stylesheet's variables, names without their dashes, and their values (Look.variables)."""

# What holds other nodes in its `content`: rules, and blocks in (), [] and {}.
HOLDERS = (QualifiedRule, AtRule, CurlyBracketsBlock, ParenthesesBlock, SquareBracketsBlock)
# A variable's value may name others; no stylesheet of ours nests them deeper than this.
DEPTH = 8


class VariableError(ValueError):
    """A variable the stylesheet uses or sets that cannot be replaced by one value."""


def resolved_stylesheet(css: str, variables: Variables) -> str:
    """`css` with each var(--name) outside its `:root` rules replaced by the value of
    `--name`: the brand's `variables`, or else the value the stylesheet's own `:root` rules
    set. Those rules stay as they are, so that a project's print template may still use
    the variables in a style of its own."""
    rules = tinycss2.parse_stylesheet(css)
    own = {
        declaration.name[2:]: trimmed(declaration.value)
        for rule in rules
        for declaration in root_declarations(rule) or []
        if declaration.type == "declaration" and declaration.name.startswith("--")
    }
    values = own | {name: trimmed(tinycss2.parse_component_value_list(v)) for name, v in variables}
    resolved: list[Node] = []
    for rule in rules:
        is_root = root_declarations(rule) is not None
        resolved.extend([rule] if is_root else substituted([rule], values, DEPTH))
    return tinycss2.serialize(resolved)


def root_declarations(rule: Node) -> list[Node] | None:
    """What a `:root` rule declares; None for any other rule."""
    if not isinstance(rule, QualifiedRule) or tinycss2.serialize(rule.prelude).strip() != ":root":
        return None
    return tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True)


def trimmed(tokens: list[Node]) -> list[Node]:
    """A declaration's value without the white space around it."""
    ends = [i for i, token in enumerate(tokens) if token.type not in ("whitespace", "comment")]
    return tokens[ends[0] : ends[-1] + 1] if ends else []


def substituted(nodes: Iterable[Node], values: Mapping[str, list[Node]], depth: int) -> list[Node]:
    result: list[Node] = []
    for node in nodes:
        if isinstance(node, FunctionBlock) and node.lower_name == "var":
            result.extend(substituted(value_of(node, values, depth), values, depth - 1))
            continue
        if isinstance(node, IdentToken) and node.value.startswith("--"):
            # Set in a rule of its own, a variable's value would depend on the element,
            # which one value in its place cannot.
            raise VariableError(f"the print stylesheet sets {node.value} outside :root")
        if isinstance(node, HOLDERS) and node.content is not None:  # a rule ending in ';' has none
            node.content = substituted(node.content, values, depth)
        elif isinstance(node, FunctionBlock):
            node.arguments = substituted(node.arguments, values, depth)
        result.append(node)
    return result


def value_of(var: FunctionBlock, values: Mapping[str, list[Node]], depth: int) -> list[Node]:
    names = [token for token in var.arguments if isinstance(token, IdentToken)]
    name = names[0].value[2:] if names and names[0].value.startswith("--") else None
    if depth <= 0:
        raise VariableError(f"var(--{name}) is nested deeper than {DEPTH} variables")
    if name not in values:
        raise VariableError(
            f"the print stylesheet uses {tinycss2.serialize([var])}, which has no value"
        )
    return values[name]
