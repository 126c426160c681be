"""Compile an expression AST once into a tree of Python closures with SQL three-valued semantics."""

from __future__ import annotations

import math
from typing import Any, Callable

import re2

from ..paths import MISSING
from .ast import Arith, Between, Call, Case, Compare, Expr, Field, InList, IsNull, Like, Literal, Logical, Neg, Not
from .functions import FUNCTIONS, re2_options

Evaluator = Callable[[dict], Any]

# Integer arithmetic is exact, but a result needing more bits than this is out of range (NULL).
MAX_INT_BITS = 1024


# -- value semantics (shared by the compiled closures) ---------------------------------------------

def sql_equal(a: Any, b: Any) -> bool | None:
    """``a = b``: None when either is null; False across JSON types (``true`` is not ``1``).

    Numbers compare numerically (``1 = 1.0``; NaN equals NaN, as in SQL engines), strings exactly,
    arrays and objects by strict deep equality.
    """
    if a is None or b is None:
        return None
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if a != a or b != b:  # NaN
            return a != a and b != b
        return a == b
    if ta is not tb:
        return False
    if ta is list or ta is dict:
        try:
            return _json_equal(a, b)
        except RecursionError:
            return None
    return a == b


def _json_equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    ta, tb = type(a), type(b)
    if ta is list and tb is list:
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    if ta is dict and tb is dict:
        return a.keys() == b.keys() and all(_json_equal(v, b[k]) for k, v in a.items())
    return sql_equal(a, b) is True


def sql_order(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 comparing ``a`` with ``b``; None when either is null or they cannot be ordered.

    Numbers order numerically (NaN above every other number), strings by code point, booleans
    false < true. Any other pair (string vs number, arrays, objects) has no order.
    """
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        a_nan, b_nan = a != a, b != b
        if a_nan or b_nan:
            return a_nan - b_nan
        return (a > b) - (a < b)
    if (ta is str and tb is str) or (ta is bool and tb is bool):
        return (a > b) - (a < b)
    return None


def _and3(a: Any, b: Any) -> bool | None:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def _not3(v: Any) -> bool | None:
    if v is True:
        return False
    if v is False:
        return True
    return None


def like_regex(pattern: str, escape: str | None, case_insensitive: bool) -> str:
    """The RE2 regex (for a full match) of a LIKE pattern: ``%`` any run, ``_`` one character."""
    out = ["(?s)"]
    if case_insensitive:
        out.append("(?i)")
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if escape is not None and ch == escape:
            if i + 1 == len(pattern):
                raise ValueError("a LIKE pattern must not end with its escape character")
            i += 1
            out.append(_regex_literal(pattern[i]))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(_regex_literal(ch))
        i += 1
    return "".join(out)


def _regex_literal(ch: str) -> str:
    return ch if ch.isalnum() else f"\\x{{{ord(ch):x}}}"


def like_matcher(pattern: str, escape: str | None = None, case_insensitive: bool = False) -> Callable[[str], bool]:
    """A function ``text -> bool`` for a LIKE pattern, compiled once (plain string tests when possible)."""
    plain = not case_insensitive and "_" not in pattern and (escape is None or escape not in pattern)
    core = pattern.strip("%")
    if plain and "%" not in core:
        lead, trail = pattern.startswith("%"), pattern.endswith("%")
        if not core and (lead or trail):
            return lambda s: True
        if lead and trail:
            return lambda s, _c=core: _c in s
        if trail:
            return lambda s, _c=core: s.startswith(_c)
        if lead:
            return lambda s, _c=core: s.endswith(_c)
        return lambda s, _c=core: s == _c
    fullmatch = re2.compile(like_regex(pattern, escape, case_insensitive), re2_options()).fullmatch
    return lambda s: fullmatch(s) is not None


# -- arithmetic ------------------------------------------------------------------------------------

def _int_result(value: Any) -> Any:
    if type(value) is int and value.bit_length() > MAX_INT_BITS:
        return None
    return value


def _add(a, b):
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        try:
            return _int_result(a + b)
        except OverflowError:
            return None
    return None


def _sub(a, b):
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        try:
            return _int_result(a - b)
        except OverflowError:
            return None
    return None


def _mul(a, b):
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        try:
            return _int_result(a * b)
        except OverflowError:
            return None
    return None


def _div(a, b):
    if (type(a) is int or type(a) is float) and (type(b) is int or type(b) is float):
        if b == 0:
            return None
        try:
            return float(a) / float(b)
        except (OverflowError, ZeroDivisionError):
            return None
    return None


def _mod(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        if b == 0:
            return None
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    if (ta is int or ta is float) and (tb is int or tb is float):
        if b == 0:
            return None
        try:
            return math.fmod(a, b)
        except OverflowError:
            return None
        except ValueError:  # fmod(inf, y): C returns NaN
            return math.nan
    return None


_ARITH = {"+": _add, "-": _sub, "*": _mul, "/": _div, "%": _mod}


# -- the compiler ----------------------------------------------------------------------------------

def compile_python(expr: Expr) -> Evaluator:
    """A function ``record -> True | False | None | value`` evaluating ``expr`` on a record (a dict).

    Built once as nested closures; calling it only calls closures. A missing field is null; the
    result is the expression's value (rules treat only ``True`` as passing). Never raises on data.
    """
    return _compile(expr)


def _compile(node: Expr) -> Evaluator:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise TypeError(f"not an expression node: {node!r}")
    return handler(node)


def _literal(node: Literal) -> Evaluator:
    value = node.value
    return lambda rec: value


def _field(node: Field) -> Evaluator:
    get = node.path.getter()

    def field(rec, _get=get, _missing=MISSING):
        value = _get(rec)
        return None if value is _missing else value

    return field


def _not(node: Not) -> Evaluator:
    inner = _compile(node.operand)
    return lambda rec: _not3(inner(rec))


def _neg(node: Neg) -> Evaluator:
    inner = _compile(node.operand)

    def neg(rec):
        v = inner(rec)
        return -v if type(v) is int or type(v) is float else None

    return neg


def _logical(node: Logical) -> Evaluator:
    parts = tuple(_compile(o) for o in node.operands)
    if len(parts) == 2:
        return _logical2(node.op, *parts)
    if node.op == "and":
        def and_(rec):
            result = True
            for part in parts:
                v = part(rec)
                if v is False:
                    return False
                if v is not True:
                    result = None
            return result

        return and_

    def or_(rec):
        result = False
        for part in parts:
            v = part(rec)
            if v is True:
                return True
            if v is not False:
                result = None
        return result

    return or_


def _logical2(op: str, first: Evaluator, second: Evaluator) -> Evaluator:
    if op == "and":
        def and2(rec):
            a = first(rec)
            if a is False:
                return False
            b = second(rec)
            if b is False:
                return False
            return True if a is True and b is True else None

        return and2

    def or2(rec):
        a = first(rec)
        if a is True:
            return True
        b = second(rec)
        if b is True:
            return True
        return False if a is False and b is False else None

    return or2


_ORDER_TESTS = {"<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0, ">=": lambda c: c >= 0}


def _compare(node: Compare) -> Evaluator:
    left, right = _compile(node.left), _compile(node.right)
    op = node.op
    lit = node.right if isinstance(node.right, Literal) else None
    if lit is not None and lit.kind == "string":
        return _compare_string_literal(left, op, lit.value)
    if lit is not None and lit.kind in ("integer", "float") and lit.value == lit.value:
        return _compare_number_literal(left, op, lit.value)
    test = _VALUE_TESTS[op]
    return lambda rec: test(left(rec), right(rec))


def _compare_string_literal(left: Evaluator, op: str, text: str) -> Evaluator:
    """Fast path for ``field <op> 'text'`` (the most common comparison)."""
    if op in ("=", "!="):
        same = op == "="

        def equal(rec):
            v = left(rec)
            if type(v) is str:
                return (v == text) is same
            return None if v is None else not same

        return equal
    test = _ORDER_TESTS[op]

    def order(rec):
        v = left(rec)
        if type(v) is str:
            return test((v > text) - (v < text))
        return None

    return order


def _compare_number_literal(left: Evaluator, op: str, number) -> Evaluator:
    """Fast path for ``field <op> 42``: a plain Python comparison when the value is an int or non-NaN float."""
    fast = _PY_COMPARE[op]
    slow = _VALUE_TESTS[op]

    def compare(rec):
        v = left(rec)
        t = type(v)
        if t is int or (t is float and v == v):
            return fast(v, number)
        return slow(v, number)

    return compare


def _sql_not_equal(a, b):
    return _not3(sql_equal(a, b))


def _order_test(test: Callable[[int], bool]) -> Callable[[Any, Any], bool | None]:
    def compare(a, b):
        c = sql_order(a, b)
        return None if c is None else test(c)

    return compare


_PY_COMPARE = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
               "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_VALUE_TESTS = {"=": sql_equal, "!=": _sql_not_equal, **{op: _order_test(t) for op, t in _ORDER_TESTS.items()}}


def _arith(node: Arith) -> Evaluator:
    left, right, fn = _compile(node.left), _compile(node.right), _ARITH[node.op]
    return lambda rec: fn(left(rec), right(rec))


def _between_values(v: Any, low: Any, high: Any) -> bool | None:
    """``v >= low and v <= high`` in three-valued logic."""
    c = sql_order(v, low)
    lower = None if c is None else c >= 0
    if lower is False:
        return False
    c = sql_order(v, high)
    return _and3(lower, None if c is None else c <= 0)


def _between(node: Between) -> Evaluator:
    operand = _compile(node.operand)
    negated = node.negated
    bounds = (node.low, node.high)
    if all(isinstance(b, Literal) and b.kind in ("integer", "float") and b.value == b.value for b in bounds):
        low, high = node.low.value, node.high.value

        def between_numbers(rec):
            v = operand(rec)
            t = type(v)
            if t is int or (t is float and v == v):
                return (low <= v <= high) is not negated
            result = _between_values(v, low, high)
            return _not3(result) if negated else result

        return between_numbers
    low_fn, high_fn = _compile(node.low), _compile(node.high)

    def between(rec):
        result = _between_values(operand(rec), low_fn(rec), high_fn(rec))
        return _not3(result) if negated else result

    return between


def _in_list(node: InList) -> Evaluator:
    operand = _compile(node.operand)
    negated = node.negated
    if all(isinstance(i, Literal) for i in node.items):
        return _in_literals(operand, node.items, negated)
    items = tuple(_compile(i) for i in node.items)

    def in_(rec):
        v = operand(rec)
        if v is None:
            return None
        result = False
        for item in items:
            eq = sql_equal(v, item(rec))
            if eq is True:
                result = True
                break
            if eq is None:
                result = None
        return _not3(result) if negated else result

    return in_


def _in_literals(operand: Evaluator, items: tuple, negated: bool) -> Evaluator:
    """``x in (literals)`` with one set per JSON type, so lookups stay strict and O(1)."""
    strings = frozenset(i.value for i in items if i.kind == "string")
    numbers = frozenset(i.value for i in items if i.kind in ("integer", "float") and i.value == i.value)
    has_nan = any(i.kind == "float" and i.value != i.value for i in items)
    booleans = frozenset(i.value for i in items if i.kind == "boolean")
    miss = None if any(i.kind == "null" for i in items) else False

    def in_(rec):
        v = operand(rec)
        t = type(v)
        if t is str:
            hit = v in strings
        elif t is int:
            hit = v in numbers
        elif t is float:
            hit = has_nan if v != v else v in numbers
        elif t is bool:
            hit = v in booleans
        elif v is None:
            return None
        else:
            hit = False
        result = True if hit else miss
        return _not3(result) if negated else result

    return in_


def _is_null(node: IsNull) -> Evaluator:
    inner = _compile(node.operand)
    if node.negated:
        return lambda rec: inner(rec) is not None
    return lambda rec: inner(rec) is None


def _like(node: Like) -> Evaluator:
    inner = _compile(node.operand)
    matches = like_matcher(node.pattern, node.escape, node.case_insensitive)
    negated = node.negated

    def like(rec):
        v = inner(rec)
        if type(v) is not str:
            return None
        try:
            return matches(v) is not negated
        except UnicodeEncodeError:  # lone surrogates cannot be matched by RE2 (or stored by SQL engines)
            return None

    return like


def _case(node: Case) -> Evaluator:
    whens = tuple((_compile(c), _compile(r)) for c, r in node.whens)
    default = _compile(node.default) if node.default is not None else (lambda rec: None)
    if node.operand is None:
        def case(rec):
            for cond, result in whens:
                if cond(rec) is True:
                    return result(rec)
            return default(rec)

        return case
    operand = _compile(node.operand)

    def simple_case(rec):
        v = operand(rec)
        for value, result in whens:
            if sql_equal(v, value(rec)) is True:
                return result(rec)
        return default(rec)

    return simple_case


def _call(node: Call) -> Evaluator:
    spec = FUNCTIONS.get(node.name)
    if spec is None:
        raise ValueError(f"unknown function {node.name!r}")
    literals = tuple(a.value if isinstance(a, Literal) else None for a in node.args)
    impl = spec.implementation(literals)
    args = tuple(_compile(a) for a in node.args)
    impl = _guard_encoding(impl) if spec.literal_args else impl
    if not spec.null_propagating:
        return lambda rec: impl(*[a(rec) for a in args])
    if len(args) == 1:
        (a0,) = args

        def call1(rec):
            v = a0(rec)
            return None if v is None else impl(v)

        return call1
    if len(args) == 2:
        a0, a1 = args

        def call2(rec):
            v0 = a0(rec)
            if v0 is None:
                return None
            v1 = a1(rec)
            return None if v1 is None else impl(v0, v1)

        return call2

    def calln(rec):
        values = [a(rec) for a in args]
        return None if any(v is None for v in values) else impl(*values)

    return calln


def _guard_encoding(impl: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(*values):
        try:
            return impl(*values)
        except UnicodeEncodeError:
            return None

    return guarded


_HANDLERS: dict[type, Callable[[Any], Evaluator]] = {
    Literal: _literal, Field: _field, Not: _not, Neg: _neg, Logical: _logical, Compare: _compare,
    Arith: _arith, Between: _between, InList: _in_list, IsNull: _is_null, Like: _like, Case: _case,
    Call: _call,
}
