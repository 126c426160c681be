"""Batch checks: row_count, null_rate, duplicate_rate, statistic; merge equals a single pass."""

from __future__ import annotations

import math
import pickle
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks_support import compile_check, messages, reasons, run, validate


def finish(check, records, fields=(), **params):
    acc = compile_check(check, fields, **params)
    for record in records:
        acc.add(record)
    return acc.finish(len(records))


def split_finish(check, records, cut, fields=(), **params):
    """Two accumulators over the two halves, sent through pickle (as from worker processes), then merged."""
    first, second = compile_check(check, fields, **params), compile_check(check, fields, **params)
    for record in records[:cut]:
        first.add(record)
    for record in records[cut:]:
        second.add(record)
    first, second = pickle.loads(pickle.dumps(first)), pickle.loads(pickle.dumps(second))
    return first.merge(second).finish(len(records))


# --- row_count ---------------------------------------------------------------------------------------

def test_row_count_uses_records_checked():
    acc = compile_check("row_count", min=5)
    assert acc.needs_records is False
    assert [tuple(f) for f in acc.finish(2)] == [(None, 2, "row_count", "row count 2 is below the minimum 5")]
    assert compile_check("row_count", max=3).finish(4)[0].message == "row count 4 is above the maximum 3"
    assert compile_check("row_count", min=1, max=3).finish(3) == []
    assert compile_check("row_count", min=1).merge(compile_check("row_count", min=1)).finish(0)[0].value == 0


def test_row_count_validate():
    assert validate("row_count") == [(None, "give at least one of min, max")]
    assert validate("row_count", min=5, max=1) == [("min", "min (5) is greater than max (1)")]


# --- null_rate ---------------------------------------------------------------------------------------

def test_null_rate_missing_as_null():
    records = [{"u": 1}, {"u": None}, {}, {"u": 2}]
    got = run("null_rate", records, "u", max=0.25)
    assert [(line, f.field, f.value) for line, f in got] == [(None, "u", 0.5)]
    assert reasons(got) == ["null_rate"]
    assert messages(got) == ["null rate 0.5 (2 of 4 records) is above the maximum 0.25"]
    assert run("null_rate", records, "u", max=0.25, missing_as_null=False) == []


def test_null_rate_edges():
    assert finish("null_rate", [], "u", max=0) == []
    assert finish("null_rate", [{"u": None}], "u", max=1) == []
    assert finish("null_rate", [{"u": None}], "u", max=0.99)[0].value == 1.0


def test_null_rate_wildcard_counts_values():
    got = finish("null_rate", [{"t": [1, None, None]}, {"t": [2]}], "t[*]", max=0.4)
    assert [f.message for f in got] == ["null rate 0.5 (2 of 4 values) is above the maximum 0.4"]


# --- duplicate_rate ----------------------------------------------------------------------------------

def test_duplicate_rate_over_non_null_keys():
    records = [{"id": 1}, {"id": 1}, {"id": 2}, {"id": None}, {"id": 2}, {}]
    got = run("duplicate_rate", records, "id", max=0.2)
    assert [(f.field, f.value, str(f.reason)) for _, f in got] == [("id", 0.5, "duplicate_rate")]
    assert messages(got) == ["duplicate rate 0.5 (2 of 4 keys) is above the maximum 0.2"]
    assert run("duplicate_rate", records, "id", max=0.5) == []


def test_duplicate_rate_is_type_strict_and_composite():
    assert finish("duplicate_rate", [{"id": 1}, {"id": "1"}, {"id": True}, {"id": 1.0}], "id", max=0)[0].value == 0.25
    records = [{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 1}, {"a": 1}]
    got = finish("duplicate_rate", records, ["a", "b"], max=0)
    assert (got[0].field, got[0].value) == ("a, b", 1 / 3)


def test_duplicate_rate_no_keys_passes():
    assert finish("duplicate_rate", [{}, {"id": None}], "id", max=0) == []


# --- statistic ---------------------------------------------------------------------------------------

STAT_RECORDS = [{"v": 2}, {"v": 4}, {"v": 4}, {"v": "x"}, {"v": True}, {"v": None}, {}, {"v": float("nan")}]


@pytest.mark.parametrize("stat, expected", [
    ("mean", 10 / 3), ("min", 2), ("max", 4), ("sum", 10), ("stddev", statistics.stdev([2, 4, 4])),
])
def test_statistic_values_ignore_non_numbers(stat, expected):
    got = finish("statistic", STAT_RECORDS, "v", stat=stat, max=1)
    assert len(got) == 1 and str(got[0].reason) == "statistic_out_of_range"
    assert math.isclose(got[0].value, expected, rel_tol=1e-12)
    assert finish("statistic", STAT_RECORDS, "v", stat=stat, min=expected, max=expected + 1e-9) == []


def test_statistic_messages_and_exact_integers():
    got = finish("statistic", STAT_RECORDS, "v", stat="mean", min=100, max=900)
    assert got[0].message == "mean of v is 3.33333 (3 values), below the minimum 100"
    big = [{"v": 10**18 + 1}, {"v": 10**18 + 2}]
    got = finish("statistic", big, "v", stat="sum", max=0)
    assert got[0].value == 2 * 10**18 + 3
    assert got[0].message == f"sum of v is {2 * 10**18 + 3} (2 values), above the maximum 0"


def test_statistic_undefined_passes():
    assert finish("statistic", [{"v": "x"}], "v", stat="mean", min=1) == []
    assert finish("statistic", [{"v": 5}], "v", stat="stddev", min=1) == []
    assert finish("statistic", [], "v", stat="sum", min=1) == []


def test_statistic_wildcard_and_huge_values():
    got = finish("statistic", [{"p": [1, 2]}, {"p": [3, 10**400]}], "p[*]", stat="max", max=2)
    assert got[0].value == 10**400  # beyond the float range, but an integer: it counts exactly


def test_statistic_validate():
    assert validate("statistic", stat="mean") == [(None, "give at least one of min, max")]
    assert validate("statistic", stat="mean", min=3, max=1) == [("min", "min (3) is greater than max (1)")]


def test_statistic_is_numerically_stable():
    records = [{"v": 1e9 + x} for x in (4, 7, 13, 16)]
    got = finish("statistic", records, "v", stat="stddev", max=0)
    assert math.isclose(got[0].value, statistics.stdev([4, 7, 13, 16]), rel_tol=1e-9)


# --- merge equals one pass ---------------------------------------------------------------------------

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-50, 50), st.floats(-1e6, 1e6),
                   st.sampled_from(["a", "b", "1"]))
RECORDS = st.lists(st.one_of(st.just({}), st.builds(lambda v: {"v": v}, VALUES)), max_size=40)


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x.field, str(x.reason)) == (y.field, str(y.reason))
        assert math.isclose(x.value, y.value, rel_tol=1e-9, abs_tol=1e-9)


@given(RECORDS, st.data())
def test_merge_equals_single_pass(records, data):
    cut = data.draw(st.integers(0, len(records)))
    cases = [
        ("null_rate", "v", {"max": 0}),
        ("null_rate", "v", {"max": 0, "missing_as_null": False}),
        ("duplicate_rate", "v", {"max": 0}),
        ("row_count", (), {"max": 0}),
    ] + [("statistic", "v", {"stat": s, "max": -1e12}) for s in ("mean", "min", "max", "sum", "stddev")]
    for check, fields, params in cases:
        _same(split_finish(check, records, cut, fields, **params), finish(check, records, fields, **params))


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_statistic_matches_statistics_module(values):
    records = [{"v": v} for v in values]
    for stat, expected in (("mean", statistics.fmean(values)), ("stddev", statistics.stdev(values)),
                           ("sum", math.fsum(values)), ("min", min(values)), ("max", max(values))):
        acc = compile_check("statistic", "v", stat=stat, max=0)
        for record in records:
            acc.add(record)
        assert math.isclose(acc.value(), expected, rel_tol=1e-7, abs_tol=1e-6), stat


def test_unpickled_accumulator_keeps_counting():
    acc = compile_check("null_rate", "a.b", max=0)
    acc.add({"a": {"b": None}})
    acc = pickle.loads(pickle.dumps(acc))
    acc.add({"a": {"b": 1}})
    assert (acc.nulls, acc.seen) == (1, 2)
