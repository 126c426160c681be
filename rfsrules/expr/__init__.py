"""The SQL-like expression language of ``expression`` rules and ``where:`` filters (see docs/expressions.md).

``parse_expression(text)`` gives an engine-neutral AST (sqlglot is only the parser);
``compile_python(expr)`` turns it into a fast ``record -> value`` closure with SQL three-valued logic;
``to_sql(expr, column)`` renders the same semantics as DuckDB SQL.
"""

from __future__ import annotations

from .ast import (
    Arith,
    Between,
    Call,
    Case,
    Compare,
    Expr,
    ExprError,
    Field,
    InList,
    IsNull,
    Like,
    Literal,
    Logical,
    Neg,
    Not,
    depth,
    field_offsets,
    field_refs,
    function_names,
    walk,
)
from .format import format_expression
from .functions import FUNCTIONS, FunctionSpec
from .parse import MAX_DEPTH, MAX_LENGTH, MAX_NESTING, parse_expression
from .python import compile_python, sql_equal, sql_order
from .sql import default_column, to_sql

__all__ = [
    "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NESTING", "Arith", "Between", "Call", "Case", "Compare", "Expr",
    "ExprError", "Field", "FunctionSpec", "InList", "IsNull", "Like", "Literal", "Logical", "Neg", "Not",
    "compile_python", "default_column", "depth", "field_offsets", "field_refs", "format_expression", "function_names",
    "parse_expression", "sql_equal", "sql_order", "to_sql", "walk",
]
