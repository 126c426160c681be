"""Expressions (``check: expression``, ``where:``) for the DuckDB engine: typed SQL where it is exact, Python elsewhere.

The expression language is dynamically typed (``"12" = 12`` is false, ``"a" < 1`` is null), SQL is not.
So each field an expression reads gets an expected kind (number, string or boolean) inferred from how
it is used (compared with a string literal, added to a number, matched with ``like``, ...), and the
expression is rendered once through ``rfsrules.expr.to_sql`` with typed columns. A per-row *guard*
says whether every field has its expected kind (or is null/missing); where it holds, the SQL result is
exactly the Python result. Rows where it does not hold (a string where a number was expected, an
integer too long for a DOUBLE) are left undecided (NULL) and the engine evaluates them with
``rfsrules.expr.compile_python``, so results never depend on which path was taken. Expressions using
constructs without an exact SQL form (``case``, ``round``, ``lower``, ``year``, ...) are evaluated in
Python for every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..paths import FieldPath
from .duckdb_sql import EXACT_INT_DIGITS, RowModel

NUM, STR, BOOL, ANY = "num", "str", "bool", "any"

_LITERAL_KINDS = {"integer": NUM, "float": NUM, "string": STR, "boolean": BOOL, "null": None}

# Functions whose DuckDB rendering (rfsrules.expr.FUNCTIONS[name].sql) equals the Python implementation
# for arguments of these kinds: name -> (argument kinds, result kind). A kind of None: any literal.
SAFE_FUNCTIONS: Mapping[str, tuple[tuple, str]] = {
    "length": ((STR,), NUM),
    "trim": ((STR,), STR),
    "abs": ((NUM,), NUM),
    "floor": ((NUM,), NUM),
    "ceil": ((NUM,), NUM),
    "starts_with": ((STR, STR), BOOL),
    "ends_with": ((STR, STR), BOOL),
    "contains": ((STR, STR), BOOL),
    "regexp_matches": ((STR, STR), BOOL),
}

DECLARED_KINDS = {
    "integer": NUM, "number": NUM, "string": STR, "timestamp": STR, "date": STR, "uuid": STR,
    "email": STR, "boolean": BOOL,
}
"""How a ruleset's declared field type (``type:``) hints the kind of a field compared with another field."""


class NoFastPath(Exception):
    """The expression has no exact typed SQL form; every row is evaluated in Python."""


@dataclass(frozen=True)
class ExprSql:
    """``guard``: SQL true where ``truth`` is exact; ``truth``: the expression's SQL (three-valued boolean)."""

    guard: str
    truth: str


class _Kinds:
    """Union-find of field kinds: fields compared with each other share one kind.

    A field only tested with ``is null`` (or compared with the null literal) needs no kind; a field
    compared with another field takes the kind of that field, or the ruleset's declared type.
    """

    def __init__(self, hints: Mapping[str, str]):
        self.parent: dict[str, str] = {}
        self.kind: dict[str, str | None] = {}
        self.typed: set[str] = set()
        self.hints = hints
        self.ascii: set[str] = set()

    def find(self, name: str) -> str:
        self.parent.setdefault(name, name)
        self.kind.setdefault(name, None)
        while self.parent[name] != name:
            name = self.parent[name]
        return name

    def set(self, name: str, kind: str) -> None:
        root = self.find(name)
        have = self.kind[root]
        if have is None:
            self.kind[root] = kind
        elif have != kind:
            raise NoFastPath(f"field {name} is used as {have} and as {kind}")

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        self.typed.update((ra, rb))
        if ra == rb:
            return
        kb = self.kind[rb]
        self.parent[rb] = ra
        if rb in self.typed:
            self.typed.add(ra)
        if kb is not None:
            self.set(ra, kb)

    def resolve(self, name: str) -> str:
        root = self.find(name)
        kind = self.kind[root]
        if kind is not None:
            return kind
        members = [n for n in self.parent if self.find(n) == root]
        if not any(self.find(m) in self.typed or m in self.typed for m in members):
            return ANY
        hinted = {self.hints[n] for n in members if n in self.hints}
        if len(hinted) != 1:
            raise NoFastPath(f"the kind of field {name} cannot be inferred")
        kind = self.kind[root] = hinted.pop()
        return kind


def compile_expression(expr, model: RowModel, hints: Mapping[str, str] | None = None) -> ExprSql:
    """The typed SQL of ``expr`` and its guard; raises :class:`NoFastPath` when there is none."""
    from ..expr import Field, to_sql

    kinds = _Kinds(dict(hints or {}))
    top = _infer(expr, kinds)
    if isinstance(top, tuple):  # a bare field: true only when it is the boolean true
        kinds.set(top[1], BOOL)
        top = BOOL
    fields: dict[str, FieldPath] = {}
    for node in _walk(expr):
        if isinstance(node, Field):
            if node.path.has_wildcard:
                raise NoFastPath("[*] paths are evaluated in Python")
            fields.setdefault(node.path.text, node.path)
    resolved = {name: kinds.resolve(name) for name in fields}
    guards = []
    columns: dict[str, str] = {}
    for name, path in fields.items():
        value = model.value(path)
        kind = resolved[name]
        if kind == NUM:
            columns[name] = value.number
            guards.append(f"({value.kind} IN (0, 1, 4) OR ({value.kind} = 3 AND strlen({value.elem}) <= "
                          f"{EXACT_INT_DIGITS}))")
        elif kind == STR:
            columns[name] = value.string
            guards.append(value.kind_in(0, 1, 5))
            if name in kinds.ascii:
                guards.append(f"({value.kind} <> 5 OR strlen({value.string}) = length({value.string}))")
        elif kind == BOOL:
            columns[name] = f"(CASE WHEN {value.kind} = 2 THEN {value.elem} = 'true' END)"
            guards.append(value.kind_in(0, 1, 2))
        else:
            columns[name] = f"(CASE WHEN {value.kind} >= 2 THEN {value.elem} END)"
    sql = to_sql(expr, column=lambda path: columns[path.text])
    truth = sql if top in (BOOL, None) else "FALSE"
    return ExprSql(" AND ".join(guards) or "TRUE", truth)


def _walk(expr):
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children())


def _infer(node, kinds: _Kinds) -> str | None:
    """The kind of ``node`` (None: the null literal), constraining the fields it reads."""
    from ..expr import (
        Arith, Between, Call, Case, Compare, Field, InList, IsNull, Like, Literal, Logical, Neg, Not,
    )

    if isinstance(node, Literal):
        return _LITERAL_KINDS[node.kind]
    if isinstance(node, Field):
        kinds.find(node.path.text)
        return ("field", node.path.text)  # type: ignore[return-value]
    if isinstance(node, (Not,)):
        _expect(node.operand, BOOL, kinds)
        return BOOL
    if isinstance(node, Logical):
        for operand in node.operands:
            _expect(operand, BOOL, kinds)
        return BOOL
    if isinstance(node, Neg):
        _expect(node.operand, NUM, kinds)
        return NUM
    if isinstance(node, Arith):
        _expect(node.left, NUM, kinds)
        _expect(node.right, NUM, kinds)
        return NUM
    if isinstance(node, Compare):
        _same(node.left, node.right, kinds)
        return BOOL
    if isinstance(node, Between):
        _same(node.operand, node.low, kinds)
        _same(node.operand, node.high, kinds)
        return BOOL
    if isinstance(node, InList):
        if not all(isinstance(item, Literal) for item in node.items):
            raise NoFastPath("in-lists of expressions are evaluated in Python")
        item_kinds = {_LITERAL_KINDS[item.kind] for item in node.items} - {None}
        if len(item_kinds) > 1:
            raise NoFastPath("in-lists mixing types are evaluated in Python")
        if item_kinds:
            _expect(node.operand, item_kinds.pop(), kinds)
        else:
            _infer_any(node.operand, kinds)
        return BOOL
    if isinstance(node, IsNull):
        _infer_any(node.operand, kinds)
        return BOOL
    if isinstance(node, Like):
        _expect(node.operand, STR, kinds)
        if node.case_insensitive or "_" in node.pattern or node.escape is not None:
            if not isinstance(node.operand, Field):
                raise NoFastPath("like with '_', escape or ilike on an expression is evaluated in Python")
            kinds.ascii.add(node.operand.path.text)
        return BOOL
    if isinstance(node, Call):
        signature = SAFE_FUNCTIONS.get(node.name)
        if signature is None:
            raise NoFastPath(f"function {node.name} is evaluated in Python")
        arg_kinds, result = signature
        if len(node.args) != len(arg_kinds):
            raise NoFastPath(f"function {node.name} with {len(node.args)} arguments")
        for arg, kind in zip(node.args, arg_kinds):
            _expect(arg, kind, kinds)
        return result
    if isinstance(node, Case):
        raise NoFastPath("case expressions are evaluated in Python")
    raise NoFastPath(f"{type(node).__name__} nodes are evaluated in Python")


def _kind_of(node, kinds: _Kinds):
    return _infer(node, kinds)


def _expect(node, kind: str, kinds: _Kinds) -> None:
    got = _kind_of(node, kinds)
    if isinstance(got, tuple):
        kinds.set(got[1], kind)
    elif got is not None and got != kind:
        raise NoFastPath(f"a {got} where a {kind} is expected")


def _infer_any(node, kinds: _Kinds) -> None:
    _kind_of(node, kinds)  # a field only tested for null needs no kind


def _same(left, right, kinds: _Kinds) -> None:
    a, b = _kind_of(left, kinds), _kind_of(right, kinds)
    if isinstance(a, tuple) and isinstance(b, tuple):
        kinds.union(a[1], b[1])
    elif isinstance(a, tuple):
        if b is not None:  # compared with the null literal: null whatever the kind
            kinds.set(a[1], b)
    elif isinstance(b, tuple):
        if a is not None:
            kinds.set(b[1], a)
    elif a is not None and b is not None and a != b:
        raise NoFastPath(f"comparing a {a} with a {b}")


def kind_hints(ruleset) -> dict[str, str]:
    """Field kinds declared by the ruleset (``fields:`` types and ``type`` rules), for field-to-field comparisons."""
    hints: dict[str, str] = {}
    declared: dict[str, set] = {}
    for spec in getattr(ruleset, "fields", ()):
        types = spec.attributes.get("type")
        if types is not None:
            declared.setdefault(spec.path.text, set()).update([types] if isinstance(types, str) else types)
    for rule in getattr(ruleset, "rules", ()):
        if rule.check == "type" and rule.enabled:
            types = rule.params.get("type")
            for path in rule.fields:
                declared.setdefault(path.text, set()).update([types] if isinstance(types, str) else types)
    for name, types in declared.items():
        mapped = {DECLARED_KINDS.get(t) for t in types}
        if len(mapped) == 1 and None not in mapped:
            hints[name] = mapped.pop()
    return hints
