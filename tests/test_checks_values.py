"""Value checks: type, range, length, pattern, in, not_in, max_age."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks_support import REF_TIME, compile_check, lines, messages, reasons, run, validate

from rfsrules.checks.spec import CompileContext

NAN = float("nan")
HUGE = 10**30

# --- type --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name, passing, failing", [
    ("integer", [1, -7, 0, HUGE, -HUGE], [True, False, 3.0, 1.5, "12", [], {}, NAN]),
    ("number", [1, 1.5, 3.0, HUGE, float("inf")], [True, "1", NAN, [], {}]),
    ("boolean", [True, False], [0, 1, "true", []]),
    ("string", ["", "x", "é"], [1, True, [], {}]),
    ("object", [{}, {"k": 1}], [[], "x", 1]),
    ("array", [[], [1], (1, 2)], [{}, "x", 1]),
    ("timestamp", ["2026-01-15T11:00:00Z", "2026-01-15T11:00:00+02:00", "2026-01-15 11:00:00",
                   "2026-01-15T11:00:00.123456", datetime(2026, 1, 15, 11)],
     ["yesterday", "2026-01-15", 1768474800, "2026-01-15T25:00:00", True, "20260115"]),
    ("date", ["2026-01-15", "2024-02-29"], ["2026-02-30", "2025-02-29", 20260115, "2026-1-5",
                                           "2026-01-15T00:00:00", "٢٠٢٦-01-15"]),
    ("uuid", ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
     ["123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}", 42,
      "123e4567-e89b-12d3-a456-42661417400g"]),
    ("email", ["ana@example.com", "a.b+c@mail.example.co.kr"],
     ["ana@", "a b@example.com", "@example.com", "ana@localhost", "ana@@example.com", 5]),
    ("null", [], ["x", 0, False]),
])
def test_type_names(type_name, passing, failing):
    test = compile_check("type", "v", type=type_name)
    for value in passing:
        assert test(value) is None, value
    for value in failing:
        result = test(value)
        assert result is not None and str(result[0]) == "wrong_type", value


def test_type_messages():
    assert compile_check("type", "v", type="integer")("12") == ("wrong_type", "expected integer, got string")
    assert compile_check("type", "v", type="integer")(True) == ("wrong_type", "expected integer, got boolean")
    assert compile_check("type", "v", type="integer")(3.0) == ("wrong_type", "expected integer, got number")
    assert compile_check("type", "v", type="number")(NAN) == ("wrong_type", "expected number, got NaN")
    assert compile_check("type", "v", type=["string", "integer"])(5.5) == (
        "wrong_type", "expected string or integer, got number")
    assert compile_check("type", "v", type="date")("2026-02-30") == (
        "wrong_type", 'expected date, got string "2026-02-30"')


def test_type_allow_nan():
    assert compile_check("type", "v", type="number", allow_nan=True)(NAN) is None
    assert compile_check("type", "v", type="integer", allow_nan=True)(NAN) is not None


def test_type_union():
    got = run("type", [{"id": "a"}, {"id": 5}, {"id": 5.5}, {"id": [1]}, {"id": None}, {}], "id",
              type=["string", "integer"])
    assert lines(got) == [3, 4]


def test_type_validate():
    assert validate("type", type="integer") == []
    assert validate("type", type=["string", "float"]) == [
        ("type", "unknown type 'float'; expected one of string, integer, number, boolean, object, array, "
                 "timestamp, date, uuid, email, null")]
    assert validate("type", type=[]) == [("type", "give a type name or a non-empty list of them")]


@given(st.integers())
def test_any_int_is_integer_and_number(value):
    assert compile_check("type", "v", type="integer")(value) is None
    assert compile_check("type", "v", type="number")(value) is None


@given(st.floats())
def test_no_float_is_integer(value):
    assert compile_check("type", "v", type="integer")(value) is not None
    assert (compile_check("type", "v", type="number")(value) is None) == (not math.isnan(value))


# --- range -------------------------------------------------------------------------------------------

def test_range_bounds_and_types():
    records = [{"v": v} for v in (1, 1000, 0, 1000.5, -999, True, "12", HUGE, None)] + [{}]
    got = run("range", records, "v", min=1, max=1000)
    assert lines(got) == [3, 4, 5, 6, 7, 8]
    assert reasons(got) == ["out_of_range", "out_of_range", "out_of_range", "not_comparable",
                            "not_comparable", "out_of_range"]
    assert messages(got) == [
        "value 0 is below the minimum 1",
        "value 1000.5 is above the maximum 1000",
        "value -999 is below the minimum 1",
        "boolean true is not a number",
        'string "12" is not a number',
        f"value {HUGE} is above the maximum 1000",
    ]


def test_range_exclusive_and_one_sided():
    values = [{"v": v} for v in (0, 0.001, 10, 9.99, -1)]
    assert lines(run("range", values, "v", min=0, exclusive_min=True)) == [1, 5]
    assert lines(run("range", values, "v", max=10, exclusive_max=True)) == [3]
    assert compile_check("range", "v", min=0, exclusive_min=True)(0) == (
        "out_of_range", "value 0 is not above the exclusive minimum 0")
    assert compile_check("range", "v", max=10, exclusive_max=True)(10) == (
        "out_of_range", "value 10 is not below the exclusive maximum 10")


def test_range_nan_is_out_of_range():
    for params in ({"min": 1, "max": 5}, {"min": 1}, {"max": 5}, {"min": 1, "exclusive_min": True}):
        assert compile_check("range", "v", **params)(NAN) == (
            "out_of_range", f"value NaN is out of range (allowed: {_allowed(params)})")


def _allowed(params):
    parts = []
    if "min" in params:
        parts.append(f"{'>' if params.get('exclusive_min') else '>='} {params['min']}")
    if "max" in params:
        parts.append(f"<= {params['max']}")
    return " and ".join(parts)


def test_range_huge_integers_compare_exactly():
    test = compile_check("range", "v", min=HUGE, max=HUGE + 1)
    assert test(HUGE) is None and test(HUGE + 1) is None
    assert test(HUGE - 1) is not None and test(HUGE + 2) is not None
    assert test(1e30) is not None  # 1e30 != 10**30 exactly


def test_range_validate():
    assert validate("range", min=10, max=5) == [("min", "min (10) is greater than max (5)")]
    assert validate("range") == [(None, "give at least one of min, max")]
    assert validate("range", min=5, max=5) == []
    assert validate("range", min=5, max=5, exclusive_max=True) == [
        ("min", "min equals max (5) with an exclusive bound: no value can pass")]
    assert validate("range", min=NAN) == [("min", "min must be a number, not NaN")]


@given(st.one_of(st.integers(), st.floats(allow_nan=False)), st.integers(-100, 100), st.integers(-100, 100),
       st.booleans(), st.booleans())
def test_range_matches_definition(value, lo, hi, xlo, xhi):
    test = compile_check("range", "v", min=lo, max=hi, exclusive_min=xlo, exclusive_max=xhi)
    inside = (value > lo if xlo else value >= lo) and (value < hi if xhi else value <= hi)
    assert (test(value) is None) == inside


# --- length ------------------------------------------------------------------------------------------

def test_length_strings_arrays_and_others():
    records = [{"s": s} for s in ("ab", "a", "abcde", "héé", "😀😀😀😀😀", [1, 2, 3], [1], 1234, {"a": 1})]
    got = run("length", records, "s", min=2, max=4)
    assert lines(got) == [2, 3, 5, 7, 8, 9]
    assert reasons(got) == ["too_short", "too_long", "too_long", "too_short", "not_comparable", "not_comparable"]
    assert messages(got)[:5] == [
        '"a" has length 1, below the minimum 2',
        '"abcde" has length 5, above the maximum 4',
        '"😀😀😀😀😀" has length 5, above the maximum 4',
        "array has length 1, below the minimum 2",
        "integer 1234 is not a string or an array",
    ]


def test_length_validate():
    assert validate("length", min=5, max=2) == [("min", "min (5) is greater than max (2)")]
    assert validate("length") == [(None, "give at least one of min, max")]


@given(st.text(), st.integers(0, 8), st.integers(0, 8))
def test_length_counts_code_points(text, lo, hi):
    test = compile_check("length", "s", min=lo, max=hi)
    assert (test(text) is None) == (lo <= len(text) <= hi)


# --- pattern -----------------------------------------------------------------------------------------

def test_pattern_search_semantics_and_non_strings():
    records = [{"u": "user_1"}, {"u": "user_x"}, {"u": "xuser_1"}, {"u": 12}]
    got = run("pattern", records, "u", pattern=r"^user_\d+$")
    assert lines(got) == [2, 3, 4]
    assert reasons(got) == ["pattern_mismatch", "pattern_mismatch", "not_comparable"]
    assert messages(got) == [
        r'"user_x" does not match pattern ^user_\d+$',
        r'"xuser_1" does not match pattern ^user_\d+$',
        "integer 12 is not a string",
    ]
    assert compile_check("pattern", "s", pattern=r"\d")("abc1") is None


def test_pattern_full_match():
    test = compile_check("pattern", "s", pattern="a+", full_match=True)
    assert test("aaa") is None
    assert test("aab") == ("pattern_mismatch", '"aab" does not fully match pattern a+')
    assert compile_check("pattern", "s", pattern="a|b", full_match=True)("ab") is not None


def test_pattern_is_linear_time():
    test = compile_check("pattern", "s", pattern=r"^(a+)+$")
    start = time.perf_counter()
    assert test("a" * 200_000 + "b") is not None
    assert test("a" * 200_000) is None
    assert time.perf_counter() - start < 1.0


def test_pattern_unicode_and_surrogates():
    test = compile_check("pattern", "s", pattern=r"^.{3}$")
    assert test("héé") is None
    assert test("\ud800") is not None  # a lone surrogate does not crash the check


def test_pattern_validate_rejects_what_re2_cannot_run():
    assert validate("pattern", pattern=r"^user_\d+$") == []
    assert validate("pattern", pattern=r"(a)\1") == [
        ("pattern", r"invalid regular expression: invalid escape sequence: \1")]
    assert validate("pattern", pattern=r"(?=a)b") == [
        ("pattern", "invalid regular expression: invalid perl operator: (?=")]
    assert validate("pattern", pattern="[") == [("pattern", "invalid regular expression: missing ]: [")]


# --- in / not_in -------------------------------------------------------------------------------------

def test_in_strict_types():
    records = [{"s": "active", "c": 1}, {"s": "Active", "c": True}, {"s": "pending", "c": "1"},
               {"s": None, "c": 1.0}]
    got = run("in", records, "s", values=["active", "inactive"])
    assert lines(got) == [2, 3]
    assert messages(got) == ['"Active" is not one of active, inactive', '"pending" is not one of active, inactive']
    assert lines(run("in", records, "c", values=[1, 2])) == [2, 3]
    assert compile_check("in", "c", values=[True])(1) is not None
    assert compile_check("in", "c", values=[True])(True) is None
    assert compile_check("in", "c", values=[1.0])(1) is None


def test_in_objects_and_arrays():
    test = compile_check("in", "v", values=[{"a": 1, "b": [1, "x"]}, [1, 2]])
    assert test({"b": [1.0, "x"], "a": 1}) is None
    assert test([1, 2]) is None
    assert test([2, 1]) is not None
    assert test({"a": True, "b": [1, "x"]}) is not None


def test_in_message_lists_values_shortly():
    test = compile_check("in", "v", values=list(range(12)))
    assert test(99) == ("not_in_set", "99 is not one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (2 more)")


def test_not_in_strict_types():
    records = [{"env": "prod"}, {"env": "test"}, {"env": False}, {"env": 0}, {"env": 0.0}]
    got = run("not_in", records, "env", values=["test", "staging", 0])
    assert lines(got) == [2, 4, 5]
    assert reasons(got) == ["forbidden_value"] * 3
    assert messages(got)[0] == '"test" is one of the forbidden values test, staging, 0'


def test_values_validate():
    assert validate("in", values=[]) == [("values", "values must not be empty")]
    assert validate("not_in", values=["a"]) == []


JSON_SCALARS = st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5]),
                         st.sampled_from(["0", "1", "a", "true"]))


@given(st.lists(JSON_SCALARS, min_size=1, max_size=5), JSON_SCALARS)
def test_in_and_not_in_agree_with_strict_equality(values, value):
    def same(a, b):
        return type(a) is type(b) and a == b or (
            type(a) in (int, float) and type(b) in (int, float) and a == b)

    expected = any(same(value, v) for v in values)
    assert (compile_check("in", "v", values=values)(value) is None) == expected
    assert (compile_check("not_in", "v", values=values)(value) is None) == (not expected)


# --- max_age -----------------------------------------------------------------------------------------

def test_max_age_freshness():
    records = [{"ts": t} for t in ("2026-01-15T11:30:00Z", "2026-01-15T10:59:59Z", "2026-01-15T13:30:00+02:00",
                                   "2026-01-15T12:10:00Z", "not a time", "2026-01-15T11:00:00")] + [{}]
    got = run("max_age", records, "ts", max_age="1h", max_future="5m")
    assert lines(got) == [2, 4, 5]
    assert reasons(got) == ["stale", "in_future", "invalid_timestamp"]
    assert messages(got) == [
        "timestamp 2026-01-15T10:59:59Z is older than 1h (age 1h1s)",
        "timestamp 2026-01-15T12:10:00Z is 10m in the future (more than 5m)",
        '"not a time" is not a valid timestamp',
    ]


def test_max_age_brief_message_and_future_without_limit():
    test = compile_check("max_age", "ts", max_age="1h")
    assert test("2026-01-15T09:00:00Z") == ("stale", "timestamp 2026-01-15T09:00:00Z is older than 1h (age 3h)")
    assert test("2030-01-01T00:00:00Z") is None


def test_max_age_epoch_seconds_and_bad_values():
    test = compile_check("max_age", "ts", max_age="1h", max_future="0s")
    ref = REF_TIME.timestamp()
    assert test(ref - 3600) is None
    assert test(ref - 3600.5) is not None
    assert test(int(ref) + 1) == ("in_future", f"timestamp {int(ref) + 1} is 1s in the future (more than 0s)")
    for bad in (True, NAN, float("inf"), 10**30, "2026-01-15", [], {}):
        assert str(test(bad)[0]) == "invalid_timestamp", bad


def test_max_age_uses_context_ref_time_and_numeric_durations():
    ctx = CompileContext(ref_time=datetime(2026, 1, 15, 14, 0, tzinfo=timezone.utc))
    test = compile_check("max_age", "ts", ctx=ctx, max_age=7200)
    assert test("2026-01-15T12:00:00Z") is None
    assert test("2026-01-15T11:59:59Z") is not None
    naive_ctx = CompileContext(ref_time=datetime(2026, 1, 15, 14, 0))
    assert compile_check("max_age", "ts", ctx=naive_ctx, max_age="2h")("2026-01-15T12:00:00Z") is None


def test_max_age_validate():
    assert validate("max_age", max_age="1h", max_future="5m") == []
    assert validate("max_age", max_age="soon") == [
        ("max_age", "invalid duration 'soon': expected e.g. 30s, 5m, 1h, 1h30m, 2d")]


@given(st.integers(-10 * 86400, 10 * 86400), st.integers(0, 86400))
def test_max_age_matches_definition(offset, max_age):
    moment = REF_TIME + timedelta(seconds=offset)
    test = compile_check("max_age", "ts", max_age=max_age)
    assert (test(moment.isoformat()) is None) == (offset >= -max_age)
