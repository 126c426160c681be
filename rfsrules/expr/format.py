"""Canonical expression text of an AST: parsing it again gives the same AST."""

from __future__ import annotations

import functools
import re

from sqlglot.tokens import Tokenizer

from ..paths import FieldPath
from .ast import Arith, Between, Call, Case, Compare, Expr, Field, InList, IsNull, Like, Literal, Logical, Neg, Not

# Binding strength, loosest first (the same grammar sqlglot parses).
PREC_OR, PREC_AND, PREC_NOT, PREC_COMPARE, PREC_ADD, PREC_MUL, PREC_NEG, PREC_ATOM = range(1, 9)
_ARITH_PREC = {"+": PREC_ADD, "-": PREC_ADD, "*": PREC_MUL, "/": PREC_MUL, "%": PREC_MUL}
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Words that are not tokenizer keywords but still parse as something other than a column.
_SPECIAL_WORDS = frozenset({"ANY", "CASE", "CONNECT_BY_ROOT", "IF", "PRIOR"})


def quote_string(text: str) -> str:
    """A SQL string literal: single quotes, embedded quotes doubled (backslash is not special)."""
    return "'" + text.replace("'", "''") + "'"


@functools.lru_cache(maxsize=2048)
def quote_identifier(name: str) -> str:
    """``name`` bare when it is a plain, non-keyword identifier, else in double quotes."""
    if _BARE.fullmatch(name) and name.upper() not in Tokenizer.KEYWORDS and name.upper() not in _SPECIAL_WORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def format_path(path: FieldPath) -> str:
    """A field path as expression text: ``data.value``, ``items[0].sku``, ``meta."a.b"``."""
    parts = []
    for i, seg in enumerate(path.segments):
        if type(seg) is int:
            parts.append(f"[{seg}]")
        else:
            parts.append(("." if i else "") + quote_identifier(seg))
    return "".join(parts)


def format_literal(lit: Literal) -> str:
    """A literal as expression text (``null``, ``true``, ``-5``, ``2.5``, ``'it''s'``)."""
    if lit.kind == "null":
        return "null"
    if lit.kind == "boolean":
        return "true" if lit.value else "false"
    if lit.kind == "string":
        return quote_string(lit.value)
    return repr(lit.value) if lit.kind == "float" else str(lit.value)


def precedence(node: Expr) -> int:
    """How tightly ``node`` binds when written without parentheses."""
    if isinstance(node, Logical):
        return PREC_OR if node.op == "or" else PREC_AND
    if isinstance(node, Not):
        return PREC_NOT
    if isinstance(node, (Compare, Between, InList, IsNull, Like)):
        return PREC_COMPARE
    if isinstance(node, Arith):
        return _ARITH_PREC[node.op]
    if isinstance(node, Neg):
        return PREC_NEG
    return PREC_ATOM


def format_expression(expr: Expr) -> str:
    """The canonical text of ``expr`` with only the parentheses it needs."""
    return _fmt(expr)


def _wrap(node: Expr, needs: bool) -> str:
    text = _fmt(node)
    return f"({text})" if needs else text


def _operand(node: Expr, min_prec: int) -> str:
    """``node`` as an operand that must bind at least as tightly as ``min_prec``."""
    return _wrap(node, precedence(node) < min_prec)


def _fmt(node: Expr) -> str:
    if isinstance(node, Literal):
        return format_literal(node)
    if isinstance(node, Field):
        return format_path(node.path)
    if isinstance(node, Logical):
        prec = precedence(node)
        # a nested node of the same operator keeps its parentheses so the tree shape survives
        return f" {node.op} ".join(_wrap(o, precedence(o) <= prec) for o in node.operands)
    if isinstance(node, Not):
        operand = node.operand
        keep = isinstance(operand, (InList, Between, IsNull, Like))  # `not x in (...)` would merge
        return "not " + _wrap(operand, keep or precedence(operand) <= PREC_NOT)
    if isinstance(node, Neg):
        operand = node.operand
        numeric = isinstance(operand, Literal) and operand.kind in ("integer", "float")
        return "-" + _wrap(operand, numeric or isinstance(operand, Neg) or precedence(operand) < PREC_NEG)
    if isinstance(node, Compare):
        return f"{_operand(node.left, PREC_ADD)} {node.op} {_operand(node.right, PREC_ADD)}"
    if isinstance(node, Arith):
        prec = _ARITH_PREC[node.op]
        return f"{_operand(node.left, prec)} {node.op} {_operand(node.right, prec + 1)}"
    if isinstance(node, Between):
        word = "not between" if node.negated else "between"
        return (f"{_operand(node.operand, PREC_ADD)} {word} {_operand(node.low, PREC_ADD)}"
                f" and {_operand(node.high, PREC_ADD)}")
    if isinstance(node, InList):
        word = "not in" if node.negated else "in"
        return f"{_operand(node.operand, PREC_ADD)} {word} ({', '.join(_fmt(i) for i in node.items)})"
    if isinstance(node, IsNull):
        return f"{_operand(node.operand, PREC_ADD)} is {'not ' if node.negated else ''}null"
    if isinstance(node, Like):
        word = ("not " if node.negated else "") + ("ilike" if node.case_insensitive else "like")
        text = f"{_operand(node.operand, PREC_ADD)} {word} {quote_string(node.pattern)}"
        return text + (f" escape {quote_string(node.escape)}" if node.escape is not None else "")
    if isinstance(node, Case):
        parts = ["case"]
        if node.operand is not None:
            parts.append(_fmt(node.operand))
        for cond, result in node.whens:
            parts.append(f"when {_fmt(cond)} then {_fmt(result)}")
        if node.default is not None:
            parts.append(f"else {_fmt(node.default)}")
        parts.append("end")
        return " ".join(parts)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_fmt(a) for a in node.args)})"
    raise TypeError(f"not an expression node: {node!r}")
