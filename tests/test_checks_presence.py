"""required and not_null: missing vs null, nested and [*] paths, several fields."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checks_support import compile_check, lines, messages, reasons, run

from rfsrules.checks.spec import CheckFailure

RECORDS = [{"a": 1, "b": 1}, {"b": None}, {"a": None}, {"a": 0, "b": False}, {"a": "", "b": []}]


def test_required_fails_missing_and_null():
    got = run("required", RECORDS, "a")
    assert lines(got) == [2, 3]
    assert reasons(got) == ["missing_field", "null_value"]
    assert messages(got) == ["field is missing", "field is null"]
    assert [f.field for _, f in got] == ["a", "a"]


def test_required_allow_null_fails_missing_only():
    got = run("required", RECORDS, "b", allow_null=True)
    assert lines(got) == [3]
    assert reasons(got) == ["missing_field"]


def test_not_null_fails_null_only():
    got = run("not_null", RECORDS, "a")
    assert lines(got) == [3]
    assert reasons(got) == ["null_value"]
    assert messages(got) == ["field is null"]


def test_falsy_values_are_present():
    test = compile_check("required", "v")
    for value in (0, 0.0, False, "", [], {}):
        assert test({"v": value}, 1) is None


def test_nested_path_missing_when_parent_is_not_an_object():
    records = [{"data": {"value": 1}}, {"data": 5}, {"data": {}}, {"data": {"value": None}}, {}]
    got = run("required", records, "data.value")
    assert lines(got) == [2, 3, 4, 5]
    assert [f.field for _, f in got] == ["data.value"] * 4
    assert reasons(got) == ["missing_field", "missing_field", "null_value", "missing_field"]


def test_wildcard_reports_concrete_paths():
    records = [
        {"items": [{"sku": "a"}, {"sku": "b"}]},
        {"items": [{"sku": "a"}, {}, {"sku": None}]},
        {"items": []},
        {},
        {"items": "not a list"},
    ]
    got = run("required", records, "items[*].sku")
    assert [(line, f.field, str(f.reason)) for line, f in got] == [
        (2, "items[1].sku", "missing_field"),
        (2, "items[2].sku", "null_value"),
        (4, "items", "missing_field"),
        (5, "items", "missing_field"),
    ]
    got = run("not_null", records, "items[*].sku")
    assert [(line, f.field) for line, f in got] == [(2, "items[2].sku")]


def test_several_fields_one_failure_per_field():
    records = [
        {"id": "a", "timestamp": "t", "data": {}},
        {"id": "b"},
        {"timestamp": "t", "data": None},
    ]
    got = run("required", records, ["id", "timestamp", "data"])
    assert [(line, f.field, str(f.reason)) for line, f in got] == [
        (2, "timestamp", "missing_field"),
        (2, "data", "missing_field"),
        (3, "id", "missing_field"),
        (3, "data", "null_value"),
    ]


def test_mixed_plain_and_wildcard_fields():
    test = compile_check("not_null", ["id", "tags[*]"])
    assert test({"id": None, "tags": ["x", None]}, 7) == [
        CheckFailure("id", None, "null_value", "field is null"),
        CheckFailure("tags[1]", None, "null_value", "field is null"),
    ]
    assert test({"tags": ["x"]}, 1) is None


def test_each_call_returns_a_fresh_list():
    test = compile_check("required", "a")
    first, second = test({}, 1), test({}, 2)
    assert first == second and first is not second


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), st.integers(), st.text())),
       st.booleans())
def test_required_matches_definition(record, allow_null):
    test = compile_check("required", ["a", "b"], allow_null=allow_null)
    expected = []
    for name in ("a", "b"):
        if name not in record:
            expected.append((name, "missing_field"))
        elif record[name] is None and not allow_null:
            expected.append((name, "null_value"))
    got = test(record, 1) or []
    assert [(f.field, str(f.reason)) for f in got] == expected
