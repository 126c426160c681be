"""The Python engine over every kind of source: gzip, JSON arrays, typed CSV, stdin, in-memory records."""

from __future__ import annotations

import gzip
import io
import sys
from datetime import datetime, timezone

import pytest

from rfsrules.errors import InputError
from rfsrules.paths import parse_path
from rfsrules.plugins.manager import default_registry
from rfsrules.ruleset.model import FieldSpec, Rule, Ruleset, frozen_mapping
from rfsrules.runner import check

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)


def rule(rule_id, check_name, fields=(), **params):
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    spec = default_registry().get(check_name)
    return Rule(id=rule_id, check=check_name, level=spec.level, fields=tuple(parse_path(f) for f in fields),
                params=frozen_mapping(params), severity=spec.default_severity, dimension=spec.default_dimension)


def ruleset(*rules, fields=()):
    return Ruleset(name="t", version="1", source="<test>", rules=tuple(rules), fields=tuple(fields))


def run(data, rs, **kw):
    return check(data, rs, ref_time=REF, measure_resources=False, max_examples=None, **kw)


NEED_A = rule("need-a", "required", "a")


def test_gzip_jsonl(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b'{"a": 1}\n{"b": 2}\nnope\n\n{"a": 3}\n')
    report = run(str(path), ruleset(NEED_A))
    assert (report.summary.records_total, report.summary.records_malformed) == (4, 1)
    assert [v.line for v in report.rule("need-a").examples] == [2]
    assert [v.line for v in report.rules[0].examples] == [3]


def test_truncated_gzip_is_a_parse_violation_not_a_crash(tmp_path):
    data = gzip.compress(b"".join(b'{"a": %d, "pad": "%s"}\n' % (i, b"x" * 50) for i in range(2000)))
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(data[: len(data) // 2])
    report = run(str(path), ruleset(NEED_A))
    s = report.summary
    assert s.records_malformed == 1 and s.records_total == s.records_checked + 1
    (bad,) = report.rules[0].examples
    assert bad.reason == "invalid_encoding" and bad.message.startswith("unreadable input: EOFError")
    assert bad.line == s.records_checked + 1


def test_json_array_file(tmp_path):
    path = tmp_path / "batch.json"
    path.write_text('[{"a": 1}, {"b": 2}, [3], {"a": 4}]')
    report = run(str(path), ruleset(NEED_A))
    assert (report.summary.records_total, report.summary.records_malformed) == (4, 1)
    assert [v.line for v in report.rule("need-a").examples] == [2]
    assert [(v.line, v.reason) for v in report.rules[0].examples] == [(3, "not_an_object")]


def test_csv_is_typed_by_declared_fields_and_type_rules(tmp_path):
    path = tmp_path / "batch.csv"
    path.write_text("id,value,active,note\n1,10,true,x\n2,12.5,no,\n3,abc,false\n,7,true,y\n", encoding="utf-8")
    rs = ruleset(rule("value-int", "type", "value", type="integer"), rule("active-bool", "type", "active", type="boolean"),
                 rule("id-req", "required", "id"), rule("note-nn", "not_null", "note"), rule("id-int", "in", "id", values=[1, 2]),
                 fields=[FieldSpec(parse_path("id"), frozen_mapping({"type": "integer"}))])
    report = run(str(path), rs)
    assert [(v.line, v.value) for v in report.rule("value-int").examples] == [(3, "12.5")]
    assert [(v.line, v.value) for v in report.rule("active-bool").examples] == [(3, "no")]
    assert [(v.line, v.reason) for v in report.rule("id-req").examples] == [(5, "null_value")]
    assert [v.line for v in report.rule("note-nn").examples] == [3]
    assert [(v.line, v.reason) for v in report.rules[0].examples] == [(4, "malformed_csv")]
    assert report.rule("id-int").violations == 0  # "1" and "2" became integers: `id` is declared integer


def test_csv_absent_column_is_missing(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("b\n1\n")
    report = run(str(path), ruleset(NEED_A))
    assert report.rule("need-a").examples[0].reason == "missing_field"


def test_stdin_jsonl(monkeypatch):
    class FakeStdin:
        buffer = io.BytesIO(b'{"a": 1}\n{}\n\n"x"\n')

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    report = run("-", ruleset(NEED_A))
    assert report.summary.sources == ["<stdin>"]
    assert [(v.line, v.source) for v in report.rule("need-a").examples] == [(2, "<stdin>")]
    assert [(v.line, v.reason) for v in report.rules[0].examples] == [(4, "not_an_object")]


def test_in_memory_records_and_mappings():
    from types import MappingProxyType

    report = run(iter([{"a": 1}, MappingProxyType({"b": 1}), ["x"], {}]), ruleset(NEED_A))
    assert [v.line for v in report.rule("need-a").examples] == [2, 4]
    assert [(v.line, v.reason, v.source) for v in report.rules[0].examples] == [(3, "not_an_object", None)]
    assert report.summary.records_total == 4


def test_mixed_sources_in_one_batch(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n')
    report = run([str(path), str(path)], ruleset(rule("u", "unique", "id")))
    assert [(v.line, v.source) for v in report.rule("u").examples] == [(1, str(path))]


def test_missing_file_is_an_input_error_before_reading(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text("{}\n")
    with pytest.raises(InputError) as info:
        run([str(good), "x.jsonl"], ruleset(NEED_A))
    assert str(info.value) == "cannot read 'x.jsonl': No such file or directory"


def test_line_too_long_is_reported_and_skipped(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "' + b"x" * 5000 + b'"}\n{"b": 1}\n')
    report = run(str(path), ruleset(NEED_A), max_line_bytes=1000)
    assert [(v.line, v.reason) for v in report.rules[0].examples] == [(2, "line_too_long")]
    assert [v.line for v in report.rule("need-a").examples] == [3]
