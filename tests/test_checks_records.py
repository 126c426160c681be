"""Record checks: unique, json_schema, expression."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks_support import compile_check, lines, messages, reasons, run, validate

# --- unique ------------------------------------------------------------------------------------------

UNIQUE_RECORDS = [
    {"id": "x", "a": 1, "b": 1},
    {"id": "y", "a": 1, "b": 2},
    {"id": "x", "a": 1, "b": 1},
    {"id": None, "a": 1},
    {"id": None, "a": 1},
    {"id": 1, "a": "1", "b": 1},
    {"id": "1", "a": True, "b": 1},
    {"id": "x", "a": 1, "b": 2.0},
]


def test_unique_single_field_names_first_line():
    got = run("unique", UNIQUE_RECORDS, "id")
    assert lines(got) == [3, 8]
    assert reasons(got) == ["duplicate_value", "duplicate_value"]
    assert messages(got) == ['"x" is a duplicate of line 1', '"x" is a duplicate of line 1']
    assert [(f.field, f.value) for _, f in got] == [("id", "x"), ("id", "x")]


def test_unique_composite_key():
    got = run("unique", UNIQUE_RECORDS, ["a", "b"])
    assert lines(got) == [3, 8]
    assert messages(got) == ["(a=1, b=1) is a duplicate of line 1", "(a=1, b=2.0) is a duplicate of line 2"]
    assert [(f.field, f.value) for _, f in got] == [("a, b", [1, 1]), ("a, b", [1, 2.0])]


def test_unique_is_type_strict_and_skips_missing_and_null():
    records = [{"k": 1}, {"k": "1"}, {"k": True}, {"k": 1.0}, {"k": None}, {"k": None}, {}, {},
               {"k": {"a": [1, 2]}}, {"k": {"a": [1, 2.0]}}, {"k": [1, 2]}]
    got = run("unique", records, "k")
    assert lines(got) == [4, 10]
    assert messages(got) == ["1.0 is a duplicate of line 1", '{"a":[1,2.0]} is a duplicate of line 9']


def test_unique_wildcard_path_checks_every_element():
    records = [{"items": [{"sku": "a"}, {"sku": "b"}]}, {"items": [{"sku": "c"}, {"sku": "a"}, {}]},
               {"items": [{"sku": "c"}]}]
    got = run("unique", records, "items[*].sku")
    assert [(line, f.field, f.message) for line, f in got] == [
        (2, "items[1].sku", '"a" is a duplicate of line 1 (items[0].sku)'),
        (3, "items[0].sku", '"c" is a duplicate of line 2 (items[0].sku)'),
    ]


def test_unique_state_belongs_to_each_compiled_instance():
    first, second = compile_check("unique", "id"), compile_check("unique", "id")
    assert first({"id": 1}, 1) is None
    assert first({"id": 1}, 2) is not None
    assert second({"id": 1}, 1) is None


def test_unique_same_line_number_again_is_still_a_duplicate():
    # line numbers restart per file when a batch has several files
    test = compile_check("unique", "id")
    assert test({"id": "x"}, 1) is None
    assert test({"id": "x"}, 1)[0].message == '"x" is a duplicate of line 1'


def test_unique_composite_rejects_wildcards():
    with pytest.raises(ValueError, match="composite unique key cannot use"):
        compile_check("unique", ["a", "items[*].b"])


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(0, 3), st.sampled_from(["0", "1", "a"])),
                max_size=30))
def test_unique_matches_reference(values):
    records = [{"k": v} for v in values]
    expected, first = [], {}
    for line, v in enumerate(values, start=1):
        if v is None:
            continue
        key = (type(v) is bool, type(v) is str, v)
        if key in first:
            expected.append((line, first[key]))
        else:
            first[key] = line
    got = run("unique", records, "k")
    assert [(line, f.message.rsplit(" ", 1)[1]) for line, f in got] == [(a, str(b)) for a, b in expected]


# --- json_schema -------------------------------------------------------------------------------------

ADDRESS = {
    "type": "object",
    "required": ["city", "zip"],
    "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": r"^\d{5}$"}},
}


def test_json_schema_on_a_field():
    records = [{"address": {"city": "Seoul", "zip": "04524"}}, {"address": {"city": "Seoul"}},
               {"address": {"city": "Seoul", "zip": "4524"}}, {}, {"address": None}]
    got = run("json_schema", records, "address", schema=ADDRESS)
    assert lines(got) == [2, 3]
    assert reasons(got) == ["schema_mismatch", "schema_mismatch"]
    assert messages(got) == [
        "$.address: 'zip' is a required property",
        r"$.address.zip: '4524' does not match '^\\d{5}$'",
    ]
    assert [f.field for _, f in got] == ["address", "address.zip"]
    assert got[1][1].value == "4524"


def test_json_schema_on_the_whole_record_names_the_failing_path():
    schema = {"type": "object", "properties": {"data": {"type": "object", "properties": {
        "value": {"type": "integer", "minimum": 1}}}}, "required": ["data"]}
    got = run("json_schema", [{"data": {"value": -999}}, {"data": {"value": 5}}, {}], schema=schema)
    assert messages(got) == ["$.data.value: -999 is less than the minimum of 1", "$: 'data' is a required property"]
    assert [f.field for _, f in got] == ["data.value", None]


def test_json_schema_integer_is_as_written():
    got = run("json_schema", [{"n": 3}, {"n": 3.0}, {"n": True}], schema={"properties": {"n": {"type": "integer"}}})
    assert lines(got) == [2, 3]


def test_json_schema_patterns_use_re2():
    schema = {"properties": {"s": {"pattern": "^(a+)+$"}}, "patternProperties": {"^x_": {"type": "integer"}}}
    test = compile_check("json_schema", schema=schema)
    assert test({"s": "a" * 100_000 + "b"}, 1)[0].message.startswith("$.s: ")
    assert test({"x_1": "no"}, 1)[0].message == "$.x_1: 'no' is not of type 'integer'"
    assert test({"x_1": 1, "s": "aa"}, 1) is None


def test_json_schema_wildcard_field():
    got = run("json_schema", [{"items": [{"q": 1}, {"q": 0}]}], "items[*]",
              schema={"properties": {"q": {"minimum": 1}}})
    assert [(f.field, f.message) for _, f in got] == [("items[1].q", "$.items[1].q: 0 is less than the minimum of 1")]


def test_json_schema_from_files(tmp_path):
    as_json = tmp_path / "address.json"
    as_json.write_text(json.dumps(ADDRESS), encoding="utf-8")
    as_yaml = tmp_path / "address.yaml"
    as_yaml.write_text("type: object\nrequired: [city, zip]\n", encoding="utf-8")
    for path in (as_json, as_yaml):
        got = run("json_schema", [{"address": {"city": "Seoul"}}], "address", schema_file=str(path))
        assert messages(got) == ["$.address: 'zip' is a required property"]
    with pytest.raises(ValueError, match="cannot read schema_file"):
        compile_check("json_schema", schema_file=str(tmp_path / "nope.json"))


def test_json_schema_format_is_asserted():
    got = run("json_schema", [{"d": "2026-01-15"}, {"d": "2026-02-30"}],
              schema={"properties": {"d": {"format": "date"}}})
    assert lines(got) == [2]


def test_json_schema_validate():
    assert validate("json_schema", schema=ADDRESS) == []
    assert validate("json_schema", schema_file="a.json") == []
    assert validate("json_schema") == [(None, "give exactly one of schema, schema_file")]
    assert validate("json_schema", schema=ADDRESS, schema_file="a.json") == [
        (None, "give exactly one of schema, schema_file")]
    assert validate("json_schema", schema={"type": "strnig"}) == [
        ("schema", "invalid JSON Schema at /type: 'strnig' is not valid under any of the given schemas")]
    assert validate("json_schema", schema={"properties": {"a": {"pattern": "(?=x)"}}}) == [
        ("schema", "pattern '(?=x)' is not supported by RE2: invalid perl operator: (?=")]
    assert validate("json_schema", schema={"enum": [{"pattern": "(?=x)"}]}) == []


# --- expression --------------------------------------------------------------------------------------

@pytest.fixture
def expressions():
    module = pytest.importorskip("rfsrules.expr")
    if not hasattr(module, "compile_python") or not hasattr(module, "parse_expression"):
        pytest.skip("rfsrules.expr is not finished yet")
    return module


def test_expression_false_and_null_fail(expressions):
    records = [
        {"data": {"value": 5, "status": "active"}},
        {"data": {"value": -999, "status": "inactive"}},
        {"data": {"value": -999, "status": "active"}},
        {"data": {"status": "active"}},
        {"data": {"value": None, "status": "inactive"}},
        {},
    ]
    text = "data.value between 1 and 1000 or data.status = 'inactive'"
    got = run("expression", records, expr=text)
    assert lines(got) == [3, 4, 6]
    assert reasons(got) == ["expression_false"] * 3
    assert messages(got) == [f"expression is false: {text}", f"expression is null: {text}",
                             f"expression is null: {text}"]
    assert got[0][1].value == {"data.value": -999, "data.status": "active"}
    assert got[1][1].value == {"data.status": "active"}
    assert got[0][1].field is None


def test_expression_arithmetic(expressions):
    records = [{"total": 10, "subtotal": 9, "tax": 2, "discount": 1},
               {"total": 11, "subtotal": 9, "tax": 2, "discount": 1}]
    assert lines(run("expression", records, expr="total = subtotal + tax - discount")) == [2]


def test_check_modules_do_not_import_the_expression_language_or_jsonschema():
    import subprocess
    import sys

    code = ("import sys; import rfsrules.checks.builtin.records, rfsrules.checks.builtin.values; "
            "print(sorted(m for m in ('rfsrules.expr', 'jsonschema', 'sqlglot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
