"""The expression AST: small, frozen, engine-neutral dataclasses (sqlglot is only the parser)."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Iterator, Union

from ..errors import RfsrulesError
from ..paths import FieldPath

LITERAL_KINDS = ("null", "boolean", "integer", "float", "string")
LOGICAL_OPS = ("and", "or")
COMPARE_OPS = ("=", "!=", "<", "<=", ">", ">=")
ARITH_OPS = ("+", "-", "*", "/", "%")


class ExprError(RfsrulesError, ValueError):
    """An expression is invalid. ``message`` says why; ``offset`` is the 0-based character position."""

    def __init__(self, message: str, offset: int = 0):
        self.message = message
        self.offset = max(0, int(offset))
        super().__init__(f"{message} (at character {self.offset + 1})")

    def __reduce__(self):
        return (type(self), (self.message, self.offset))


class Expr:
    """Base class of every node. ``str(node)`` is the canonical expression text."""

    __slots__ = ()

    def children(self) -> tuple["Expr", ...]:
        """Direct sub-expressions, in the order they are written."""
        return ()

    def __str__(self) -> str:
        from .format import format_expression

        return format_expression(self)


@dataclass(frozen=True, eq=False)
class Literal(Expr):
    """A constant: ``kind`` is null, boolean, integer (any size), float or string.

    Equality compares kind and value, so ``Literal(True)`` differs from ``Literal(1)``.
    """

    value: Any
    kind: str

    def __post_init__(self):
        if self.kind not in LITERAL_KINDS:
            raise ValueError(f"unknown literal kind {self.kind!r}")

    @classmethod
    def of(cls, value: Any) -> "Literal":
        """The literal for a Python value (None, bool, int, float or str)."""
        if value is None:
            return cls(None, "null")
        kind = {bool: "boolean", int: "integer", float: "float", str: "string"}.get(type(value))
        if kind is None:
            raise TypeError(f"no literal for {type(value).__name__}")
        return cls(value, kind)

    def _key(self) -> tuple:
        if self.kind == "float" and self.value != self.value:
            return (self.kind, "nan")
        return (self.kind, self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Literal) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True)
class Field(Expr):
    """A reference to a record field, e.g. ``data.value`` or ``items[0].sku`` (0-based indexes).

    ``offset`` is the 0-based position of the reference in the parsed text (None when the node was
    built by hand); it locates problems such as an undeclared field and takes no part in equality.
    """

    path: FieldPath
    offset: int | None = dataclass_field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Not(Expr):
    """``not operand`` (three-valued)."""

    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Neg(Expr):
    """Unary minus ``-operand``."""

    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Logical(Expr):
    """``a and b and ...`` or ``a or b or ...`` (n-ary, at least two operands)."""

    op: str
    operands: tuple[Expr, ...]

    def __post_init__(self):
        if self.op not in LOGICAL_OPS or len(self.operands) < 2:
            raise ValueError(f"bad logical node {self.op!r} with {len(self.operands)} operands")

    def children(self):
        return self.operands


@dataclass(frozen=True)
class Compare(Expr):
    """A comparison; ``op`` is one of ``= != < <= > >=`` (``<>`` and ``==`` parse to ``!=`` and ``=``)."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self):
        if self.op not in COMPARE_OPS:
            raise ValueError(f"unknown comparison {self.op!r}")

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Arith(Expr):
    """Arithmetic; ``op`` is one of ``+ - * / %``."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self):
        if self.op not in ARITH_OPS:
            raise ValueError(f"unknown arithmetic operator {self.op!r}")

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Between(Expr):
    """``operand [not] between low and high`` (inclusive)."""

    operand: Expr
    low: Expr
    high: Expr
    negated: bool = False

    def children(self):
        return (self.operand, self.low, self.high)


@dataclass(frozen=True)
class InList(Expr):
    """``operand [not] in (item, ...)``."""

    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False

    def children(self):
        return (self.operand,) + self.items


@dataclass(frozen=True)
class IsNull(Expr):
    """``operand is [not] null`` (a missing field is null)."""

    operand: Expr
    negated: bool = False

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Like(Expr):
    """``operand [not] like|ilike 'pattern' [escape 'c']``; the pattern is always a string literal."""

    operand: Expr
    pattern: str
    escape: str | None = None
    negated: bool = False
    case_insensitive: bool = False

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Case(Expr):
    """``case [operand] when c then r ... [else d] end``; without ``else`` the default is null."""

    operand: Expr | None
    whens: tuple[tuple[Expr, Expr], ...]
    default: Expr | None = None

    def children(self):
        out: list[Expr] = [] if self.operand is None else [self.operand]
        for cond, result in self.whens:
            out += [cond, result]
        if self.default is not None:
            out.append(self.default)
        return tuple(out)


@dataclass(frozen=True)
class Call(Expr):
    """A call of a function from ``FUNCTIONS`` (``name`` is lower case)."""

    name: str
    args: tuple[Expr, ...]

    def children(self):
        return self.args


Node = Union[Literal, Field, Not, Neg, Logical, Compare, Arith, Between, InList, IsNull, Like, Case, Call]


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr`` in pre-order, children in the order they are written."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def depth(expr: Expr) -> int:
    """The nesting depth of ``expr`` (a literal or field has depth 1)."""
    best = 0
    stack = [(expr, 1)]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        stack.extend((child, d + 1) for child in node.children())
    return best


def field_refs(expr: Expr) -> list[FieldPath]:
    """The fields ``expr`` reads, in order of appearance, without duplicates."""
    seen: dict[str, FieldPath] = {}
    for node in walk(expr):
        if isinstance(node, Field) and node.path.text not in seen:
            seen[node.path.text] = node.path
    return list(seen.values())


def field_offsets(expr: Expr) -> dict[str, int | None]:
    """Path text of each field ``expr`` reads -> the 0-based offset of its first reference in the text."""
    seen: dict[str, int | None] = {}
    for node in walk(expr):
        if isinstance(node, Field):
            known = seen.get(node.path.text)
            if known is None or (node.offset is not None and node.offset < known):
                seen[node.path.text] = node.offset
    return seen


def function_names(expr: Expr) -> list[str]:
    """The functions ``expr`` calls, in order of appearance, without duplicates."""
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Call):
            seen.setdefault(node.name, None)
    return list(seen)
