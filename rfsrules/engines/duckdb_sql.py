"""SQL building blocks of the DuckDB engine: JSON paths, literals, typed views of values and the per-row model.

Every record reaches SQL as its JSON text (a raw JSON Lines line, or a record serialised by rfsrules).
One ``json_extract(j, [paths])`` call per row pulls out, as JSON text, every field the rules read;
a value's *kind* is then read from its first character, so types are exactly as written: ``12`` is an
integer, ``"12"`` a string, ``3.0`` a float, ``true`` a boolean; a missing field is SQL NULL and a
JSON null is the text ``null``. Check builders (``rfsrules.engines.duckdb_checks``) turn rules into
SQL over these :class:`Value` views; :class:`RowModel` lays the projections out in layers so that
each extraction and each derived column is computed once per row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from ..paths import WILDCARD, FieldPath

KIND_MISSING, KIND_NULL, KIND_BOOL, KIND_INT, KIND_FLOAT, KIND_STRING, KIND_ARRAY, KIND_OBJECT = range(8)
"""Kind codes of a value, as stored in ``k<n>`` columns."""

KIND_NAMES = ("missing", "null", "boolean", "integer", "float", "string", "array", "object")

EXACT_INT_DIGITS = 15
"""Integers with at most this many characters (sign included) are exact as DOUBLE."""

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- literals and paths ----------------------------------------------------------------------------

def sql_string(text: str) -> str:
    """A SQL string literal (single quotes doubled); NUL characters are written with ``chr(0)``."""
    if "\x00" in text:
        return "(" + " || chr(0) || ".join("'" + part.replace("'", "''") + "'" for part in text.split("\x00")) + ")"
    return "'" + text.replace("'", "''") + "'"


def sql_number(value: int | float) -> str:
    """A numeric literal typed DOUBLE (or HUGEINT/DOUBLE text for big integers), never DECIMAL."""
    if type(value) is bool:
        raise TypeError("booleans are not numbers")
    if type(value) is int:
        if abs(value) < 2**63:
            return f"{value}::BIGINT" if value < 0 else str(value)
        return f"CAST('{value:.17g}' AS DOUBLE)" if abs(value) > 1.7e38 else f"CAST('{value}' AS HUGEINT)"
    if math.isnan(value):
        return "CAST('NaN' AS DOUBLE)"
    if math.isinf(value):
        return "CAST('Infinity' AS DOUBLE)" if value > 0 else "CAST('-Infinity' AS DOUBLE)"
    return f"CAST('{value!r}' AS DOUBLE)"


def sql_double(value: int | float) -> str:
    """A DOUBLE literal for a bound compared with DOUBLE values."""
    if type(value) is int:
        return f"CAST('{value}' AS DOUBLE)" if abs(value) >= 2**53 else f"{value}::DOUBLE"
    return sql_number(float(value))


def sql_timestamp(moment: datetime) -> str:
    """A TIMESTAMP literal of the UTC time of ``moment`` (microsecond precision; naive means UTC), the type
    of :attr:`Value.timestamp`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"


def json_path(segments: tuple) -> str:
    """The DuckDB JSONPath of plain path segments: ``('data', 'value')`` -> ``$.data.value``."""
    out = ["$"]
    for seg in segments:
        if seg is WILDCARD:
            raise ValueError("wildcards are expanded by RowModel, not by JSONPath")
        if type(seg) is int:
            out.append(f"[{seg}]" if seg >= 0 else f"[#{seg}]")
        elif _PLAIN_KEY.fullmatch(seg):
            out.append("." + seg)
        else:
            out.append('."' + seg.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "".join(out)


def json_text_of_string(text: str) -> str | None:
    """How DuckDB serialises a plain string value (``"abc"``), or None when escapes could differ."""
    if any(c in text for c in '"\\') or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return None
    return '"' + text + '"'


# --- typed views of one value ----------------------------------------------------------------------

def kind_sql(elem: str) -> str:
    """The kind code of a JSON text (NULL = missing), read from its first character."""
    # ascii(NULL) is NULL: a missing value falls through to the ELSE branch, which is NULL too -> 0
    return (
        f"coalesce(CASE ascii({elem}) WHEN 34 THEN 5 WHEN 110 THEN 1 "
        f"WHEN 123 THEN 7 WHEN 91 THEN 6 WHEN 116 THEN 2 WHEN 102 THEN 2 WHEN 78 THEN 4 WHEN 73 THEN 4 "
        f"ELSE (CASE WHEN contains({elem}, '.') OR contains({elem}, 'e') OR contains({elem}, 'E') "
        f"OR contains({elem}, 'I') THEN 4 WHEN {elem} IS NOT NULL THEN 3 END) END, 0)::UTINYINT"
    )


def string_sql(elem: str) -> str:
    """The decoded string of a JSON string text (valid only where the kind is string). Without escapes it is the
    text between the quotes (``substr`` counts code points, as ``length`` does; a slice ``[2:-2]`` costs more)."""
    return (f"(CASE WHEN contains({elem}, '\\') THEN json_extract_string({elem}, '$') "
            f"ELSE substr({elem}, 2, length({elem}) - 2) END)")


def number_sql(elem: str) -> str:
    """The DOUBLE value of a JSON number text (NULL for other texts)."""
    return f"TRY_CAST({elem} AS DOUBLE)"


_FAST_DATE_TIME = (
    r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-[0-9]{2}-[0-9]{2}[T ]"
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
)
FAST_TIMESTAMP_UTC = _FAST_DATE_TIME + "Z?"
"""The fast ISO form without an offset (naive, read as UTC, or ``Z``): DuckDB's TIMESTAMP cast reads it
exactly as ``datetime.fromisoformat`` does, and cheaper than a TIMESTAMPTZ cast."""
FAST_TIMESTAMP_OFFSET = _FAST_DATE_TIME + r"[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]"
"""The fast ISO form with a ``±HH:MM`` offset, read by DuckDB's TIMESTAMPTZ cast; other strings go to Python."""


def timestamp_sql(string: str) -> str:
    """TIMESTAMP (UTC) of a string in a fast ISO form (NULL for any other string; Python decides those)."""
    return (f"(CASE WHEN regexp_full_match({string}, {sql_string(FAST_TIMESTAMP_UTC)}) "
            f"THEN TRY_CAST({string} AS TIMESTAMP) "
            f"WHEN regexp_full_match({string}, {sql_string(FAST_TIMESTAMP_OFFSET)}) "
            f"THEN TRY_CAST({string} AS TIMESTAMPTZ)::TIMESTAMP END)")


class Value:
    """SQL views of one JSON value: ``elem`` (its JSON text, NULL when missing), ``kind``, ``string``,
    ``number`` (DOUBLE), ``big`` (an integer too long to be exact as DOUBLE) and ``present``.

    Values of top-level paths are backed by projected columns computed once per row; values inside
    ``[*]`` lists are inline expressions over a lambda variable.
    """

    def __init__(self, elem: str, *, columns: "_Columns | None" = None):
        self.elem = elem
        self._columns = columns

    @property
    def kind(self) -> str:
        return self._columns.use("k") if self._columns else kind_sql(self.elem)

    @property
    def string(self) -> str:
        return self._columns.use("s") if self._columns else string_sql(self.elem)

    @property
    def number(self) -> str:
        return self._columns.use("n") if self._columns else number_sql(self.elem)

    @property
    def timestamp(self) -> str:
        """TIMESTAMP (the UTC time) of a string in the fast ISO form; NULL otherwise (for strings: Python
        decides). Compare it with :func:`sql_timestamp` literals (the session time zone is UTC)."""
        if self._columns:
            return self._columns.use("t")
        return f"(CASE WHEN {self.kind} = 5 THEN {timestamp_sql(self.string)} END)"

    @property
    def big(self) -> str:
        return f"(strlen({self.elem}) > {EXACT_INT_DIGITS})"

    @property
    def present(self) -> str:
        """TRUE for a present, non-null value."""
        return f"({self.kind} >= 2)"

    def kind_in(self, *kinds: int) -> str:
        if len(kinds) == 1:
            return f"({self.kind} = {kinds[0]})"
        return f"({self.kind} IN ({', '.join(str(k) for k in kinds)}))"


@dataclass
class _Columns:
    """The derived columns of one top-level path: ``k<n>``, ``s<n>``, ``n<n>`` (created on first use)."""

    index: int
    elem: str
    used: set = field(default_factory=set)

    def use(self, part: str) -> str:
        self.used.add(part)
        self.used.add("k")
        if part == "t":
            self.used.add("s")
        return f"{part}{self.index}"

    def definitions(self) -> list[list[str]]:
        """Column definitions in dependency layers: kinds, then strings and numbers, then timestamps."""
        i = self.index
        layers: list[list[str]] = [[], [], []]
        if "k" in self.used:
            layers[0].append(f"{kind_sql(self.elem)} AS k{i}")
        if "s" in self.used:
            layers[1].append(f"(CASE WHEN k{i} = 5 THEN {string_sql(self.elem)} END) AS s{i}")
        if "n" in self.used:
            layers[1].append(f"(CASE WHEN k{i} IN (3, 4) THEN {number_sql(self.elem)} END) AS n{i}")
        if "t" in self.used:
            layers[2].append(f"(CASE WHEN k{i} = 5 THEN {timestamp_sql(f's{i}')} END) AS t{i}")
        return layers


class ListValues:
    """The values a ``[*]`` path reaches in one row, as a SQL list of JSON texts in Python's order.

    Entries are NULL where Python's ``iter_values`` yields MISSING (an absent key, or an array that
    is not there), so presence checks count them and value checks skip them.
    """

    def __init__(self, list_sql: str, depth: int):
        self.list = list_sql
        self.depth = depth

    def count(self, predicate: Callable[[Value], str]) -> str:
        """SQL: how many entries satisfy ``predicate(value)`` (a SQL boolean; NULL counts as false)."""
        var = f"x{self.depth}"
        return f"len(list_filter({self.list}, lambda {var}: coalesce({predicate(Value(var))}, false)))"

    def any_null(self, predicate: Callable[[Value], str]) -> str:
        """SQL: TRUE when ``predicate`` is NULL (undecided) for some entry."""
        var = f"x{self.depth}"
        return f"(len(list_filter({self.list}, lambda {var}: ({predicate(Value(var))}) IS NULL)) > 0)"

    def map(self, fn: Callable[[Value], str]) -> str:
        """SQL: the list of ``fn(value)`` over the entries."""
        var = f"x{self.depth}"
        return f"list_transform({self.list}, lambda {var}: {fn(Value(var))})"


def _wildcard_list(root_elem: str, rest: tuple, depth: int) -> str:
    """SQL list of JSON texts reached from ``root_elem`` (the value before the first ``[*]``)."""
    var = f"w{depth}"
    plain: list = []
    for i, seg in enumerate(rest):
        if seg is WILDCARD:
            inner = _wildcard_list(var if not plain else f"json_extract({var}, {sql_string(json_path(tuple(plain)))})",
                                   rest[i + 1:], depth + 1)
            body = f"flatten(list_transform(json_extract({root_elem}, '$[*]')::VARCHAR[], lambda {var}: {inner}))"
            return _array_guard(root_elem, body)
        plain.append(seg)
    if plain:
        leaf = f"json_extract({var}, {sql_string(json_path(tuple(plain)))})::VARCHAR"
    else:
        leaf = var
    body = f"list_transform(json_extract({root_elem}, '$[*]')::VARCHAR[], lambda {var}: {leaf})"
    return _array_guard(root_elem, body)


def _array_guard(elem: str, body: str) -> str:
    """Python yields one MISSING when the value is not an array: a one-NULL list."""
    return f"(CASE WHEN ascii({elem}) = 91 THEN {body} ELSE [NULL::VARCHAR] END)"


# --- the per-row model -----------------------------------------------------------------------------

class RowModel:
    """Which fields the rules read and how the per-row projections are laid out.

    ``value(path)`` gives a :class:`Value` for a plain path, ``values(path)`` a :class:`ListValues` for a
    ``[*]`` path. After the rules are compiled, :meth:`layers` renders the projections.
    """

    def __init__(self) -> None:
        self.paths: dict[tuple, int] = {}  # extraction list position (1-based) by segments
        self.columns: dict[int, _Columns] = {}

    def _extract(self, segments: tuple) -> int:
        index = self.paths.get(segments)
        if index is None:
            index = self.paths[segments] = len(self.paths) + 1
        return index

    def value(self, path: FieldPath) -> Value:
        """The value at a plain path (no ``[*]``)."""
        if path.has_wildcard:
            raise ValueError(f"path {path.text!r} has [*]; use values()")
        index = self._extract(tuple(path.segments))
        cols = self.columns.get(index)
        if cols is None:
            cols = self.columns[index] = _Columns(index, f"e{index}")
        return Value(f"e{index}", columns=cols)

    def values(self, path: FieldPath) -> ListValues:
        """The values at a ``[*]`` path, in the order of ``FieldPath.iter_values``."""
        segs = tuple(path.segments)
        first = segs.index(WILDCARD)
        root = self._extract(segs[:first]) if first else None
        root_elem = f"e{root}" if root is not None else "j"
        return ListValues(_wildcard_list(root_elem, segs[first + 1:], 1), 1)

    def extraction_sql(self, json_column: str = "j") -> str:
        """SQL: the list of JSON texts of every extracted path (one parse of the record)."""
        if not self.paths:
            return "[]::VARCHAR[]"
        paths = ", ".join(sql_string(json_path(segs)) if segs else "'$'" for segs in self.paths)
        return f"json_extract({json_column}, [{paths}])::VARCHAR[]"

    def element_columns(self) -> list[str]:
        """``e<n>`` columns taken from the extraction list ``ex``."""
        return [f"ex[{i}] AS e{i}" for i in self.paths.values()]

    def derived_layers(self) -> list[list[str]]:
        """Derived columns (kinds, strings, numbers, timestamps) in the layers they must be computed in."""
        out: list[list[str]] = [[], [], []]
        for cols in self.columns.values():
            for layer, defs in zip(out, cols.definitions()):
                layer += defs
        return [layer for layer in out if layer]


# --- what a compiled rule is -----------------------------------------------------------------------

@dataclass
class ValueSql:
    """A value-level check: ``decide(value)`` is SQL giving 0 (passes), 1 (fails) or NULL (let Python decide).

    The engine calls it only for present, non-null values, for each of the rule's fields (each
    element of a ``[*]`` path).
    """

    decide: Callable[[Value], str]


@dataclass
class RowSql:
    """A record-level check: ``failures`` is SQL giving the row's number of failures (NULL: let Python decide);
    ``max_failures`` bounds it when known (the engine then stores it in one byte)."""

    failures: str
    max_failures: int | None = None


@dataclass
class KeySql:
    """A uniqueness check: ``parts`` are SQL keys per field (NULL when missing/null); ``wildcard`` when the
    single part is a list of keys (one per ``[*]`` element). The first occurrence passes, later ones fail."""

    parts: list[str]
    wildcard: bool = False
    floats: str | None = None  # SQL: TRUE when a key part is a float (its key text is normalised)


@dataclass
class BatchSql:
    """A batch-level check.

    :param columns: per-row SQL values kept for the rule (name -> SQL).
    :param aggregates: aggregate SQL over the rows the rule checks (name -> SQL), with ``{column}``
        placeholders for its columns, e.g. ``sum({nulls})``.
    :param finish: ``finish(values, records_checked) -> list[CheckFailure]`` from the aggregate values.
    :param unnest: the columns are lists of equal length (one entry per ``[*]`` element), aggregated
        element by element.
    """

    columns: Mapping[str, str]
    aggregates: Mapping[str, str]
    finish: Callable[[Mapping[str, Any], int], list]
    unnest: bool = False


@dataclass
class SqlContext:
    """What a DuckDB check builder sees: the row model, the reference time and engine options."""

    model: RowModel
    ref_time: datetime
    options: Mapping[str, Any] = field(default_factory=dict)

    def value(self, path: FieldPath) -> Value:
        return self.model.value(path)

    def values(self, path: FieldPath) -> ListValues:
        return self.model.values(path)
