"""The DuckDB engine gives exactly the Python engine's report: types as written, lines, malformed input, every check."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")

from test_engine_duckdb_helpers import (  # noqa: E402
    ALL_CHECKS_RULESET, REF_TIME, assert_same, ruleset, run_both, write_lines,
)

from rfsrules.runner import check  # noqa: E402

TYPES_RULES = """\
rules:
  - {id: int, check: type, field: v, type: integer}
  - {id: num, check: type, field: v, type: number}
  - {id: str, check: type, field: v, type: string}
  - {id: rng, check: range, field: v, min: 1, max: 1000}
  - {id: in, check: in, field: v, values: [1, "1", true, 2.5]}
  - {id: req, check: required, field: v}
  - {id: nn, check: not_null, field: v}
  - {id: uniq, check: unique, field: v}
"""

# --- values as written ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "1", "-7", "0", "-0", "3.0", "1e2", "1E+2", "2.5", "true", "false", "null", '"12"', '"1"', '""', "[]", "[1]",
    "{}", '{"a": 1}', "123456789012345678901234567890", "-123456789012345678901234567890", "18446744073709551615",
    "9007199254740993", "1e400", '"\\u0031"', '"\\"quoted\\""', '"tab\\tx"', '"é"', '"\\u00e9"',
])
def test_types_as_written(tmp_path, text):
    path = write_lines(tmp_path / "v.jsonl", [f'{{"v": {text}}}', '{"v": 1}', '{"w": 1}', f'{{"v": {text}}}'])
    assert_same(str(path), TYPES_RULES)


def test_integer_type_is_strict_and_counts_are_exact(tmp_path):
    path = write_lines(tmp_path / "v.jsonl", ['{"v": 1}', '{"v": true}', '{"v": 3.0}', '{"v": "12"}',
                                              '{"v": 123456789012345678901234567890}', '{"v": null}', "{}"])
    report = assert_same(str(path), TYPES_RULES)
    assert report.rule("int").violations == 3
    assert [v.line for v in report.rule("int").examples] == [2, 3, 4]
    rng = report.rule("rng")
    assert [(v.line, v.reason) for v in rng.examples] == [
        (2, "not_comparable"), (4, "not_comparable"), (5, "out_of_range")]


def test_missing_and_null_are_told_apart(tmp_path):
    path = write_lines(tmp_path / "v.jsonl", ['{"a": 1}', '{"b": null}', '{"a": null}', '{"a": 0, "b": false}'])
    report = assert_same(str(path), """\
rules:
  - {id: need-a, check: required, field: a}
  - {id: need-b, check: required, field: b, allow_null: true}
  - {id: a-nn, check: not_null, field: a}
""")
    assert [(v.line, v.reason) for v in report.rule("need-a").examples] == [(2, "missing_field"), (3, "null_value")]
    assert [v.line for v in report.rule("need-b").examples] == [1, 3]
    assert [v.line for v in report.rule("a-nn").examples] == [3]


# --- malformed input and line numbers ---------------------------------------------------------------

MALFORMED = [
    b'{"a": 1}', b'{"a": ', b"", b"   ", b"\t\x0b\x0c", b"[1, 2]", b'"text"', b'{"a": NaN}', b'{"a": -Infinity}',
    b'{"a": nan}', b'{"a": [1, inf]}', b'{"a": 1,}', b'{"a": [1, 2, ]}', b'{"a": "x\x01y"}', b'\x01',
    b'{"a": "nul\x00"}', b'{"a": "\xff"}', b"\xef\xbb\xbf{\"a\": 7}", b'{"a": "info: NaN, in the text"}',
    b'{"a": "\\ud83d\\ude00"}', b'{"a": 1} {"b": 2}', b"{'a': 1}", b'{"a": 1e400}', b'{"a": "tail"} ',
    b'{"a": 2}',
]


def test_malformed_lines_match_the_python_engine(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", MALFORMED)
    report = assert_same(str(path), "rules:\n  - {id: need-a, check: required, field: a}\n")
    s = report.summary
    assert s.records_total == s.records_checked + s.records_malformed
    assert s.records_malformed == report.rule("parse").violations > 10


def test_carriage_returns_are_kept_as_in_python(tmp_path):
    lines = [b'{"a": 1}\r', b'{"a": "x\ry"}', b'\r', b'{"a":\r2}', b'{"a": 3}\r\r', b'{"b": 4}']
    path = write_lines(tmp_path / "crlf.jsonl", lines)
    report = assert_same(str(path), "rules:\n  - {id: need-a, check: required, field: a}\n")
    assert [v.line for v in report.rule("parse").examples] == [2]
    assert [v.line for v in report.rule("need-a").examples] == [6]


def test_long_and_invalid_utf8_lines_keep_later_line_numbers(tmp_path):
    lines = [b'{"a": 1}', b'{"a": "' + b"x" * 200 + b'"}', b'{"a": "\xc3"}', b"", b'{"b": 1}', b'{"a": 2}',
             b"x" * 500, b'{"b": 2}']
    path = write_lines(tmp_path / "long.jsonl", lines)
    report = assert_same(str(path), "rules:\n  - {id: need-a, check: required, field: a}\n", max_line_bytes=100)
    assert [(v.line, v.reason) for v in report.rule("parse").examples] == [
        (2, "line_too_long"), (3, "invalid_encoding"), (7, "line_too_long")]
    assert [v.line for v in report.rule("need-a").examples] == [5, 8]


def test_lines_above_duckdbs_default_limit_are_records_when_allowed(tmp_path):
    big = b'{"a": "' + b"y" * (3 * 1024 * 1024) + b'"}'
    path = write_lines(tmp_path / "huge.jsonl", [b'{"b": 1}', big, b"\xff" * 10, b'{"b": 2}'])
    report = assert_same(str(path), "rules:\n  - {id: need-a, check: required, field: a}\n")
    assert report.summary.records_malformed == 1
    assert [v.line for v in report.rule("need-a").examples] == [1, 4]


def test_line_numbers_survive_a_parallel_scan(tmp_path):
    rng = random.Random(7)
    lines = []
    for i in range(60000):
        roll = rng.random()
        if roll < 0.01:
            lines.append(b"")
        elif roll < 0.015:
            lines.append(b'{"v": "\xfe"}')
        elif roll < 0.02:
            lines.append(b"oops")
        else:
            lines.append(json.dumps({"v": i if roll > 0.05 else str(i), "pad": "x" * rng.randint(0, 200)}).encode())
    path = write_lines(tmp_path / "big.jsonl", lines)
    report = assert_same(str(path), "rules:\n  - {id: int, check: type, field: v, type: integer}\n",
                         max_examples=50)
    assert len(report.rule("int").examples) == 50


# --- every check, generated data ---------------------------------------------------------------------

VALUES = [None, 0, 1, -1, 5, 12, 1000, 1001, -999, 3.0, 2.5, 10.5, 1e20, 10**20, 10**30, -0.0, True, False, "",
          "a", "12", "active", "inactive", "Active", "héllo", "😀", "2026-01-15T11:30:00Z", "2026-01-15T10:00:00Z",
          "2026-01-15T12:10:00+00:00", "2026-01-15", "2026-02-30", "2026-01-15T11:30:00.5", "2026-01-15 11:30",
          "20260115T113000Z", 1768474800, 1768470000.5, "123e4567-e89b-12d3-a456-426614174000", "ana@example.com",
          "a b@x.com", "abc_12", 'a"b', "tab\there", [], [1], [1, 2, 3], {}, {"value": 3}, {"value": None}]

json_values = st.sampled_from(VALUES)
items = st.lists(st.dictionaries(st.sampled_from(["sku", "qty"]), json_values, max_size=2), max_size=3)
records = st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["abc_1", "abc_2", "xyz_3", 1, 1.0, "1", True, None]),
    "data": st.one_of(st.fixed_dictionaries({}, optional={"value": json_values}), json_values),
    "amount": json_values, "status": json_values, "note": json_values, "ts": json_values, "uid": json_values,
    "mail": json_values, "flag": json_values, "items": st.one_of(items, json_values),
})
RULESET_ALL = ruleset(ALL_CHECKS_RULESET)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(records, min_size=1, max_size=40))
def test_every_check_agrees_with_the_python_engine(tmp_path, recs):
    path = write_lines(tmp_path / "gen.jsonl", [json.dumps(r) for r in recs])
    assert_same(str(path), RULESET_ALL)


@pytest.mark.parametrize("max_examples", [0, 1, 3, 20, None])
def test_example_caps_keep_exact_counts(tmp_path, max_examples):
    rng = random.Random(3)
    recs = [{"id": rng.choice(["a_1", "a_2", 1, "b"]), "data": {"value": rng.choice([1, 5, "x", None, -1])},
             "items": [{"sku": rng.choice(["s", "t", None])} for _ in range(rng.randint(0, 3))]} for _ in range(200)]
    path = write_lines(tmp_path / "c.jsonl", [json.dumps(r) for r in recs])
    report = assert_same(str(path), RULESET_ALL, max_examples=max_examples)
    for result in report.rules:
        if max_examples is not None:
            assert len(result.examples) <= max_examples


# --- expressions and where --------------------------------------------------------------------------

EXPRESSIONS = [
    "a = 1", "a != 1", "a < b", "a + b = 3", "a / b > 0.5", "a % 2 = 1", "s = 'x'", "s != 'x'", "s < 'b'",
    "s like 'x%'", "s like '_y'", "s ilike 'X%'", "s in ('x', 'y')", "a in (1, 2)", "a not in (1, 2)",
    "a between 1 and 2", "not (a > 1)", "a is null", "s is not null and a is null", "a = 1 or s = 'x'",
    "length(s) > 1", "trim(s) = 'x'", "abs(a) > 1", "starts_with(s, 'x')", "regexp_matches(s, '^[xy]')",
    "f", "not f", "f = true", "lower(s) = 'x'", "coalesce(a, 0) = 0", "case when a > 1 then 'big' else 'small' end = 'big'",
    "round(a) = 2", "a = b", "s = t",
]
EXPR_VALUES = [None, 1, 2, 2.5, -3, 0, "x", "y", "X", "xy", " x ", "é", True, False, [1], {"k": 1},
               123456789012345678901234567890]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_expressions_match_the_python_engine(tmp_path, expr):
    rng = random.Random(hash(expr) & 0xFFFF)
    keys = ["a", "b", "s", "t", "f"]
    recs = [{k: rng.choice(EXPR_VALUES) for k in keys if rng.random() < 0.85} for _ in range(120)]
    recs += [{"a": 1, "b": 2, "s": "x", "t": "x", "f": True}, {"a": 2, "b": 1, "s": "y", "t": "z", "f": False}]
    path = write_lines(tmp_path / "e.jsonl", [json.dumps(r) for r in recs])
    text = json.dumps(expr)
    assert_same(str(path), f"""\
fields:
  a: {{type: number}}
  b: {{type: number}}
  s: {{description: untyped}}
  t: {{type: string}}
  f: {{description: untyped}}
rules:
  - {{id: e, check: expression, expr: {text}}}
  - {{id: w, check: required, field: a, where: {text}}}
  - {{id: rows, check: row_count, min: 1000, where: {text}}}
""")


# --- sources ----------------------------------------------------------------------------------------

SOURCE_RULES = """\
fields:
  id: {type: integer, unique: true}
  name: {type: string, required: true}
  score: {type: number, min: 0, max: 10}
  ok: {type: boolean}
"""


def test_csv_is_typed_like_the_python_engine(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,name,score,ok\n1,ann,5,true\n2,,11,no\n2,"bo, b",x,false\n3,cy\n4,"multi\nline",1e3,TRUE\n',
                    encoding="utf-8")
    report = assert_same(str(path), SOURCE_RULES)
    assert report.summary.records_malformed == 1


def test_json_array_elements_are_numbered(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"id": 1, "name": "a"}, {"id": 1}, 5, {"id": "2", "name": "b", "score": 20}]))
    report = assert_same(str(path), SOURCE_RULES)
    assert [v.line for v in report.rule("parse").examples] == [3]


def test_gzip_and_several_sources(tmp_path):
    import gzip

    one = write_lines(tmp_path / "a.jsonl", ['{"id": 1, "name": "a"}', '{"id": 2}', "bad"])
    two = tmp_path / "b.jsonl.gz"
    two.write_bytes(gzip.compress(b'{"id": 2, "name": "b"}\r\n\n{"id": 1, "name": "c", "score": 99}\n'))
    report = assert_same([str(one), str(two)], SOURCE_RULES)
    uniq = report.rule("id.unique")
    assert [(v.line, v.source) for v in uniq.examples] == [(1, str(two)), (3, str(two))]
    assert uniq.examples[0].message.endswith(f"duplicate of {one}:2")  # first seen in the other file


def test_corrupt_gzip_stops_like_the_python_engine(tmp_path):
    import gzip

    data = gzip.compress(b"".join(b'{"id": %d, "name": "n"}\n' % i for i in range(2000)))
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    assert_same(str(path), SOURCE_RULES)


def test_in_memory_records(tmp_path):
    recs = [{"id": 1, "name": "a", "score": float("nan")}, {"id": 10**30, "name": None}, "not a record",
            {"id": 1, "name": "b", "score": float("inf")}, {"id": 2.0, "name": "c", "ok": 1}]
    assert_same(recs, SOURCE_RULES)


def test_stdin(tmp_path, monkeypatch):
    import io
    import sys

    data = b'{"id": 1, "name": "a"}\r\n{"id": 1}\nnope\n'

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin())
    py = check("-", ruleset(SOURCE_RULES), engine="python", max_examples=None, ref_time=REF_TIME)
    Stdin.buffer = io.BytesIO(data)
    dd = check("-", ruleset(SOURCE_RULES), engine="duckdb", max_examples=None, ref_time=REF_TIME)
    from test_engine_duckdb_helpers import diff, normalised

    assert normalised(py) == normalised(dd), diff(normalised(py), normalised(dd))
    assert dd.summary.sources == ["<stdin>"]


def test_duckdb_relations_and_parquet(tmp_path):
    import duckdb

    con = duckdb.connect()
    rel = con.sql("SELECT * FROM (VALUES (1, 'a', 5.5, true), (1, NULL, 11.0, false), (2, 'c', NULL, NULL)) "
                  "t(id, name, score, ok)")
    report = check(rel, ruleset(SOURCE_RULES), engine="duckdb", max_examples=None, ref_time=REF_TIME)
    expected = check([{"id": 1, "name": "a", "score": 5.5, "ok": True},
                      {"id": 1, "name": None, "score": 11.0, "ok": False},
                      {"id": 2, "name": "c", "score": None, "ok": None}], ruleset(SOURCE_RULES), engine="python",
                     max_examples=None, ref_time=REF_TIME)
    from test_engine_duckdb_helpers import diff, normalised

    assert normalised(report) == normalised(expected), diff(normalised(expected), normalised(report))
    parquet = tmp_path / "t.parquet"
    rel.write_parquet(str(parquet))
    from_file = check(str(parquet), ruleset(SOURCE_RULES), engine="duckdb", max_examples=None, ref_time=REF_TIME)
    a, b = normalised(from_file), normalised(expected)
    a["summary"]["sources"] = b["summary"]["sources"] = []
    for rule in a["rules"]:
        for example in rule["examples"]:
            example["source"] = None
    assert a == b


def test_metadata_and_completion(tmp_path):
    path = write_lines(tmp_path / "m.jsonl", ['{"id": 1, "name": "a"}', '{"id": 2, "name": "b"}'])
    rules = SOURCE_RULES + """\
metadata_rules:
  fields:
    source_system: {type: string, required: true}
    expected_records: {type: integer, min: 1}
  completion: {expected_field: expected_records, min: 0.95}
"""
    report = assert_same(str(path), rules, metadata={"expected_records": 4})
    assert report.summary.completion_rate == 0.5
    assert report.summary.metadata_valid is False


def test_seed_ruleset_on_seed_like_data(tmp_path):
    rng = random.Random(11)
    lines = []
    for i in range(3000):
        rec = {"id": f"user_events_1_{i}", "timestamp": f"2026-01-15T11:{rng.randint(0, 59):02d}:00Z",
               "data": {"value": rng.randint(1, 1000), "status": "active"}, "user_id": f"user_{rng.randint(1, 99)}",
               "session_id": f"session_{i}"}
        roll = rng.random()
        if roll < 0.05:
            del rec["timestamp"]
        elif roll < 0.1:
            rec["data"]["value"] = -999
        elif roll < 0.12:
            rec["id"] = f"user_events_1_{i - 1}"
        elif roll < 0.13:
            rec["data"]["value"] = "12"
        lines.append(json.dumps(rec))
    path = write_lines(tmp_path / "seed.jsonl", lines + ["{broken"])
    from pathlib import Path

    rules = Path(__file__).resolve().parent.parent / "rulesets" / "pipeline-events.yaml"
    from rfsrules.ruleset.loader import load_ruleset

    py, dd = run_both(str(path), load_ruleset(str(rules)), metadata={
        "source_system": "sim", "pipeline_stage": "ingest", "data_freshness": "2026-01-15T11:59:00Z",
        "expected_records": 3001})
    from test_engine_duckdb_helpers import diff, normalised

    assert normalised(py) == normalised(dd), diff(normalised(py), normalised(dd))


TRICKY_LINES = MALFORMED + [
    b'{"a": 1}\r', b"\r", b'{"a": "\r"}', b"\x01{\"a\": 1}", b'{"a": 1}\x01', b"\x01", b"\xef\xbb\xbf", b" \t ",
    b'{"a": [1, {"b": NaN}]}', b'{"a": "NaN"}', b'{"a": ":Infinity"}', b'{"a": {"b": 1,}}', b'{"a": [ ]}',
    b'{"a": 12345678901234567890123}', b'{"a": -0}', b'{"b": "\\u0000"}',
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(TRICKY_LINES), records.map(lambda r: json.dumps(r).encode())),
                min_size=1, max_size=30))
def test_accounting_and_lines_on_tricky_input(tmp_path, lines):
    path = write_lines(tmp_path / "tricky.jsonl", lines)
    report = assert_same(str(path), RULESET_ALL, max_line_bytes=400)
    s = report.summary
    assert s.records_total == s.records_checked + s.records_malformed


# --- documented differences (docs/engines.md) --------------------------------------------------------

def test_documented_difference_lone_surrogate_escapes(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", [b'{"a": "\\ud800"}'])
    rules = ruleset("rules:\n  - {id: need-a, check: required, field: a}\n")
    py = check(str(path), rules, engine="python")
    dd = check(str(path), rules, engine="duckdb")
    assert (py.summary.records_malformed, dd.summary.records_malformed) == (0, 1)
    assert dd.rule("parse").examples[0].line == 1


def test_documented_difference_duplicate_keys(tmp_path):
    path = write_lines(tmp_path / "d.jsonl", [b'{"a": 1, "a": "x"}'])
    rules = ruleset("rules:\n  - {id: a-int, check: type, field: a, type: integer}\n")
    assert check(str(path), rules, engine="python").rule("a-int").violations == 1  # the last "a" counts
    assert check(str(path), rules, engine="duckdb").rule("a-int").violations == 0  # the first "a" counts


def test_unique_examples_without_other_failures(tmp_path):
    recs = [{"id": "a", "k": {"x": [1, 2]}, "n": 1, "f": 1.0, "t": [{"v": 1}]},
            {"id": "b", "k": {"x": [1, 2]}, "n": 1, "f": 1, "t": [{"v": 2}, {"v": 1}]},
            {"id": "c", "k": {"x": [3, 2]}, "n": 2, "f": 2.5, "t": [{"v": 3}, {"v": 3}]},
            {"id": "d", "k": {"x": [3, 2]}, "n": 2, "f": 2.5, "t": []},
            {"id": "e", "k": {"x": [0, 9]}, "n": 10**30, "f": True},
            {"id": "f", "k": {"x": [0, 9]}, "n": 10**30, "f": True}]
    path = write_lines(tmp_path / "u.jsonl", [json.dumps(r) for r in recs])
    report = assert_same(str(path), """\
record_id: id
rules:
  - {id: by-index, check: unique, field: "k.x[1]"}
  - {id: pair, check: unique, fields: ["k.x[0]", n]}
  - {id: floats, check: unique, field: f}
  - {id: star, check: unique, field: "t[*].v"}
""")
    assert [(v.line, v.record_id) for v in report.rule("pair").examples] == [(2, "b"), (4, "d"), (6, "f")]
    assert [v.message for v in report.rule("floats").examples] == [
        "1 is a duplicate of line 1", "2.5 is a duplicate of line 3", "true is a duplicate of line 5"]
    assert [v.field for v in report.rule("star").examples] == ["t[1].v", "t[1].v"]


@pytest.mark.parametrize("depth", [500, 995, 1000, 1100, 100_000])
def test_deep_nesting_is_decided_by_python(tmp_path, depth):
    nested = b"[" * depth + b"]" * depth
    path = write_lines(tmp_path / "deep.jsonl", [b'{"id": 1, "v": ' + nested + b"}", b'{"id": 2}', b'{"v": ' + nested + b"}"])
    assert_same(str(path), "rules:\n  - {id: need-id, check: required, field: id}\n")
