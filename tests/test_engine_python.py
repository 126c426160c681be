"""The Python reference engine: parse accounting, counting, examples, templates, errors, metadata, quality."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfsrules.checks.spec import CheckFailure, CheckRegistry, CheckSpec
from rfsrules.engines.api import RunOptions
from rfsrules.engines.python import PythonEngine
from rfsrules.paths import parse_path
from rfsrules.plugins.manager import default_registry
from rfsrules.ruleset.model import CompletionConfig, Rule, Ruleset, Span, frozen_mapping
from rfsrules.runner import check

REF = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)


def rule(rule_id, check_name, fields=(), level=None, **kw):
    """A Rule as the loader would build it (level looked up from the built-in registry)."""
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    spec = default_registry().get(check_name) if check_name in default_registry() else None
    params = kw.pop("params", {})
    return Rule(id=rule_id, check=check_name, level=level or (spec.level if spec else "record"),
                fields=tuple(parse_path(f) for f in fields), params=frozen_mapping(params),
                severity=kw.pop("severity", spec.default_severity if spec else "medium"),
                dimension=kw.pop("dimension", spec.default_dimension if spec else "accuracy"), **kw)


def ruleset(*rules, metadata_rules=(), **kw):
    return Ruleset(name="t", version="1", source="<test>", rules=tuple(rules),
                   metadata_rules=tuple(metadata_rules), **kw)


def write(path, *lines: bytes | str):
    path.write_bytes(b"".join((x.encode() if isinstance(x, str) else x) + b"\n" for x in lines))
    return str(path)


def run(data, rs, **kw):
    kw.setdefault("ref_time", REF)
    kw.setdefault("measure_resources", False)
    return check(data, rs, **kw)


NEED_A = rule("need-a", "required", "a")


# --- parsing and accounting ----------------------------------------------------------------------------

def test_malformed_lines_are_parse_violations_with_lines_and_reasons(tmp_path):
    path = write(tmp_path / "b.jsonl", '{"a": 1}', '{"a": ', "", "[1, 2]", '"text"', '{"b": 1}', '{"a": NaN}',
                 b'{"a": "\xff"}', "   ", '{"a": 123456789012345678901234567890}')
    report = run(path, ruleset(NEED_A))
    s = report.summary
    assert (s.records_total, s.records_checked, s.records_malformed) == (8, 3, 5)
    parse = report.rules[0]
    assert parse.id == "parse" and parse.severity == "critical" and parse.dimension == "consistency"
    assert [(v.line, v.reason) for v in parse.examples] == [
        (2, "malformed_json"), (4, "not_an_object"), (5, "not_an_object"), (7, "malformed_json"),
        (8, "invalid_encoding")]
    assert [v.message for v in parse.examples[:3]] == [
        "invalid JSON: expecting value at column 7", "not a JSON object (got array)", "not a JSON object (got string)"]
    assert parse.examples[0].value == '{"a": ' and parse.examples[0].source == path
    assert [v.line for v in report.rule("need-a").examples] == [6]
    assert s.records_failed == 6


def test_the_parse_rule_is_always_first_even_when_nothing_is_malformed(tmp_path):
    report = run(write(tmp_path / "ok.jsonl", '{"a": 1}'), ruleset(NEED_A))
    assert [(r.id, r.status, r.violations) for r in report.rules] == [("parse", "passed", 0), ("need-a", "passed", 0)]


LINE_KINDS = {
    "good": (b'{"a": 1}', "ok"),
    "missing": (b'{"b": 1}', "ok"),
    "bad_json": (b'{"a": ', "malformed_json"),
    "array": (b"[1]", "not_an_object"),
    "number": (b"12", "not_an_object"),
    "bad_utf8": (b'{"a": "\xc3\x28"}', "invalid_encoding"),
    "blank": (b"", None),
    "spaces": (b"  \t", None),
    "long": (b'{"a": "' + b"x" * 200 + b'"}', "line_too_long"),
}


@settings(max_examples=50, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(LINE_KINDS)), max_size=40))
def test_accounting_identity_holds_for_any_mix_of_lines(tmp_path_factory, kinds):
    path = tmp_path_factory.mktemp("mix") / "mix.jsonl"
    path.write_bytes(b"".join(LINE_KINDS[k][0] + b"\n" for k in kinds))
    report = run(str(path), ruleset(NEED_A), max_line_bytes=100, max_examples=None)
    s = report.summary
    expected_bad = [(n, LINE_KINDS[k][1]) for n, k in enumerate(kinds, 1) if LINE_KINDS[k][1] not in ("ok", None)]
    assert s.records_total == s.records_checked + s.records_malformed
    assert s.records_total == sum(1 for k in kinds if LINE_KINDS[k][1] is not None)
    assert [(v.line, v.reason) for v in report.rules[0].examples] == expected_bad
    assert [v.line for v in report.rule("need-a").examples] == [n for n, k in enumerate(kinds, 1) if k == "missing"]
    assert s.records_failed == len(expected_bad) + kinds.count("missing")


def test_huge_integers_stay_exact_integers(tmp_path):
    path = write(tmp_path / "big.jsonl", '{"v": 123456789012345678901234567890}', '{"v": -99999999999999999999}',
                 '{"v": 1e19}', '{"v": 18446744073709551615}')
    rs = ruleset(rule("int", "type", "v", params={"type": "integer"}),
                 rule("u", "unique", "v"))
    report = run(path, rs, max_examples=None)
    assert [v.line for v in report.rule("int").examples] == [3]
    assert report.rule("u").violations == 0


def test_line_numbers_and_sources_across_files(tmp_path):
    a = write(tmp_path / "a.jsonl", '{"a": 1}', '{"b": 1}')
    b = write(tmp_path / "b.jsonl", "", '{"b": 2}', "oops")
    report = run([a, b], ruleset(NEED_A))
    assert [(v.source, v.line) for v in report.rule("need-a").examples] == [(a, 2), (b, 2)]
    assert [(v.source, v.line) for v in report.rules[0].examples] == [(b, 3)]
    assert report.summary.sources == [a, b]
    assert report.summary.records_total == 4


def test_unique_spans_all_sources_of_a_batch(tmp_path):
    a = write(tmp_path / "a.jsonl", '{"id": "x"}', '{"id": "y"}')
    b = write(tmp_path / "b.jsonl", '{"id": "y"}', '{"id": "x"}', '{"id": "z"}')
    report = run([a, b], ruleset(rule("uid", "unique", "id")))
    assert [(v.source, v.line, v.value) for v in report.rule("uid").examples] == [(b, 1, "y"), (b, 2, "x")]


def test_per_file_runs_one_report_per_source(tmp_path):
    a = write(tmp_path / "a.jsonl", '{"id": "x"}')
    b = write(tmp_path / "b.jsonl", '{"id": "x"}', '{}')
    reports = run([a, b], ruleset(rule("uid", "unique", "id"), NEED_A), per_file=True)
    assert [r.summary.sources for r in reports] == [[a], [b]]
    assert [r.rule("uid").violations for r in reports] == [0, 0]
    assert [r.rule("need-a").violations for r in reports] == [1, 2]


# --- counting, examples, messages ---------------------------------------------------------------------

def test_a_record_failing_on_two_fields_counts_once(tmp_path):
    rs = ruleset(rule("core", "required", ["id", "ts", "data"]), rule("pos", "range", ["x", "y"], params={"min": 0}))
    report = run([{"id": "a", "ts": 1, "data": {}}, {"id": "b", "x": -1, "y": -2}, {"x": 1}], rs)
    core, pos = report.rule("core"), report.rule("pos")
    assert (core.violations, core.failures) == (2, 5)
    assert [(v.line, v.field) for v in core.examples] == [(2, "ts"), (2, "data"), (3, "id"), (3, "ts"), (3, "data")]
    assert (pos.violations, pos.failures) == (1, 2)
    assert report.summary.violations_total == 3 and report.summary.failures_total == 7


def test_max_examples_caps_examples_not_counts():
    records = [{"v": -i} for i in range(1, 51)]
    rs = ruleset(rule("pos", "range", "v", params={"min": 0}))
    report = run(records, rs, max_examples=3)
    assert report.rule("pos").violations == 50 and len(report.rule("pos").examples) == 3
    assert [v.line for v in report.rule("pos").examples] == [1, 2, 3]
    assert len(run(records, rs, max_examples=None).rule("pos").examples) == 50
    assert run(records, rs, max_examples=0).rule("pos").examples == []


def test_record_id_context_and_message_template():
    rs = ruleset(rule("pos", "range", "data.v", params={"min": 0}, severity="high",
                      message="{rule_id}: {field}={value} below {min} (line {line}, {missing})"),
                 record_id=parse_path("meta.id"))
    report = run([{"meta": {"id": "r1"}, "data": {"v": -5}}, {"data": {"v": "x"}}], rs, context={"batch_id": "b7"})
    first, second = report.rule("pos").examples
    assert first.message == "pos: data.v=-5 below 0 (line 1, {missing})"
    assert second.message == "pos: data.v=x below 0 (line 2, {missing})"
    assert (first.record_id, second.record_id) == ("r1", None)
    assert first["batch_id"] == "b7" and first.severity == "high" and first.source is None
    assert report.context == {"batch_id": "b7"}


def test_where_filter_keeps_only_true_records():
    from rfsrules.expr import parse_expression

    where = parse_expression("status = 'active'")
    rs = ruleset(rule("v", "range", "v", params={"min": 1}, where=where, where_text="status = 'active'"),
                 rule("n", "row_count", params={"max": 1}, where=where, where_text="status = 'active'"),
                 rule("all", "row_count", params={"max": 1}))
    records = [{"status": "active", "v": 0}, {"status": "inactive", "v": 0}, {"v": 0}, {"status": "active", "v": 5}]
    report = run(records, rs)
    assert [v.line for v in report.rule("v").examples] == [1]
    assert report.rule("n").examples[0].value == 2
    assert report.rule("all").examples[0].value == 4


def test_value_cache_keeps_json_types_apart():
    rs = ruleset(rule("code", "in", "c", params={"values": [1, "a"]}))
    records = [{"c": 1}, {"c": True}, {"c": 1.0}, {"c": "1"}, {"c": 1}, {"c": True}, {"c": "a"}, {"c": "1"}]
    report = run(records, rs, max_examples=None)
    assert [v.line for v in report.rule("code").examples] == [2, 4, 6, 8]


def test_values_beyond_a_full_cache_are_still_checked(monkeypatch):
    from rfsrules.engines import python_codegen

    monkeypatch.setattr(python_codegen, "CACHE_LIMIT", 4)
    rs = ruleset(rule("short", "length", "s", params={"max": 2}))
    records = [{"s": "x" * (i % 6)} for i in range(30)]
    report = run(records, rs, max_examples=None)
    assert [v.line for v in report.rule("short").examples] == [n + 1 for n in range(30) if n % 6 > 2]


def test_wildcard_paths_report_concrete_fields():
    rs = ruleset(rule("sku", "pattern", "items[*].sku", params={"pattern": "^A"}),
                 rule("need", "required", "items[*].sku"))
    report = run([{"items": [{"sku": "A1"}, {"sku": "B2"}, {}]}, {"items": "x"}], rs)
    assert [(v.line, v.field) for v in report.rule("sku").examples] == [(1, "items[1].sku")]
    assert [(v.line, v.field) for v in report.rule("need").examples] == [(1, "items[2].sku"), (2, "items")]


def test_disabled_rules_are_skipped_and_unmeasured():
    rs = ruleset(NEED_A, rule("t", "type", "a", params={"type": "string"}, enabled=False))
    report = run([{"a": 1}], rs)
    assert report.rule("t").status == "skipped"
    assert report.summary.quality.accuracy is None


# --- errors in checks ----------------------------------------------------------------------------------

def _raising_registry():
    def build_value(rule, ctx):
        def test(v):
            if v == 2:
                raise ZeroDivisionError("bad value")
            return None if v else ("wrong_type", "falsy")
        return test

    def build_record(rule, ctx):
        def test(record, line):
            raise KeyError("boom")
        return test

    specs = list(default_registry()) + [
        CheckSpec(name="t.flaky", level="value", summary="raises on 2", python=build_value, fields="many",
                  plugin="flaky-plugin"),
        CheckSpec(name="t.broken", level="record", summary="always raises", python=build_record, fields="none",
                  plugin="broken-plugin"),
    ]
    return CheckRegistry(specs)


def test_a_raising_check_errors_its_rule_only():
    registry = _raising_registry()
    rs = ruleset(rule("flaky", "t.flaky", "v", level="value"), rule("broken", "t.broken", level="record"),
                 rule("pos", "range", "v", params={"min": 1}))
    records = [{"v": 0}, {"v": 2}, {"v": 2}, {"v": 5}, {"v": -1}]
    report = run(records, rs, registry=registry)
    flaky, broken, pos = report.rule("flaky"), report.rule("broken"), report.rule("pos")
    assert (flaky.status, flaky.plugin, flaky.violations, flaky.error_count) == ("error", "flaky-plugin", 1, 2)
    assert flaky.error == "ZeroDivisionError: bad value (plugin flaky-plugin)"
    assert (broken.status, broken.error, broken.error_count) == ("error", "KeyError: 'boom' (plugin broken-plugin)", 5)
    assert (pos.status, [v.line for v in pos.examples]) == ("failed", [1, 5])
    assert report.has_errors and report.summary.passed is False


# --- batch, metadata, quality ---------------------------------------------------------------------------

def test_batch_rules_report_once_without_a_line():
    rs = ruleset(rule("rows", "row_count", params={"min": 5}), rule("mean", "statistic", "v",
                 params={"stat": "mean", "max": 2}))
    report = run([{"v": 1}, {"v": 5}, "junk"], rs)
    rows, mean = report.rule("rows"), report.rule("mean")
    assert (rows.violations, rows.failures, rows.examples[0].line, rows.examples[0].value) == (1, 1, None, 2)
    assert (mean.violations, mean.examples[0].value, mean.examples[0].source) == (1, 3, None)
    assert report.summary.records_failed == 1  # only the malformed item: batch rules fail no record


def _metadata_rules():
    return (rule("metadata.source_system.required", "required", "source_system"),
            rule("metadata.expected_records.range", "range", "expected_records", params={"min": 1}))


def test_metadata_rules_and_completion_rate():
    rs = ruleset(NEED_A, metadata_rules=_metadata_rules(), completion=CompletionConfig(min=0.95))
    report = run([{"a": 1}] * 3, rs, metadata={"source_system": "s", "expected_records": 4})
    s = report.summary
    assert s.metadata_valid is True and s.completion_rate == 0.75
    assert [(b.name, b.value, b.severity) for b in s.breaches] == [("completion_min", 0.75, "medium")]
    bad = run([{"a": 1}], rs, metadata={"expected_records": 0})
    assert bad.summary.metadata_valid is False and bad.summary.completion_rate is None
    missing = bad.rule("metadata.source_system.required").examples[0]
    assert (missing.line, missing.source, missing.reason) == (None, None, "missing_field")
    assert bad.rule("metadata.expected_records.range").violations == 1
    assert bad.summary.violations_total == 2


def test_metadata_rules_are_skipped_without_metadata():
    report = run([{"a": 1}], ruleset(NEED_A, metadata_rules=_metadata_rules()))
    assert [r.status for r in report.metadata_rules] == ["skipped", "skipped"]
    assert report.summary.metadata_valid is None and report.summary.completion_rate is None


def test_quality_numbers_follow_failing_records_per_dimension():
    rs = ruleset(rule("need-id", "required", "id"), rule("v-range", "range", "v", params={"min": 0}),
                 rule("v-type", "type", "v", params={"type": "integer"}))
    records = [{"id": 1, "v": 1}, {"v": 1}, {"id": 3, "v": -1}, {"id": 4, "v": "x"}, 7]
    report = run(records, rs)
    q, s = report.summary.quality, report.summary
    assert (q.completeness, q.consistency, q.accuracy, q.timeliness) == (0.6, 0.6, 0.4, None)
    assert q.overall == pytest.approx(1.6 / 3) and q.level == "poor"
    assert (s.records_failed, s.error_rate) == (4, 0.8)
    assert [b.name for b in s.breaches] == ["quality_score_min", "error_rate_max"]
    assert s.passed is False


def test_empty_batch_scores_zero_and_is_critical():
    report = run([], ruleset(NEED_A))
    q = report.summary.quality
    assert (q.overall, q.level, report.summary.error_rate, report.summary.passed) == (0.0, "critical", 0.0, False)


def test_summary_fields_and_json_shape(tmp_path):
    report = run(write(tmp_path / "x.jsonl", '{"a": 1}'), ruleset(NEED_A), measure_resources=True)
    s = report.summary
    assert s.engine == "python" and s.ref_time == "2026-01-15T12:00:00+00:00"
    assert s.duration_seconds > 0 and s.peak_memory_bytes > 1_000_000
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["rules"][0]["id"] == "parse" and doc["summary"]["records_total"] == 1


def test_rule_results_carry_definition_site_and_description():
    r = rule("need-a", "required", "a", span=Span("rs.yaml", 4, 5), description="a is needed")
    result = run([{}], ruleset(r)).rule("need-a")
    assert (result.where, result.description, result.level) == ("rs.yaml:4:5", "a is needed", "record")


def test_progress_is_reported(tmp_path):
    path = write(tmp_path / "p.jsonl", *['{"a": 1}'] * 100)
    calls = []
    run(path, ruleset(NEED_A), progress=lambda done, total: calls.append((done, total)))
    size = (tmp_path / "p.jsonl").stat().st_size
    assert calls and calls[-1] == (size, size)


def test_engine_protocol_directly():
    engine = PythonEngine(default_registry())
    assert engine.name == "python" and engine.unsupported(ruleset(NEED_A)) == []
    report = engine.run(ruleset(NEED_A), [[{"a": 1}, {}]], RunOptions(ref_time=REF, measure_resources=False))
    assert report.rule("need-a").violations == 1 and report.summary.sources == ["<memory>"]
