"""The print stylesheet as the renderer gets it: every var() replaced by its value.

print.css names its colours and font stacks as variables, so that a brand changes them in
one place (see insight.look). WeasyPrint, though, works a var() out again for every element
and property it appears on, and a shorthand holding one (`font: 600 8pt var(--sans)`) is
parsed again each time: with the stylesheet's hundred or so, that was about a fourteenth of
laying out a document. Replacing them once per process, before WeasyPrint parses the
stylesheet, gives the same styles for less.

It reads the stylesheet as CSS tokens (tinycss2, the parser WeasyPrint itself uses), not
as text, so a var() inside a comment or a string is left as it is.
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


class UnknownVariable(ValueError):
    """The stylesheet uses a variable that neither it nor the brand gives a value."""


def resolved_stylesheet(css: str, variables: Variables) -> str:
    """`css` with each var(--name) replaced by the value of `--name`: the brand's
    `variables`, then those the stylesheet's own `:root` rules set. A `:root` rule that
    sets nothing else is dropped, as nothing refers to it any more."""
    values = {name: trimmed(tinycss2.parse_component_value_list(v)) for name, v in variables}
    kept = []
    for rule in tinycss2.parse_stylesheet(css):
        declarations = root_declarations(rule)
        if declarations is None:
            kept.append(rule)
            continue
        own = [d for d in declarations if d.type == "declaration" and d.name.startswith("--")]
        values.update({d.name[2:]: trimmed(d.value) for d in own})
        if len(own) < len(declarations):
            kept.append(rule)
    return tinycss2.serialize(substituted(kept, values, DEPTH))


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
        raise UnknownVariable(f"var(--{name}) is nested deeper than {DEPTH} variables")
    if name not in values:
        raise UnknownVariable(
            f"the print stylesheet uses {tinycss2.serialize([var])}, which has no value"
        )
    return values[name]
