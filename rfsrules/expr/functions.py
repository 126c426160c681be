"""The function table: every function an expression may call, with its Python and SQL (DuckDB) forms."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Callable, Mapping

import re2

_NUMBER_TYPES = (int, float)


@dataclass(frozen=True)
class FunctionSpec:
    """One callable function.

    :param name: lower-case name, as written in expressions (names are case-insensitive).
    :param min_args: fewest arguments.
    :param max_args: most arguments (None: any number).
    :param signature: how it is called, for the docs (``round(x [, digits])``).
    :param doc: one line saying what it returns.
    :param sql: DuckDB template; ``{0}``, ``{1}``, ... are the rendered arguments, ``{args}`` all of them.
    :param python: the implementation over evaluated arguments; returns a value or None (NULL).
    :param null_propagating: when True a NULL (or missing) argument gives NULL without calling ``python``.
    :param literal_args: argument positions that must be string literals (compiled once, e.g. patterns).
    :param prepare: ``prepare(literals) -> implementation`` for functions with ``literal_args``;
        ``literals`` holds the literal values by position (None elsewhere). Raises ValueError on a bad
        literal, which the parser reports as an ``ExprError`` at that argument.
    """

    name: str
    min_args: int
    max_args: int | None
    signature: str
    doc: str
    sql: str
    python: Callable[..., Any]
    null_propagating: bool = True
    literal_args: tuple[int, ...] = ()
    prepare: Callable[[tuple], Callable[..., Any]] | None = None

    def render_sql(self, args: list[str]) -> str:
        """The SQL text of a call whose arguments are already rendered."""
        if "{args}" in self.sql:
            return self.sql.replace("{args}", ", ".join(args))
        return self.sql.format(*args)

    def implementation(self, literals: tuple) -> Callable[..., Any]:
        """The Python implementation for a call with these literal arguments (see ``prepare``)."""
        return self.prepare(literals) if self.prepare is not None else self.python

    def arity_text(self) -> str:
        """``1``, ``1 or 2``, ``2``, ``1 or more`` — for messages and docs."""
        if self.max_args is None:
            return f"{self.min_args} or more"
        if self.max_args == self.min_args:
            return str(self.min_args)
        if self.max_args == self.min_args + 1:
            return f"{self.min_args} or {self.max_args}"
        return f"{self.min_args} to {self.max_args}"


def _length(value):
    if type(value) is str or type(value) is list:
        return len(value)
    return None


def _lower(value):
    return value.lower() if type(value) is str else None


def _upper(value):
    return value.upper() if type(value) is str else None


def _trim(value):
    return value.strip(" ") if type(value) is str else None


def _abs(value):
    return abs(value) if type(value) in _NUMBER_TYPES else None


def _floor(value):
    if type(value) is int:
        return value
    if type(value) is float:
        return float(math.floor(value)) if math.isfinite(value) else value
    return None


def _ceil(value):
    if type(value) is int:
        return value
    if type(value) is float:
        return float(math.ceil(value)) if math.isfinite(value) else value
    return None


def _half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to an integer, halves away from zero (denominator > 0)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def round_float(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` decimals (negative: tens, hundreds, ...), halves away from zero.

    Rounds the exact binary value of the double (so 2.675, stored as 2.67499999..., gives 2.67) and
    returns the nearest double to the rounded decimal.
    """
    if not math.isfinite(value):
        return value
    if digits > 1100:  # every double has fewer decimals than this: nothing to round
        return value
    if digits < -330:  # beyond the range of doubles: everything rounds to zero
        return 0.0
    num, den = value.as_integer_ratio()
    if digits >= 0:
        unit = 10 ** digits
        return _half_away(num * unit, den) / unit
    unit = 10 ** (-digits)
    try:
        return float(_half_away(num, den * unit) * unit)
    except OverflowError:  # rounded up past the largest double
        return math.copysign(math.inf, value)


def round_int(value: int, digits: int) -> int:
    """Round an integer to ``-digits`` decimal places (a no-op for ``digits >= 0``), halves away from zero."""
    if digits >= 0:
        return value
    if -digits > value.bit_length() * 0.302 + 2:  # 10**-digits > 2*|value|: rounds to zero
        return 0
    unit = 10 ** (-digits)
    quotient, remainder = divmod(abs(value), unit)
    if 2 * remainder >= unit:
        quotient += 1
    return quotient * unit if value >= 0 else -quotient * unit


def _round(value, digits=0):
    if type(digits) is not int:
        return None
    if type(value) is float:
        return round_float(value, digits)
    if type(value) is int:
        return round_int(value, digits)
    return None


def _coalesce(*values):
    for value in values:
        if value is not None:
            return value
    return None


def _starts_with(value, prefix):
    return value.startswith(prefix) if type(value) is str and type(prefix) is str else None


def _ends_with(value, suffix):
    return value.endswith(suffix) if type(value) is str and type(suffix) is str else None


def _contains(value, part):
    return part in value if type(value) is str and type(part) is str else None


def re2_options() -> "re2.Options":
    """RE2 options for expressions: no capturing groups, and no logging of rejected patterns to stderr."""
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    return options


def compile_regex(pattern: str):
    """Compile an RE2 pattern (search semantics); raises ValueError with RE2's reason."""
    try:
        return re2.compile(pattern, re2_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"invalid regular expression {pattern!r}: {reason}") from None


def _prepare_regexp(literals: tuple) -> Callable[..., Any]:
    search = compile_regex(literals[1]).search

    def regexp_matches(value, _pattern):
        return search(value) is not None if type(value) is str else None

    return regexp_matches


def _regexp_unprepared(value, pattern):  # used only when called without prepare (never by the compiler)
    if type(value) is not str or type(pattern) is not str:
        return None
    return compile_regex(pattern).search(value) is not None


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?"
)


def utc_date(value: Any) -> tuple[int, int, int] | None:
    """(year, month, day) in UTC of an ISO-8601 date or date-time string; None if it is not one.

    Accepted: ``YYYY-MM-DD``, optionally followed by ``T`` or a space, ``HH:MM[:SS[.fraction]]`` and an
    optional ``Z`` or ``±HH[:MM]`` offset. A date-time without an offset is UTC.
    """
    if type(value) is not str:
        return None
    m = _TIMESTAMP.fullmatch(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, offset = m.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        if offset and offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            moment = moment - sign * delta
    except (ValueError, OverflowError):
        return None
    return moment.year, moment.month, moment.day


def _year(value):
    parts = utc_date(value)
    return parts[0] if parts else None


def _month(value):
    parts = utc_date(value)
    return parts[1] if parts else None


def _day(value):
    parts = utc_date(value)
    return parts[2] if parts else None


_UTC_PART = "{part}(TRY_CAST({{0}} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"

_SPECS = [
    FunctionSpec("length", 1, 1, "length(value)", "Number of characters (code points) of a string, "
                 "or of elements of an array.", "length({0})", _length),
    FunctionSpec("lower", 1, 1, "lower(text)", "The string in lower case.", "lower({0})", _lower),
    FunctionSpec("upper", 1, 1, "upper(text)", "The string in upper case.", "upper({0})", _upper),
    FunctionSpec("trim", 1, 1, "trim(text)", "The string without leading and trailing spaces (U+0020 only).",
                 "trim({0})", _trim),
    FunctionSpec("abs", 1, 1, "abs(x)", "Absolute value of a number.", "abs({0})", _abs),
    FunctionSpec("floor", 1, 1, "floor(x)", "Largest whole number not greater than x.", "floor({0})", _floor),
    FunctionSpec("ceil", 1, 1, "ceil(x)", "Smallest whole number not less than x.", "ceil({0})", _ceil),
    FunctionSpec("round", 1, 2, "round(x [, digits])", "x rounded to `digits` decimals (default 0, "
                 "may be negative), halves away from zero.", "round({args})", _round),
    FunctionSpec("coalesce", 1, None, "coalesce(a, b, ...)", "The first argument that is not null "
                 "(or null).", "coalesce({args})", _coalesce, null_propagating=False),
    FunctionSpec("regexp_matches", 2, 2, "regexp_matches(text, 'pattern')", "True when the RE2 pattern "
                 "matches somewhere in the string (search, not full match).", "regexp_matches({0}, {1})",
                 _regexp_unprepared, literal_args=(1,), prepare=_prepare_regexp),
    FunctionSpec("starts_with", 2, 2, "starts_with(text, prefix)", "True when the string starts with prefix.",
                 "starts_with({0}, {1})", _starts_with),
    FunctionSpec("ends_with", 2, 2, "ends_with(text, suffix)", "True when the string ends with suffix.",
                 "ends_with({0}, {1})", _ends_with),
    FunctionSpec("contains", 2, 2, "contains(text, part)", "True when part occurs in the string.",
                 "contains({0}, {1})", _contains),
    FunctionSpec("year", 1, 1, "year(timestamp)", "Year (UTC) of an ISO-8601 date or date-time string.",
                 _UTC_PART.format(part="year"), _year),
    FunctionSpec("month", 1, 1, "month(timestamp)", "Month 1-12 (UTC) of an ISO-8601 date or date-time "
                 "string.", _UTC_PART.format(part="month"), _month),
    FunctionSpec("day", 1, 1, "day(timestamp)", "Day of the month 1-31 (UTC) of an ISO-8601 date or "
                 "date-time string.", _UTC_PART.format(part="day"), _day),
]

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
