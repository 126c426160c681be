"""Shared check helpers: JSON-type predicates, strict keys, value formatting, timestamps, RE2 matchers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfsrules.checks import types
from rfsrules.checks.regex import RegexError, check_pattern, compile_matcher
from rfsrules.checks.timeparse import as_utc, parse_iso_timestamp, parse_timestamp

UTC = timezone.utc


def test_json_type_names():
    cases = [("x", "string"), (1, "integer"), (10**30, "integer"), (1.5, "number"), (3.0, "number"),
             (True, "boolean"), (None, "null"), (float("nan"), "NaN")]
    for value, name in cases:
        assert types.json_type_name(value) == name
    assert types.json_type_name({}) == "object"
    assert types.json_type_name([]) == "array"
    assert types.json_type_name(b"x") == "bytes"


def test_predicates():
    assert types.is_integer(10**30) and not types.is_integer(True) and not types.is_integer(3.0)
    assert types.is_number(1.5) and not types.is_number(float("nan")) and types.is_number(float("nan"), True)
    assert not types.is_number(False)
    assert types.is_date(date(2026, 1, 15)) and not types.is_date(datetime(2026, 1, 15))
    assert types.is_timestamp(datetime(2026, 1, 15))
    with pytest.raises(ValueError, match="unknown type 'float'"):
        types.type_predicate("float")


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 1.0, -2.0, 0.5]),
              st.sampled_from(["", "1", "true", "a"])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(["a", "b", "1"]), children, max_size=3)),
    max_leaves=8,
)


def json_equal(a, b) -> bool:
    """Reference: equal JSON values of the same JSON type (numbers compare by value)."""
    num = (int, float)
    if type(a) in num and type(b) in num:
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


@given(JSON, JSON)
def test_strict_key_equality_is_json_equality(a, b):
    assert (types.strict_key(a) == types.strict_key(b)) == json_equal(a, b)
    hash(types.strict_key(a))


def test_strict_key_specifics():
    sk = types.strict_key
    assert sk(True) != sk(1) and sk("1") != sk(1) and sk(1) == sk(1.0)
    assert sk(float("nan")) == sk(float("nan"))
    assert sk({"a": 1, "b": 2}) == sk({"b": 2, "a": 1})
    assert sk([1, 2]) != sk([2, 1])
    assert sk({1, 2}) == sk({1, 2})  # unhashable Python values still get a key


def test_describe_value():
    d = types.describe_value
    assert d("abc") == '"abc"'
    assert d('say "hi"') == '"say \\"hi\\""'
    assert d(1000.5) == "1000.5" and d(float("nan")) == "NaN" and d(float("-inf")) == "-Infinity"
    assert d(True) == "true" and d(None) == "null"
    assert d({"a": [1, 2]}) == '{"a":[1,2]}'
    assert d(10**30) == "1" + "0" * 30
    assert d("x" * 100, limit=10) == '"xxxxxx...'
    assert d(10**5000).startswith("<integer of ")
    assert d(datetime(2026, 1, 15, 11)) == "2026-01-15T11:00:00"
    assert d({"k": 10**30}) == '{"k": 1000000000000000000000000000000}'


def test_format_list():
    assert types.format_list(["active", "inactive"]) == "active, inactive"
    assert types.format_list(["1", 1, True, None]) == "1, 1, true, null"


# --- timestamps --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-01-15T11:00:00Z", datetime(2026, 1, 15, 11, tzinfo=UTC)),
    ("2026-01-15T13:00:00+02:00", datetime(2026, 1, 15, 11, tzinfo=UTC)),
    ("2026-01-15 11:00:00", datetime(2026, 1, 15, 11, tzinfo=UTC)),
    ("2026-01-15T11:00:00.5", datetime(2026, 1, 15, 11, 0, 0, 500000, tzinfo=UTC)),
    ("20260115T110000Z", datetime(2026, 1, 15, 11, tzinfo=UTC)),
    ("2026-01-15", None),
    ("20260115", None),
    ("yesterday", None),
    ("2026-01-15T24:00:00", None),
    (" 2026-01-15T11:00:00", None),
])
def test_parse_iso_timestamp(text, expected):
    assert parse_iso_timestamp(text) == expected


def test_parse_timestamp_numbers_and_objects():
    assert parse_timestamp(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_timestamp(1.5) == datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    for bad in (True, float("nan"), float("inf"), 10**30, None, [], {}):
        assert parse_timestamp(bad) is None
    assert parse_timestamp(datetime(2026, 1, 15)) == datetime(2026, 1, 15, tzinfo=UTC)
    assert as_utc("2026-01-15T12:00:00Z") == datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert as_utc(date(2026, 1, 15)) == datetime(2026, 1, 15, tzinfo=UTC)
    with pytest.raises(ValueError):
        as_utc("nope")


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(-timedelta(hours=5))])))
def test_parse_timestamp_roundtrip(moment):
    assert parse_timestamp(moment.isoformat()) == moment
    assert parse_timestamp(moment.isoformat().replace("+00:00", "Z")) == moment


# --- RE2 ---------------------------------------------------------------------------------------------

def test_matcher_semantics():
    assert compile_matcher(r"\d")("abc1") and not compile_matcher(r"\d")("abc")
    assert compile_matcher(r"\d")("٣") is False  # RE2: \d is ASCII only
    assert compile_matcher("b", True)("b") and not compile_matcher("b", True)("ab")
    assert compile_matcher("^é+$")("éé")
    assert compile_matcher("")("anything")
    assert compile_matcher("a|ab", True)("ab")


def test_bad_patterns():
    assert check_pattern("ok") is None
    assert check_pattern(r"(a)\1") == r"invalid escape sequence: \1"
    with pytest.raises(RegexError, match="missing \\]"):
        compile_matcher("[")


def test_bad_patterns_do_not_log_to_stderr(capfd):
    check_pattern(r"(?<=x)y")
    assert capfd.readouterr().err == ""
