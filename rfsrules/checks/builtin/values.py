"""Value checks: type, range, length, pattern, in, not_in, max_age (each present, non-null value is tested)."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ...plugins.hookspecs import hookimpl
from ...results import Reason
from ...units import DURATION_PATTERN, format_duration, parse_duration
from ..regex import check_pattern, class_table, compile_matcher
from ..spec import CheckSpec, CompileContext
from ..timeparse import as_utc, parse_timestamp
from ..types import (
    STRING_FORMATS, TYPE_NAMES, describe_value, format_list, format_number, json_type_name, strict_key,
    type_predicate,
)
from .common import bounds_problems

_NUMBER = {"type": "number"}
_DURATION = {"type": ["string", "number"], "pattern": DURATION_PATTERN, "minimum": 0}


def _not_a(kind: str, v: Any) -> tuple[Reason, str]:
    name, text = json_type_name(v), describe_value(v)
    return Reason.NOT_COMPARABLE, f"{text if text == name else f'{name} {text}'} is not {kind}"


# --- type ------------------------------------------------------------------------------------------

def _type_names(params: Mapping[str, Any]) -> list[str]:
    wanted = params.get("type")
    return [wanted] if isinstance(wanted, str) else list(wanted or [])


def validate_type(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Unknown type names (the schema's enum says so too, but this names the bad one)."""
    names = _type_names(params)
    if not names:
        return [("type", "give a type name or a non-empty list of them")]
    return [("type", f"unknown type {n!r}; expected one of {', '.join(TYPE_NAMES)}")
            for n in names if n not in TYPE_NAMES]


def build_type(rule, ctx: CompileContext):
    """Value test for ``type``: the value has one of the listed JSON types (or string formats)."""
    names = _type_names(rule.params)
    allow_nan = bool(rule.params.get("allow_nan", False))
    predicates = [type_predicate(n, allow_nan) for n in names]
    expected = " or ".join(names)
    show_strings = any(n in STRING_FORMATS for n in names)

    def fail(v):
        got = json_type_name(v)
        if show_strings and got == "string":
            got = f"string {describe_value(v)}"
        return Reason.WRONG_TYPE, f"expected {expected}, got {got}"

    fast = {"kind": "type", "names": tuple(names), "allow_nan": allow_nan}
    if names == ["string"]:
        def test_string(v):
            return None if type(v) is str else fail(v)
        test_string.fast = fast
        return test_string
    if names == ["integer"]:
        def test_integer(v):
            return None if type(v) is int else fail(v)
        test_integer.fast = fast
        return test_integer
    if len(predicates) == 1:
        predicate = predicates[0]

        def test_one(v):
            return None if predicate(v) else fail(v)
        test_one.fast = fast
        return test_one

    def test_any(v):
        for predicate in predicates:
            if predicate(v):
                return None
        return fail(v)
    test_any.fast = fast
    return test_any


# --- range -----------------------------------------------------------------------------------------

def validate_range(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """At least one bound; min not above max; not an empty exclusive range."""
    return bounds_problems(params, exclusive=True)


def build_range(rule, ctx: CompileContext):
    """Value test for ``range``: numbers (not booleans) within the bounds; NaN is always out of range."""
    p = rule.params
    lo, hi = p.get("min"), p.get("max")
    xlo, xhi = bool(p.get("exclusive_min", False)), bool(p.get("exclusive_max", False))
    if lo is None and hi is None:
        raise ValueError("range needs min or max")
    parts = []
    if lo is not None:
        parts.append(f"{'>' if xlo else '>='} {format_number(lo)}")
    if hi is not None:
        parts.append(f"{'<' if xhi else '<='} {format_number(hi)}")
    allowed = " and ".join(parts)

    def fail(v):
        if v != v:
            return Reason.OUT_OF_RANGE, f"value NaN is out of range (allowed: {allowed})"
        text = format_number(v)
        if lo is not None and (v < lo or (xlo and v == lo)):
            if xlo:
                return Reason.OUT_OF_RANGE, f"value {text} is not above the exclusive minimum {format_number(lo)}"
            return Reason.OUT_OF_RANGE, f"value {text} is below the minimum {format_number(lo)}"
        if xhi:
            return Reason.OUT_OF_RANGE, f"value {text} is not below the exclusive maximum {format_number(hi)}"
        return Reason.OUT_OF_RANGE, f"value {text} is above the maximum {format_number(hi)}"

    fast = {"kind": "range", "min": lo, "max": hi, "exclusive_min": xlo, "exclusive_max": xhi}
    if lo is not None and hi is not None and not xlo and not xhi:
        def test_between(v):
            t = type(v)
            if t is int or t is float:
                if lo <= v <= hi:
                    return None
                return fail(v)
            return _not_a("a number", v)
        test_between.fast = fast
        return test_between

    def test_bounds(v):
        t = type(v)
        if t is not int and t is not float:
            return _not_a("a number", v)
        if (lo is None or v > lo or (not xlo and v == lo)) and (hi is None or v < hi or (not xhi and v == hi)):
            return None
        return fail(v)
    test_bounds.fast = fast
    return test_bounds


# --- length ----------------------------------------------------------------------------------------

def validate_length(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """At least one bound, min not above max."""
    return bounds_problems(params)


def build_length(rule, ctx: CompileContext):
    """Value test for ``length``: code points of a string, elements of an array."""
    lo, hi = rule.params.get("min"), rule.params.get("max")
    if lo is None and hi is None:
        raise ValueError("length needs min or max")
    lo_n = -1 if lo is None else lo
    hi_n = math.inf if hi is None else hi

    def fail(v, n):
        what = describe_value(v, 40) if type(v) is str else "array"
        if n < lo_n:
            return Reason.TOO_SHORT, f"{what} has length {n}, below the minimum {lo}"
        return Reason.TOO_LONG, f"{what} has length {n}, above the maximum {hi}"

    def test(v):
        t = type(v)
        if t is str or t is list or t is tuple:
            n = len(v)
            if lo_n <= n <= hi_n:
                return None
            return fail(v, n)
        return _not_a("a string or an array", v)
    test.fast = {"kind": "length", "min": lo_n, "max": hi_n}
    return test


# --- pattern ---------------------------------------------------------------------------------------

def validate_pattern(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """The pattern must compile with RE2 (no backreferences or lookarounds)."""
    pattern = params.get("pattern")
    if not isinstance(pattern, str):
        return []
    reason = check_pattern(pattern)
    return [] if reason is None else [("pattern", f"invalid regular expression: {reason}")]


def build_pattern(rule, ctx: CompileContext):
    """Value test for ``pattern``: strings matching an RE2 pattern (search, or the whole string).

    Answers are remembered per class key (see :func:`rfsrules.checks.regex.class_table`: strings the
    pattern cannot tell apart share a key, so structured values such as ids hit the cache although
    each value is new) or, for patterns outside the analysed syntax, per exact value. The test carries
    ``fast`` (the key table, the cache lookup and the filling lookup) for the Python engine's inline code.
    """
    pattern = rule.params["pattern"]
    full = bool(rule.params.get("full_match", False))
    matches = compile_matcher(pattern, full)
    table = class_table(pattern)
    verb = "does not fully match" if full else "does not match"
    known: dict = {}

    def lookup(v: str) -> bool:
        """Whether ``v`` matches, through the cache (filled up to its size)."""
        if table is None:
            key = v
        else:
            try:
                key = v.encode().translate(table)
            except UnicodeEncodeError:  # lone surrogates: not valid UTF-8, no class key
                return matches(v)
        ok = known.get(key)
        if ok is None:
            ok = matches(v)
            if len(known) < _PATTERN_CACHE_SIZE and len(key) <= _PATTERN_KEY_MAX:
                known[key] = ok
        return ok

    def test(v):
        if type(v) is str:
            if lookup(v):
                return None
            return Reason.PATTERN_MISMATCH, f"{describe_value(v)} {verb} pattern {pattern}"
        return _not_a("a string", v)
    test.fast = {"kind": "pattern", "table": table, "get": known.get, "lookup": lookup}
    return test


_PATTERN_CACHE_SIZE = 16384
_PATTERN_KEY_MAX = 256


# --- in / not_in -----------------------------------------------------------------------------------

def validate_values(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """``values`` must list at least one value."""
    values = params.get("values")
    if isinstance(values, list) and not values:
        return [("values", "values must not be empty")]
    return []


def _value_sets(values: list[Any]) -> tuple[frozenset, frozenset]:
    strings = frozenset(v for v in values if type(v) is str)
    return strings, frozenset(strict_key(v) for v in values)


def build_in(rule, ctx: CompileContext):
    """Value test for ``in``: the value equals one of ``values`` (type-strict; 1 equals 1.0)."""
    values = list(rule.params["values"])
    strings, keys = _value_sets(values)
    listing = format_list(values)

    def test(v):
        if type(v) is str:
            if v in strings:
                return None
        elif strict_key(v) in keys:
            return None
        return Reason.NOT_IN_SET, f"{describe_value(v)} is not one of {listing}"
    test.fast = {"kind": "in", "strings": strings}
    return test


def build_not_in(rule, ctx: CompileContext):
    """Value test for ``not_in``: the value equals none of ``values`` (type-strict; 1 equals 1.0)."""
    values = list(rule.params["values"])
    strings, keys = _value_sets(values)
    listing = format_list(values)

    def fail(v):
        return Reason.FORBIDDEN_VALUE, f"{describe_value(v)} is one of the forbidden values {listing}"

    def test(v):
        if type(v) is str:
            return fail(v) if v in strings else None
        return fail(v) if strict_key(v) in keys else None
    test.fast = {"kind": "not_in", "strings": strings}
    return test


# --- max_age ---------------------------------------------------------------------------------------

def validate_max_age(params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Durations must parse."""
    problems = []
    for key in ("max_age", "max_future"):
        if params.get(key) is None:
            continue
        try:
            parse_duration(params[key])
        except ValueError as exc:
            problems.append((key, str(exc)))
    return problems


def _duration_text(seconds: float) -> str:
    """``3600`` -> ``1h``; fractional seconds stay exact (``0.5s``)."""
    return format_duration(seconds) if seconds == int(seconds) else f"{seconds:g}s"


def build_max_age(rule, ctx: CompileContext):
    """Value test for ``max_age``: timestamps no older than ``max_age`` before the reference time."""
    from datetime import timedelta

    ref = as_utc(ctx.ref_time)
    max_age = parse_duration(rule.params["max_age"])
    oldest = ref - timedelta(seconds=max_age)
    age_text = _duration_text(max_age)
    future = rule.params.get("max_future")
    max_future = None if future is None else parse_duration(future)
    newest = None if max_future is None else ref + timedelta(seconds=max_future)
    future_text = None if max_future is None else _duration_text(max_future)

    def shown(v):
        return v if type(v) is str and len(v) <= 40 else describe_value(v, 40)

    def test(v):
        moment = parse_timestamp(v)
        if moment is None:
            return Reason.INVALID_TIMESTAMP, f"{describe_value(v, 60)} is not a valid timestamp"
        if moment < oldest:
            age = format_duration(math.ceil((ref - moment).total_seconds()))
            return Reason.STALE, f"timestamp {shown(v)} is older than {age_text} (age {age})"
        if newest is not None and moment > newest:
            ahead = format_duration(math.ceil((moment - ref).total_seconds()))
            return Reason.IN_FUTURE, (f"timestamp {shown(v)} is {ahead} in the future "
                                      f"(more than {future_text})")
        return None
    test.fast = {"kind": "max_age", "oldest": oldest, "newest": newest}
    return test


# --- declarations ----------------------------------------------------------------------------------

_TYPE_NAME = {"type": "string", "enum": list(TYPE_NAMES)}

TYPE = CheckSpec(
    name="type",
    level="value",
    fields="many",
    summary="The value has the given JSON type (or one of a list of types).",
    description=(
        "Fails with reason `wrong_type` (message `expected integer, got string`) when a present, non-null "
        "value has another type. Types are taken **as written** in the data:\n\n"
        "- `string`, `boolean`, `object`, `array`: the JSON types.\n"
        "- `integer`: a whole number written without a fraction; `3.0` is a number but not an integer, "
        "`true` is not an integer, integers of any size (`10**30`) are integers.\n"
        "- `number`: an integer or a float, never a boolean; NaN (possible only from the Python API: "
        "JSON has no NaN and a CSV cell `NaN` stays a string) is not a number unless `allow_nan: true`.\n"
        "- `timestamp`: an ISO-8601 date-time string with a time of day (`2026-01-15T11:00:00Z`, "
        "offsets such as `+02:00`, a space instead of `T`, fractions of a second); without an offset it "
        "is UTC. Epoch numbers and date-only strings are not timestamps.\n"
        "- `date`: a `YYYY-MM-DD` string naming a real day (`2026-02-30` fails).\n"
        "- `uuid`: a canonical `8-4-4-4-12` hexadecimal string, either case.\n"
        "- `email`: a string with the practical (WHATWG) e-mail syntax and a dot in the domain.\n"
        "- `null`: only null; since null values are skipped by value checks, `type: [string, null]` "
        "reads as \"a string or null\".\n\n"
        "Missing and null values are not tested (see `required` and `not_null`)."
    ),
    params={
        "type": {
            "description": "A type name, or a list of them (the value may have any of them).",
            "oneOf": [_TYPE_NAME, {"type": "array", "items": _TYPE_NAME, "minItems": 1, "uniqueItems": True}],
        },
        "allow_nan": {
            "type": "boolean", "default": False,
            "description": "Accept NaN as a `number`.",
        },
    },
    required=("type",),
    default_severity="high",
    default_dimension="consistency",
    validate=validate_type,
    python=build_type,
    example="id: value-is-integer\ncheck: type\nfield: data.value\ntype: integer\n",
    failing_record={"data": {"value": "12"}},
)

RANGE = CheckSpec(
    name="range",
    level="value",
    fields="many",
    summary="A number lies between min and max (inclusive unless exclusive_min/exclusive_max).",
    description=(
        "Fails with reason `out_of_range` when a number is below `min` or above `max` (message "
        "`value 1500 is above the maximum 1000`); with `exclusive_min`/`exclusive_max` the bound itself "
        "is out of range too. Give `min`, `max` or both.\n\n"
        "Only integers and floats are compared; integers of any size compare exactly. A boolean, a "
        "string (even `\"12\"`), an object or an array fails with reason `not_comparable`. NaN is always "
        "out of range. Missing and null values are not tested."
    ),
    params={
        "min": {**_NUMBER, "description": "The smallest allowed value."},
        "max": {**_NUMBER, "description": "The largest allowed value."},
        "exclusive_min": {"type": "boolean", "default": False, "description": "`min` itself is not allowed."},
        "exclusive_max": {"type": "boolean", "default": False, "description": "`max` itself is not allowed."},
    },
    default_severity="medium",
    default_dimension="accuracy",
    validate=validate_range,
    python=build_range,
    example="id: value-range\ncheck: range\nfield: data.value\nmin: 1\nmax: 1000\n",
    failing_record={"data": {"value": 1500}},
)

LENGTH = CheckSpec(
    name="length",
    level="value",
    fields="many",
    summary="A string's or an array's length lies between min and max (inclusive).",
    description=(
        "Counts the characters (Unicode code points, so `\"héé\"` has length 3 and an emoji counts 1) "
        "of a string, or the elements of an array, and fails with reason `too_short` below `min` or "
        "`too_long` above `max`. Give `min`, `max` or both. Other types (numbers, booleans, objects) "
        "fail with reason `not_comparable`. Missing and null values are not tested."
    ),
    params={
        "min": {"type": "integer", "minimum": 0, "description": "The smallest allowed length."},
        "max": {"type": "integer", "minimum": 0, "description": "The largest allowed length."},
    },
    default_severity="medium",
    default_dimension="accuracy",
    validate=validate_length,
    python=build_length,
    example="id: name-length\ncheck: length\nfield: name\nmin: 1\nmax: 64\n",
    failing_record={"name": ""},
)

PATTERN = CheckSpec(
    name="pattern",
    level="value",
    fields="many",
    summary="A string matches a regular expression (RE2 syntax, search semantics).",
    description=(
        "Fails with reason `pattern_mismatch` when a string does not match `pattern`. Like JSON "
        "Schema's `pattern`, the expression is searched anywhere in the string: anchor it with `^` and "
        "`$` (or set `full_match: true`) to constrain the whole value.\n\n"
        "Patterns use [RE2](https://github.com/google/re2/wiki/Syntax), which matches in time linear in "
        "the input (a pattern such as `(a+)+$` cannot hang the run). RE2 has no backreferences and no "
        "lookaround; such patterns are reported by `rfsrules lint`. `\\d` matches ASCII digits only.\n\n"
        "Non-string values fail with reason `not_comparable`. Missing and null values are not tested."
    ),
    params={
        "pattern": {"type": "string", "description": "An RE2 regular expression."},
        "full_match": {
            "type": "boolean", "default": False,
            "description": "The whole string must match, as if the pattern were wrapped in `^(?:...)$`.",
        },
    },
    required=("pattern",),
    default_severity="medium",
    default_dimension="accuracy",
    validate=validate_pattern,
    python=build_pattern,
    example="id: user-id-format\ncheck: pattern\nfield: user_id\npattern: '^user_\\d+$'\n",
    failing_record={"user_id": "abc"},
)

_VALUES = {"type": "array", "minItems": 1, "description": "The values to compare with (any JSON values)."}

IN = CheckSpec(
    name="in",
    level="value",
    fields="many",
    summary="The value is one of a list of allowed values.",
    description=(
        "Fails with reason `not_in_set` when the value equals none of `values`. Equality is type-strict: "
        "`true` is not `1`, `\"1\"` is not `1` and `\"Active\"` is not `\"active\"`; numbers compare by "
        "value, so `1` equals `1.0`. Objects and arrays may be listed and compare by content. Missing "
        "and null values are not tested (null is not a value to list)."
    ),
    params={"values": _VALUES},
    required=("values",),
    default_severity="medium",
    default_dimension="accuracy",
    validate=validate_values,
    python=build_in,
    example="id: status-known\ncheck: in\nfield: data.status\nvalues: [active, inactive]\n",
    failing_record={"data": {"status": "pending"}},
)

NOT_IN = CheckSpec(
    name="not_in",
    level="value",
    fields="many",
    summary="The value is none of a list of forbidden values.",
    description=(
        "Fails with reason `forbidden_value` when the value equals one of `values`, with the same "
        "type-strict equality as `in` (`false` is not `0`; `0` equals `0.0`). Missing and null values "
        "are not tested."
    ),
    params={"values": {**_VALUES, "description": "The forbidden values (any JSON values)."}},
    required=("values",),
    default_severity="medium",
    default_dimension="accuracy",
    validate=validate_values,
    python=build_not_in,
    example="id: no-test-env\ncheck: not_in\nfield: env\nvalues: [test, staging]\n",
    failing_record={"env": "test"},
)

MAX_AGE = CheckSpec(
    name="max_age",
    level="value",
    fields="many",
    summary="A timestamp is no older than max_age (and at most max_future ahead) of the reference time.",
    description=(
        "Compares a timestamp with the run's reference time (`--ref-time`, default now). It fails "
        "with reason `stale` when the timestamp is **more than** `max_age` before the reference time "
        "(exactly `max_age` old passes), and with reason `in_future` when `max_future` is given and "
        "the timestamp is more than `max_future` after it. Without `max_future` future timestamps pass.\n\n"
        "The value is an ISO-8601 date-time string (as for `type: timestamp`; without an offset it is "
        "UTC) or a number of seconds since 1970-01-01T00:00:00Z. Anything else, including booleans and "
        "date-only strings, fails with reason `invalid_timestamp`. Missing and null values are not "
        "tested.\n\n"
        "Durations are written `30s`, `5m`, `1h`, `1h30m`, `2d`, `1w` (or a number of seconds)."
    ),
    params={
        "max_age": {**_DURATION, "description": "How old a timestamp may be, e.g. `1h`."},
        "max_future": {**_DURATION, "description": "How far ahead of the reference time a timestamp may be."},
    },
    required=("max_age",),
    default_severity="medium",
    default_dimension="timeliness",
    validate=validate_max_age,
    python=build_max_age,
    example="id: fresh-events\ncheck: max_age\nfield: timestamp\nmax_age: 1h\nmax_future: 5m\n",
    failing_record={"timestamp": "2026-01-15T09:00:00Z"},
)


@hookimpl
def rfsrules_register_checks() -> list[CheckSpec]:
    """The value checks."""
    return [TYPE, RANGE, LENGTH, PATTERN, IN, NOT_IN, MAX_AGE]
