"""Evaluating expressions in Python: SQL three-valued logic, MISSING as NULL, strict types, functions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rfsrules.expr.python as expr_python
from rfsrules.expr import compile_python, parse_expression, sql_equal, sql_order
from rfsrules.expr.python import like_matcher, like_regex

from expr_support import expressions, records

ABSENT = object()  # marks a field left out of the record (MISSING)


def run(text: str, record: dict | None = None):
    return compile_python(parse_expression(text))(record or {})


def rec(**values) -> dict:
    return {k: v for k, v in values.items() if v is not ABSENT}


# -- three-valued logic ----------------------------------------------------------------------------

TRUTH = [True, False, None, ABSENT]


def _k(v):
    return None if v is ABSENT else v


def _and(a, b):
    a, b = _k(a), _k(b)
    if a is False or b is False:
        return False
    return True if a is True and b is True else None


def _or(a, b):
    a, b = _k(a), _k(b)
    if a is True or b is True:
        return True
    return False if a is False and b is False else None


@pytest.mark.parametrize("a", TRUTH)
@pytest.mark.parametrize("b", TRUTH)
def test_and_or_truth_tables(a, b):
    record = rec(a=a, b=b)
    assert run("a and b", record) is _and(a, b)
    assert run("a or b", record) is _or(a, b)
    assert run("not (a and b)", record) is (None if _and(a, b) is None else not _and(a, b))


@pytest.mark.parametrize("a, expected", [(True, False), (False, True), (None, None), (ABSENT, None), (1, None),
                                         ("true", None)])
def test_not(a, expected):
    assert run("not a", rec(a=a)) is expected


@pytest.mark.parametrize("value, is_null", [(ABSENT, True), (None, True), (0, False), ("", False), (False, False),
                                            ([], False), ({}, False)])
def test_is_null_treats_missing_as_null(value, is_null):
    assert run("x is null", rec(x=value)) is is_null
    assert run("x is not null", rec(x=value)) is (not is_null)


def test_conformance_three_valued_case():
    text = "data.value between 1 and 1000 or data.status = 'inactive'"
    records = [{"data": {"value": 5, "status": "active"}}, {"data": {"value": -999, "status": "inactive"}},
               {"data": {"value": -999, "status": "active"}}, {"data": {"status": "active"}},
               {"data": {"value": None, "status": "inactive"}}, {}]
    fn = compile_python(parse_expression(text))
    assert [fn(r) for r in records] == [True, True, False, None, True, None]


def test_conformance_arithmetic_case():
    total = compile_python(parse_expression("total = subtotal + tax - discount"))
    code = compile_python(parse_expression("code like 'A%' and kind in ('x', 'y') and note is null"))
    lines = [{"total": 10, "subtotal": 9, "tax": 2, "discount": 1, "code": "AB", "kind": "x", "note": None},
             {"total": 11, "subtotal": 9, "tax": 2, "discount": 1, "code": "BA", "kind": "x"},
             {"total": 10, "subtotal": 9, "tax": 2, "discount": 1, "code": "A", "kind": "z", "note": "n"}]
    assert [total(r) for r in lines] == [True, False, True]
    assert [code(r) for r in lines] == [True, False, False]


# -- comparisons -----------------------------------------------------------------------------------

@pytest.mark.parametrize("x, y, eq", [
    (1, 1, True), (1, 1.0, True), (1, 2, False), (True, 1, False), (1, True, False), (False, 0, False),
    ("1", 1, False), ("a", "a", True), ("a", "A", False), (True, True, True), (None, 1, None), (1, None, None),
    (ABSENT, 1, None), (ABSENT, ABSENT, None), ([1, 2], [1, 2], True), ([1], [True], False),
    ({"a": 1}, {"a": 1.0}, True), ({"a": None}, {"a": None}, True), ([1], {"a": 1}, False),
    (float("nan"), float("nan"), True), (float("nan"), 1.0, False),
    (10 ** 30, 10 ** 30, True), (10 ** 30, 10 ** 30 + 1, False), (2 ** 53 + 1, float(2 ** 53), False),
])
def test_equality_is_strict_across_json_types(x, y, eq):
    record = rec(x=x, y=y)
    assert run("x = y", record) is eq
    assert run("x != y", record) is (None if eq is None else not eq)
    assert run("x <> y", record) is (None if eq is None else not eq)


@pytest.mark.parametrize("x, y, order", [
    (1, 2, -1), (2.5, 2, 1), (2, 2.0, 0), ("a", "b", -1), ("b", "B", 1), ("é", "z", 1), ("", "a", -1),
    (False, True, -1), (True, True, 0), (float("nan"), 1e308, 1), (1e308, float("nan"), -1),
    (float("nan"), float("nan"), 0), (1, "1", None), ("a", 1, None), (True, 1, None), (1, True, None),
    ([1], [2], None), ({}, {}, None), (None, 1, None), (ABSENT, 1, None),
])
def test_ordering(x, y, order):
    record = rec(x=x, y=y)
    expected = {"<": None, "<=": None, ">": None, ">=": None} if order is None else {
        "<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}
    for op, want in expected.items():
        assert run(f"x {op} y", record) is want, op


@pytest.mark.parametrize("x, expected", [
    ("b", {"=": False, "!=": True, "<": True, ">": False}), ("c", {"=": True, "!=": False, "<=": True, ">=": True}),
    (3, {"=": False, "!=": True, "<": None, ">=": None}), (None, {"=": None, "!=": None, "<": None}),
    (ABSENT, {"=": None, "<": None}), (True, {"=": False, ">": None}),
])
def test_comparison_with_a_string_literal(x, expected):
    for op, want in expected.items():
        assert run(f"x {op} 'c'", rec(x=x)) is want, op


def test_sql_equal_and_order_helpers():
    assert sql_equal(1, 1.0) is True and sql_equal(True, 1) is False and sql_equal(None, None) is None
    assert sql_order("a", "b") == -1 and sql_order(1, "a") is None and sql_order(None, None) is None


@pytest.mark.parametrize("x, between", [(1, True), (10, True), (5.5, True), (0, False), (11, False),
                                        (None, None), (ABSENT, None), ("5", None), (True, None)])
def test_between(x, between):
    assert run("x between 1 and 10", rec(x=x)) is between
    assert run("x not between 1 and 10", rec(x=x)) is (None if between is None else not between)


def test_between_with_null_bound_is_false_when_already_out_of_range():
    assert run("x between 5 and y", {"x": 1}) is False
    assert run("x between 5 and y", {"x": 7}) is None
    assert run("x between y and 5", {"x": 7}) is False


@pytest.mark.parametrize("text, record, expected", [
    ("x in (1, 2)", {"x": 1}, True), ("x in (1, 2)", {"x": 1.0}, True), ("x in (1, 2)", {"x": True}, False),
    ("x in (1, 2)", {"x": "1"}, False), ("x in (true)", {"x": 1}, False), ("x in (true)", {"x": True}, True),
    ("x in ('a', 'b')", {"x": "a"}, True), ("x in ('a', 'b')", {"x": "c"}, False),
    ("x in (1, null)", {"x": 1}, True), ("x in (1, null)", {"x": 2}, None), ("x in (1)", {}, None),
    ("x in (1)", {"x": None}, None), ("x not in (1, 2)", {"x": 3}, True), ("x not in (1, null)", {"x": 2}, None),
    ("x not in (1, null)", {"x": 1}, False), ("x in (1)", {"x": [1]}, False),
    ("x in (y, 2)", {"x": 3, "y": 3}, True), ("x in (y, 2)", {"x": 3}, None), ("x in (y, 2)", {"x": 2}, True),
    ("x in (y)", {"x": "3", "y": 3}, False), ("x not in (y, 2)", {"x": 3}, None),
    ("x in (12345678901234567890123)", {"x": 12345678901234567890123}, True),
])
def test_in_lists_are_type_strict(text, record, expected):
    assert run(text, record) is expected


# -- like ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, value, expected", [
    ("a%", "abc", True), ("a%", "bac", False), ("%c", "abc", True), ("%b%", "abc", True), ("%b%", "ac", False),
    ("abc", "abc", True), ("abc", "abcd", False), ("a_c", "abc", True), ("a_c", "ac", False), ("_", "é", True),
    ("a_b", "a\nb", True), ("a%b", "a\n\nb", True), ("%", "", True), ("", "", True), ("", "a", False),
    ("a.c", "abc", False), ("a.c", "a.c", True), ("(a)", "(a)", True), ("a*", "aaa", False), ("[ab]", "a", False),
    ("%%", "x", True), ("A%", "abc", False), ("a\\%", "a\\x", True), ("a\\%", "a%", False),
])
def test_like(pattern, value, expected):
    assert run(f"x like '{pattern}'", {"x": value}) is expected
    assert run(f"x not like '{pattern}'", {"x": value}) is (not expected)


@pytest.mark.parametrize("text, value, expected", [
    ("x like '100!%' escape '!'", "100%", True), ("x like '100!%' escape '!'", "1000", False),
    ("x like 'a!_b' escape '!'", "a_b", True), ("x like 'a!_b' escape '!'", "axb", False),
    ("x like 'a!!' escape '!'", "a!", True), ("x ilike 'AB%'", "abc", True), ("x ilike 'é_'", "ÉX", True),
    ("x not ilike 'AB%'", "abc", False), ("x like 'a%'", 5, None), ("x like 'a%'", None, None),
    ("x like 'a%'", ["a"], None), ("x ilike 'a%'", True, None),
])
def test_like_escape_ilike_and_non_strings(text, value, expected):
    assert run(text, {"x": value}) is expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab%_", max_size=6), st.text(alphabet="ab%_\n", max_size=6))
def test_like_fast_paths_agree_with_the_regex(pattern, value):
    import re2

    slow = re2.compile(like_regex(pattern, None, False)).fullmatch(value) is not None
    assert like_matcher(pattern)(value) is slow


# -- arithmetic ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1 + 2", 3), ("1 + 2.5", 3.5), ("7 / 2", 3.5), ("6 / 3", 2.0), ("7 % 3", 1), ("-7 % 3", -1), ("7 % -3", 1),
    ("-7.5 % 2", -1.5), ("1 / 0", None), ("1.5 / 0", None), ("1 % 0", None), ("1 % 0.0", None), ("2 * 3", 6),
    ("-(2 - 5)", 3), ("1 + null", None), ("1 + x", None), ("'a' + 1", None), ("true + 1", None),
    ("'a' * 2", None), ("-'a'", None), ("-true", None), ("12345678901234567890123 + 1", 12345678901234567890124),
    ("99999999999999999999 * 99999999999999999999", 9999999999999999999800000000000000000001),
    ("1e308 * 10", math.inf), ("2 + 3 * 4", 14), ("(2 + 3) * 4", 20), ("10 - 4 - 3", 3), ("2 * 3 % 4", 2),
])
def test_arithmetic(text, expected):
    result = run(text, {})
    assert result == expected and type(result) is type(expected)


def test_integer_results_beyond_1024_bits_are_null():
    assert run("x * x", {"x": 2 ** 600}) is None
    assert run("x * x", {"x": 2 ** 500}) == 2 ** 1000
    assert run("x + 1", {"x": 2 ** 1024 - 1}) is None
    assert run("x / 3", {"x": 10 ** 400}) is None  # beyond the range of a double
    assert run("x + 0.5", {"x": 10 ** 400}) is None


def test_nan_and_infinity_flow_through_arithmetic():
    assert math.isnan(run("x + 1", {"x": float("nan")}))
    assert math.isnan(run("x % 2", {"x": float("inf")}))
    assert run("x * 2", {"x": float("inf")}) == math.inf


# -- case ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("record, expected", [({"x": 5}, "big"), ({"x": 1}, "small"), ({}, "none"),
                                              ({"x": "5"}, "small")])
def test_searched_case(record, expected):
    text = "case when x > 2 then 'big' when x is null then 'none' else 'small' end"
    assert run(text, record) == expected


@pytest.mark.parametrize("record, expected", [({"x": 1}, "one"), ({"x": 1.0}, "one"), ({"x": True}, None),
                                              ({"x": 2}, "two"), ({}, None)])
def test_simple_case_uses_strict_equality(record, expected):
    assert run("case x when 1 then 'one' when 2 then 'two' end", record) == expected


def test_case_condition_must_be_true_not_just_truthy():
    assert run("case when x then 'yes' else 'no' end", {"x": 1}) == "no"
    assert run("case when x then 'yes' else 'no' end", {"x": None}) == "no"
    assert run("case when x then 'yes' else 'no' end", {"x": True}) == "yes"


# -- functions -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, record, expected", [
    ("length(x)", {"x": "héllo😀"}, 6), ("length(x)", {"x": [1, 2, 3]}, 3), ("length(x)", {"x": {"a": 1}}, None),
    ("length(x)", {"x": 12}, None), ("length(x)", {}, None),
    ("lower(x)", {"x": "AbC"}, "abc"), ("upper(x)", {"x": "aBé"}, "ABÉ"), ("lower(x)", {"x": 1}, None),
    ("trim(x)", {"x": "  a b  "}, "a b"), ("trim(x)", {"x": "\ta\n"}, "\ta\n"), ("trim(x)", {"x": 5}, None),
    ("abs(x)", {"x": -3}, 3), ("abs(x)", {"x": -2.5}, 2.5), ("abs(x)", {"x": True}, None), ("abs(x)", {"x": "-1"}, None),
    ("floor(x)", {"x": 2.7}, 2.0), ("floor(x)", {"x": -2.5}, -3.0), ("floor(x)", {"x": 7}, 7),
    ("ceil(x)", {"x": 2.1}, 3.0), ("ceil(x)", {"x": -2.5}, -2.0), ("ceil(x)", {"x": "2"}, None),
    ("round(x)", {"x": 2.5}, 3.0), ("round(x)", {"x": -2.5}, -3.0), ("round(x)", {"x": 0.49999999999999994}, 0.0),
    ("round(x, 2)", {"x": 0.125}, 0.13), ("round(x, 2)", {"x": 1.005}, 1.0), ("round(x, 2)", {"x": 2.675}, 2.67),
    ("round(x, -1)", {"x": 123.456}, 120.0), ("round(x, -2)", {"x": 1250}, 1300), ("round(x, -2)", {"x": -1250}, -1300),
    ("round(x, -1)", {"x": 5}, 10), ("round(x, 3)", {"x": 15}, 15), ("round(x, -400)", {"x": 15}, 0),
    ("round(x, 400)", {"x": 1.5}, 1.5), ("round(x, -400)", {"x": 1.5}, 0.0), ("round(x, 1.5)", {"x": 1.5}, None),
    ("round(x, y)", {"x": 1.25}, None), ("round(x)", {"x": "1"}, None), ("round(x)", {"x": 10 ** 30}, 10 ** 30),
    ("coalesce(x, y, 3)", {}, 3), ("coalesce(x, y, 3)", {"y": False}, False), ("coalesce(x)", {}, None),
    ("coalesce(x, 'd')", {"x": ""}, ""),
    ("regexp_matches(x, 'b+')", {"x": "abbc"}, True), ("regexp_matches(x, '^b')", {"x": "abc"}, False),
    ("regexp_matches(x, 'a.b')", {"x": "a\nb"}, False), ("regexp_matches(x, 'é')", {"x": "café"}, True),
    ("regexp_matches(x, 'a')", {"x": 1}, None), ("regexp_matches(x, 'a')", {"x": "\ud800a"}, None),
    ("starts_with(x, 'ab')", {"x": "abc"}, True), ("starts_with(x, 'b')", {"x": "abc"}, False),
    ("ends_with(x, 'bc')", {"x": "abc"}, True), ("contains(x, 'b')", {"x": "abc"}, True),
    ("contains(x, 'z')", {"x": "abc"}, False), ("contains(x, 1)", {"x": "a1"}, None), ("contains(x, 'a')", {"x": ["a"]}, None),
    ("starts_with(x, y)", {"x": "abc"}, None),
    ("year(x)", {"x": "2024-12-31T23:00:00-05:00"}, 2025), ("month(x)", {"x": "2024-12-31T23:00:00-05:00"}, 1),
    ("day(x)", {"x": "2024-12-31T23:00:00-05:00"}, 1), ("year(x)", {"x": "2024-12-31T23:00:00Z"}, 2024),
    ("day(x)", {"x": "2024-02-29"}, 29), ("day(x)", {"x": "2024-02-30"}, None), ("month(x)", {"x": "2023-06-15 08:30"}, 6),
    ("day(x)", {"x": "2024-01-01T00:30:00+01:00"}, 31), ("day(x)", {"x": "2024-01-01T00:30:00+0100"}, 31),
    ("year(x)", {"x": "1999-12-31T23:59:59.999999"}, 1999), ("year(x)", {"x": "not a time"}, None),
    ("year(x)", {"x": 1700000000}, None), ("year(x)", {"x": "2024-13-01"}, None), ("year(x)", {"x": "0001-01-01T00:00:00+01:00"}, None),
])
def test_functions(text, record, expected):
    result = run(text, record)
    assert result == expected and type(result) is type(expected), result


# -- compiled form ---------------------------------------------------------------------------------

def test_compiled_closures_do_not_walk_the_tree_per_call(monkeypatch):
    fn = compile_python(parse_expression("a + 1 > 2 and lower(b) like 'x%' and c in (1, 2) and d between 1 and 3"))

    def forbidden(*args, **kwargs):
        raise AssertionError("compiled function re-entered the compiler")

    monkeypatch.setattr(expr_python, "_compile", forbidden)
    monkeypatch.setattr(expr_python, "_HANDLERS", {})
    assert fn({"a": 5, "b": "XY", "c": 2, "d": 2}) is True
    assert fn({"a": 5, "b": "XY", "c": 3, "d": 2}) is False


def test_records_with_nested_paths_and_indexes():
    record = {"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 0}], "meta": {"a.b": "dotted"}, "a b": 1}
    assert run("items[0].sku = 'A1' and items[1].qty = 0 and items[-1].sku = 'B2'", record) is True
    assert run("items[5].sku is null and meta['a.b'] = 'dotted' and \"a b\" = 1", record) is True
    assert run("items.sku is null", record) is True


@settings(max_examples=300, deadline=None)
@given(expressions(max_leaves=12), records())
def test_random_expressions_never_raise(tree, record):
    result = compile_python(tree)(record)
    assert result is None or type(result) in (bool, int, float, str, list, dict)
