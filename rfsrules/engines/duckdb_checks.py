"""The built-in checks compiled to DuckDB SQL: one builder per check name (``BUILDERS``).

A builder is ``build(rule, q: SqlContext) -> ValueSql | RowSql | KeySql | BatchSql`` (see
``rfsrules.engines.duckdb_sql``). Plugin checks provide the same callable as ``spec.engines["duckdb"]``.
SQL decides every case it can decide exactly and answers NULL for the rest (a timestamp in an unusual
ISO form, an integer too long for a DOUBLE, an embedded JSON Schema): the engine then runs the check's
Python implementation on those rows, so the counts equal the Python engine's.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, Callable, Mapping

from ..checks.timeparse import as_utc
from ..checks.types import EMAIL_PATTERN, UUID_PATTERN
from ..units import parse_duration
from .duckdb_sql import (
    KIND_ARRAY, KIND_BOOL, KIND_FLOAT, KIND_INT, KIND_OBJECT, KIND_STRING, BatchSql, KeySql, ListValues,
    RowSql, SqlContext, Value, ValueSql, json_text_of_string, sql_double, sql_string, sql_timestamp,
)

EPOCH_MIN, EPOCH_MAX = -62135596800.0, 253402300799.0
"""Epoch seconds of 0001-01-01 and 9999-12-31T23:59:59 (what ``datetime.fromtimestamp`` accepts)."""

TWO_53 = 2.0 ** 53


def _int(sql: str) -> str:
    return f"({sql})::INTEGER"


# --- presence --------------------------------------------------------------------------------------

def _presence(rule, q: SqlContext, fail_missing: bool, fail_null: bool) -> RowSql:
    parts = []
    for path in rule.fields:
        if path.has_wildcard:
            lv = q.values(path)
            conds = []
            if fail_missing:
                conds.append("{x} IS NULL")
            if fail_null:
                conds.append("{x} = 'null'")
            cond = " OR ".join(conds)
            parts.append(lv.count(lambda v, c=cond: "(" + c.format(x=v.elem) + ")"))
        else:
            v = q.value(path)
            if fail_missing and fail_null:
                parts.append(_int(f"{v.kind} <= 1"))
            elif fail_missing:
                parts.append(_int(f"{v.kind} = 0"))
            else:
                parts.append(_int(f"{v.kind} = 1"))
    bounded = not any(p.has_wildcard for p in rule.fields)
    return RowSql(" + ".join(parts) if parts else "0", len(rule.fields) if bounded else None)


def build_required(rule, q: SqlContext) -> RowSql:
    return _presence(rule, q, True, not rule.params.get("allow_null", False))


def build_not_null(rule, q: SqlContext) -> RowSql:
    return _presence(rule, q, False, True)


# --- type ------------------------------------------------------------------------------------------

def _type_predicate(name: str, v: Value, allow_nan: bool) -> str:
    """SQL: TRUE when ``v`` (present, not null) has type ``name``; NULL when only Python can tell."""
    if name == "string":
        return v.kind_in(KIND_STRING)
    if name == "integer":
        return v.kind_in(KIND_INT)
    if name == "number":
        base = v.kind_in(KIND_INT, KIND_FLOAT)
        return base if allow_nan else f"({base} AND {v.elem} <> 'NaN')"
    if name == "boolean":
        return v.kind_in(KIND_BOOL)
    if name == "object":
        return v.kind_in(KIND_OBJECT)
    if name == "array":
        return v.kind_in(KIND_ARRAY)
    if name == "null":
        return "FALSE"  # null values are never tested
    s = v.string
    if name == "timestamp":
        inner = f"CASE WHEN {v.timestamp} IS NOT NULL THEN TRUE WHEN length({s}) <= 10 THEN FALSE END"
    elif name == "date":
        inner = (f"CASE WHEN regexp_full_match({s}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN "
                 f"(CASE WHEN TRY_CAST({s} AS DATE) IS NOT NULL AND NOT starts_with({s}, '0000') THEN TRUE END) "
                 f"ELSE FALSE END")
    elif name == "uuid":
        inner = f"regexp_full_match({s}, {sql_string(UUID_PATTERN[1:-1])})"
    elif name == "email":
        inner = f"regexp_full_match({s}, {sql_string(EMAIL_PATTERN[1:-1])})"
    else:
        raise ValueError(f"unknown type {name!r}")
    return f"({v.kind_in(KIND_STRING)} AND ({inner}))"


def build_type(rule, q: SqlContext) -> ValueSql:
    wanted = rule.params.get("type")
    names = [wanted] if isinstance(wanted, str) else list(wanted or [])
    allow_nan = bool(rule.params.get("allow_nan", False))

    def decide(v: Value) -> str:
        preds = " OR ".join(_type_predicate(n, v, allow_nan) for n in names)
        return _int(f"NOT ({preds})")
    return ValueSql(decide)


# --- range / length / pattern ----------------------------------------------------------------------

def _bounds(x: str, lo: Any, hi: Any, xlo: bool = False, xhi: bool = False, literal=sql_double) -> str:
    """SQL: TRUE when ``x`` lies within the bounds."""
    conds = []
    if lo is not None:
        conds.append(f"{x} {'>' if xlo else '>='} {literal(lo)}")
    if hi is not None:
        conds.append(f"{x} {'<' if xhi else '<='} {literal(hi)}")
    return "(" + " AND ".join(conds) + ")" if conds else "TRUE"


def build_range(rule, q: SqlContext) -> ValueSql:
    p = rule.params
    lo, hi = p.get("min"), p.get("max")
    xlo, xhi = bool(p.get("exclusive_min", False)), bool(p.get("exclusive_max", False))
    if lo is None and hi is None:
        raise ValueError("range needs min or max")
    # bounds not exact as DOUBLE make values of that size undecided (Python compares exactly)
    risky = any(type(b) is int and abs(b) >= TWO_53 for b in (lo, hi))

    def decide(v: Value) -> str:
        n = v.number
        within = _bounds(n, lo, hi, xlo, xhi)
        undecided = f"({v.kind} = {KIND_INT} AND {v.big})"
        if risky:
            undecided += f" OR abs({n}) >= {TWO_53!r}"
        return (f"(CASE WHEN {v.kind} NOT IN ({KIND_INT}, {KIND_FLOAT}) THEN 1 WHEN {undecided} THEN NULL "
                f"WHEN isnan({n}) THEN 1 WHEN {within} THEN 0 ELSE 1 END)")
    return ValueSql(decide)


def build_length(rule, q: SqlContext) -> ValueSql:
    lo, hi = rule.params.get("min"), rule.params.get("max")
    if lo is None and hi is None:
        raise ValueError("length needs min or max")

    def literal(b):
        return str(int(b))

    def decide(v: Value) -> str:
        s_ok = _bounds(f"length({v.string})", lo, hi, literal=literal)
        a_ok = _bounds(f"json_array_length({v.elem})", lo, hi, literal=literal)
        return (f"(CASE {v.kind} WHEN {KIND_STRING} THEN (NOT {s_ok})::INTEGER "
                f"WHEN {KIND_ARRAY} THEN (NOT {a_ok})::INTEGER ELSE 1 END)")
    return ValueSql(decide)


def build_pattern(rule, q: SqlContext) -> ValueSql:
    pattern = rule.params["pattern"]
    fn = "regexp_full_match" if rule.params.get("full_match", False) else "regexp_matches"

    def decide(v: Value) -> str:
        return (f"(CASE WHEN {v.kind} = {KIND_STRING} THEN (NOT {fn}({v.string}, {sql_string(pattern)}))::INTEGER "
                f"ELSE 1 END)")
    return ValueSql(decide)


# --- in / not_in -----------------------------------------------------------------------------------

def _in_set(values: list, v: Value) -> str:
    """SQL: TRUE when ``v`` equals one of ``values`` (type-strict, 1 equals 1.0); NULL when only Python can tell."""
    strings = [x for x in values if type(x) is str]
    numbers = [x for x in values if type(x) in (int, float)]
    finite = [x for x in numbers if not (type(x) is float and math.isnan(x))]
    has_nan = len(finite) != len(numbers)
    booleans = [x for x in values if type(x) is bool]
    complex_ = any(isinstance(x, (dict, list, tuple)) for x in values)
    if strings:
        texts = [json_text_of_string(x) for x in strings]
        if all(t is not None for t in texts):
            str_in = f"{v.elem} IN ({', '.join(sql_string(t) for t in texts)})"
        else:
            str_in = f"{v.string} IN ({', '.join(sql_string(x) for x in strings)})"
    else:
        str_in = "FALSE"
    n = v.number
    num_in = f"{n} IN ({', '.join(sql_double(x) for x in finite)})" if finite else "FALSE"
    undecided = f"({v.kind} = {KIND_INT} AND {v.big})"
    if any(type(x) is int and abs(x) >= TWO_53 for x in finite):
        undecided += f" OR abs({n}) >= {TWO_53!r}"
    num_case = (f"(CASE WHEN {undecided} THEN NULL WHEN isnan({n}) THEN {'TRUE' if has_nan else 'FALSE'} "
                f"ELSE {num_in} END)")
    bool_in = (f"{v.elem} IN ({', '.join(sql_string('true' if b else 'false') for b in booleans)})"
               if booleans else "FALSE")
    other = "NULL" if complex_ else "FALSE"
    return (f"(CASE {v.kind} WHEN {KIND_STRING} THEN {str_in} WHEN {KIND_INT} THEN {num_case} "
            f"WHEN {KIND_FLOAT} THEN {num_case} WHEN {KIND_BOOL} THEN {bool_in} ELSE {other} END)")


def build_in(rule, q: SqlContext) -> ValueSql:
    values = list(rule.params["values"])
    return ValueSql(lambda v: _int(f"NOT {_in_set(values, v)}"))


def build_not_in(rule, q: SqlContext) -> ValueSql:
    values = list(rule.params["values"])
    return ValueSql(lambda v: _int(_in_set(values, v)))


# --- max_age ---------------------------------------------------------------------------------------

def build_max_age(rule, q: SqlContext) -> ValueSql:
    ref = as_utc(q.ref_time)
    oldest = ref - timedelta(seconds=parse_duration(rule.params["max_age"]))
    future = rule.params.get("max_future")
    newest = None if future is None else ref + timedelta(seconds=parse_duration(future))
    old_s = oldest.timestamp()
    new_s = None if newest is None else newest.timestamp()

    def decide(v: Value) -> str:
        s, n, ts = v.string, v.number, v.timestamp
        if newest is None:
            ts_fail = f"({ts} < {sql_timestamp(oldest)})"
            num_fail = f"({n} < {old_s!r})"
            near = f"abs({n} - {old_s!r}) < 1e-6"
        else:
            ts_fail = f"(NOT ({ts} BETWEEN {sql_timestamp(oldest)} AND {sql_timestamp(newest)}))"
            num_fail = f"(NOT ({n} BETWEEN {old_s!r} AND {new_s!r}))"
            near = f"abs({n} - {old_s!r}) < 1e-6 OR abs({n} - {new_s!r}) < 1e-6"
        string_case = f"(CASE WHEN {ts} IS NOT NULL THEN {ts_fail}::INTEGER WHEN length({s}) <= 10 THEN 1 END)"
        number_case = (f"(CASE WHEN NOT isfinite({n}) OR {n} < {EPOCH_MIN!r} - 1 OR {n} > {EPOCH_MAX!r} + 1 THEN 1 "
                       f"WHEN {n} < {EPOCH_MIN!r} + 1 OR {n} > {EPOCH_MAX!r} - 1 OR {near} THEN NULL "
                       f"ELSE {num_fail}::INTEGER END)")
        return (f"(CASE {v.kind} WHEN {KIND_STRING} THEN {string_case} WHEN {KIND_INT} THEN {number_case} "
                f"WHEN {KIND_FLOAT} THEN {number_case} ELSE 1 END)")
    return ValueSql(decide)


# --- unique / keys ---------------------------------------------------------------------------------

def key_sql(v: Value) -> str:
    """A type-strict key of a value as text (NULL for missing and null): equal keys for equal JSON values.

    Strings keep their (canonical, re-serialised) JSON text, so ``"1"`` and ``1`` differ; integral floats
    take the text of the integer, so ``1.0`` equals ``1``. Objects and arrays compare by their minified
    text (key order matters, unlike the Python engine; see docs/engines.md).
    """
    n = v.number
    float_key = (f"(CASE WHEN isfinite({n}) AND {n} = trunc({n}) AND abs({n}) < 1.7e38 "
                 f"THEN CAST({n} AS HUGEINT)::VARCHAR ELSE {v.elem} END)")
    return f"(CASE {v.kind} WHEN 0 THEN NULL WHEN 1 THEN NULL WHEN {KIND_FLOAT} THEN {float_key} ELSE {v.elem} END)"


def _keys(rule, q: SqlContext) -> KeySql:
    fields = rule.fields
    if not fields:
        raise ValueError(f"{rule.check} needs at least one field")
    if len(fields) == 1 and fields[0].has_wildcard:
        lv: ListValues = q.values(fields[0])
        return KeySql([lv.map(key_sql)], wildcard=True)
    if any(f.has_wildcard for f in fields):
        raise ValueError("a composite key cannot use [*] paths; give one [*] path alone")
    values = [q.value(f) for f in fields]
    return KeySql([key_sql(v) for v in values], floats=" OR ".join(f"{v.kind} = {KIND_FLOAT}" for v in values))


def build_unique(rule, q: SqlContext) -> KeySql:
    return _keys(rule, q)


def composite_key(parts: list[str]) -> str:
    """One SQL key for several parts: the part itself, or a list of the parts (NULL if any part is NULL)."""
    if len(parts) == 1:
        return parts[0]
    nulls = " OR ".join(f"{p} IS NULL" for p in parts)
    return f"(CASE WHEN {nulls} THEN NULL ELSE [{', '.join(parts)}] END)"


# --- json_schema / expression ----------------------------------------------------------------------

def build_json_schema(rule, q: SqlContext) -> RowSql:
    """JSON Schema validation runs in Python (jsonschema); SQL only skips records whose field is absent."""
    if not rule.fields:
        return RowSql("NULL::INTEGER", 1)
    path = rule.fields[0]
    if path.has_wildcard:
        lv = q.values(path)
        return RowSql(f"(CASE WHEN {lv.count(lambda v: f'{v.kind} >= 2')} = 0 THEN 0 END)")
    v = q.value(path)
    return RowSql(f"(CASE WHEN {v.kind} <= 1 THEN 0 END)", 1)


def build_expression(rule, q: SqlContext) -> RowSql:
    from ..expr import parse_expression
    from .duckdb_expr import NoFastPath, compile_expression

    tree = parse_expression(rule.params["expr"])
    try:
        compiled = compile_expression(tree, q.model, q.options.get("kind_hints"))
    except NoFastPath:
        return RowSql("NULL::INTEGER", 1)
    return RowSql(f"(CASE WHEN {compiled.guard} THEN (CASE WHEN {compiled.truth} THEN 0 ELSE 1 END) END)", 1)


# --- batch -----------------------------------------------------------------------------------------

def _python_impl(rule, q: SqlContext):
    from ..checks.spec import CompileContext

    factory = q.options["python_factory"](rule.check)
    return factory(rule, CompileContext(ref_time=q.ref_time))


def build_row_count(rule, q: SqlContext) -> BatchSql:
    acc = _python_impl(rule, q)
    return BatchSql({}, {"n": "count(*)"}, lambda values, checked: acc.finish(int(values["n"] or 0)))


def build_null_rate(rule, q: SqlContext) -> BatchSql:
    path = rule.fields[0]
    missing_as_null = bool(rule.params.get("missing_as_null", True))
    if path.has_wildcard:
        lv = q.values(path)
        cond = "{x} = 'null' OR {x} IS NULL" if missing_as_null else "{x} = 'null'"
        nulls = lv.count(lambda v: "(" + cond.format(x=v.elem) + ")")
        seen = f"len({lv.list})"
    else:
        v = q.value(path)
        nulls = _int(f"{v.kind} <= 1" if missing_as_null else f"{v.kind} = 1")
        seen = "1"
    acc = _python_impl(rule, q)

    def finish(values: Mapping[str, Any], checked: int):
        acc.nulls, acc.seen = int(values["nulls"] or 0), int(values["seen"] or 0)
        return acc.finish(checked)
    return BatchSql({"nulls": nulls, "seen": seen},
                    {"nulls": "sum({nulls})", "seen": "sum({seen})"}, finish)


def build_duplicate_rate(rule, q: SqlContext) -> BatchSql:
    keys = _keys(rule, q)
    key = keys.parts[0] if keys.wildcard else composite_key(keys.parts)
    acc = _python_impl(rule, q)

    def finish(values: Mapping[str, Any], checked: int):
        acc.seen = int(values["seen"] or 0)
        acc.keys = range(int(values["distinct"] or 0))  # only its size is read
        return acc.finish(checked)
    return BatchSql({"key": key}, {"seen": "count({key})", "distinct": "count(DISTINCT {key})"}, finish,
                    unnest=keys.wildcard)


def build_statistic(rule, q: SqlContext) -> BatchSql:
    path = rule.fields[0]
    acc = _python_impl(rule, q)

    def x_of(v: Value) -> str:
        return f"(CASE WHEN {v.kind} IN ({KIND_INT}, {KIND_FLOAT}) AND isfinite({v.number}) THEN {v.number} END)"

    def i_of(v: Value) -> str:
        return f"(CASE WHEN {v.kind} = {KIND_INT} THEN TRY_CAST({v.elem} AS HUGEINT) END)"

    def f_of(v: Value) -> str:
        return f"(CASE WHEN {v.kind} = {KIND_FLOAT} AND isfinite({v.number}) THEN 1 ELSE 0 END)"

    if path.has_wildcard:
        lv = q.values(path)
        columns = {"x": lv.map(x_of), "i": lv.map(i_of), "f": lv.map(f_of), "t": lv.map(lambda v: v.elem)}
    else:
        v = q.value(path)
        columns = {"x": x_of(v), "i": i_of(v), "f": f_of(v), "t": v.elem}
    aggregates = {
        "count": "count({x})", "mean": "avg({x})", "var": "var_samp({x})",
        "low": "arg_min({t}, {x})", "high": "arg_max({t}, {x})",
        "isum": "sum({i}) FILTER (WHERE {x} IS NOT NULL)", "fsum": "sum({x})", "floats": "sum({f})",
    }

    def finish(values: Mapping[str, Any], checked: int):
        import json

        count = int(values["count"] or 0)
        acc.count = count
        if count:
            acc.mean = float(values["mean"])
            acc.m2 = float(values["var"]) * (count - 1) if values["var"] is not None else 0.0
            acc.low = json.loads(values["low"])
            acc.high = json.loads(values["high"])
            acc.total = float(values["fsum"]) if values["floats"] else int(values["isum"] or 0)
        return acc.finish(checked)
    return BatchSql(columns, aggregates, finish, unnest=path.has_wildcard)


BUILDERS: Mapping[str, Callable[..., Any]] = {
    "required": build_required,
    "not_null": build_not_null,
    "type": build_type,
    "range": build_range,
    "length": build_length,
    "pattern": build_pattern,
    "in": build_in,
    "not_in": build_not_in,
    "max_age": build_max_age,
    "unique": build_unique,
    "json_schema": build_json_schema,
    "expression": build_expression,
    "row_count": build_row_count,
    "null_rate": build_null_rate,
    "duplicate_rate": build_duplicate_rate,
    "statistic": build_statistic,
}
"""Built-in check name -> DuckDB builder (the dispatch table; a new engine fills in its own)."""
