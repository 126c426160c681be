"""Render an expression AST as DuckDB SQL with the same semantics as the Python closures."""

from __future__ import annotations

from typing import Callable

from ..paths import FieldPath
from .ast import Arith, Between, Call, Case, Compare, Expr, Field, InList, IsNull, Like, Literal, Logical, Neg, Not
from .format import quote_string
from .functions import FUNCTIONS

ColumnRenderer = Callable[[FieldPath], str]


def quote_sql_identifier(name: str) -> str:
    """A DuckDB identifier, always double-quoted (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def default_column(path: FieldPath) -> str:
    """Field paths as DuckDB struct and list access: ``data.value`` → ``"data"['value']``.

    The first key is a column; further keys index STRUCT/MAP values; integer indexes (0-based in
    rfsrules) become DuckDB's 1-based list indexes (negative ones count from the end in both).
    """
    segments = path.segments
    parts = [quote_sql_identifier(segments[0])]
    for seg in segments[1:]:
        if type(seg) is int:
            parts.append(f"[{seg + 1 if seg >= 0 else seg}]")
        else:
            parts.append(f"[{quote_string(seg)}]")
    return "".join(parts)


def sql_literal(lit: Literal) -> str:
    """A literal as DuckDB SQL; floats are written as exact DOUBLE casts (DuckDB reads ``1.5`` as DECIMAL)."""
    if lit.kind == "null":
        return "NULL"
    if lit.kind == "boolean":
        return "TRUE" if lit.value else "FALSE"
    if lit.kind == "string":
        return quote_string(lit.value)
    if lit.kind == "float":
        return f"CAST('{lit.value!r}' AS DOUBLE)"
    return str(lit.value)


def to_sql(expr: Expr, column: ColumnRenderer | None = None) -> str:
    """DuckDB SQL text for ``expr``; ``column(path)`` renders each field reference (default: :func:`default_column`).

    Every compound sub-expression is parenthesised, so the result can be embedded anywhere.
    The SQL matches :func:`~rfsrules.expr.compile_python` provided ``column()`` yields typed values or
    NULL (a missing field must be NULL) and operands have the types the operators expect; see
    ``docs/expressions.md`` for the exact assumptions. Division and modulo by zero give NULL.
    """
    return _Renderer(column or default_column).render(expr)


class _Renderer:
    def __init__(self, column: ColumnRenderer):
        self.column = column

    def render(self, node: Expr) -> str:
        r = self.render
        if isinstance(node, Literal):
            return sql_literal(node)
        if isinstance(node, Field):
            return self.column(node.path)
        if isinstance(node, Not):
            return f"(NOT {r(node.operand)})"
        if isinstance(node, Neg):
            return f"(- {r(node.operand)})"
        if isinstance(node, Logical):
            return "(" + f" {node.op.upper()} ".join(r(o) for o in node.operands) + ")"
        if isinstance(node, Compare):
            op = "<>" if node.op == "!=" else node.op
            return f"({r(node.left)} {op} {r(node.right)})"
        if isinstance(node, Arith):
            if node.op in ("/", "%"):
                return f"({r(node.left)} {node.op} NULLIF({r(node.right)}, 0))"
            return f"({r(node.left)} {node.op} {r(node.right)})"
        if isinstance(node, Between):
            word = "NOT BETWEEN" if node.negated else "BETWEEN"
            return f"({r(node.operand)} {word} {r(node.low)} AND {r(node.high)})"
        if isinstance(node, InList):
            word = "NOT IN" if node.negated else "IN"
            return f"({r(node.operand)} {word} ({', '.join(r(i) for i in node.items)}))"
        if isinstance(node, IsNull):
            return f"({r(node.operand)} IS {'NOT ' if node.negated else ''}NULL)"
        if isinstance(node, Like):
            word = ("NOT " if node.negated else "") + ("ILIKE" if node.case_insensitive else "LIKE")
            escape = f" ESCAPE {quote_string(node.escape)}" if node.escape is not None else ""
            return f"({r(node.operand)} {word} {quote_string(node.pattern)}{escape})"
        if isinstance(node, Case):
            parts = ["CASE"]
            if node.operand is not None:
                parts.append(r(node.operand))
            for cond, result in node.whens:
                parts.append(f"WHEN {r(cond)} THEN {r(result)}")
            if node.default is not None:
                parts.append(f"ELSE {r(node.default)}")
            parts.append("END")
            return "(" + " ".join(parts) + ")"
        if isinstance(node, Call):
            spec = FUNCTIONS.get(node.name)
            if spec is None:
                raise ValueError(f"unknown function {node.name!r}")
            return spec.render_sql([r(a) for a in node.args])
        raise TypeError(f"not an expression node: {node!r}")
