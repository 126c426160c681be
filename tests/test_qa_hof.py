"""QA of the readable HOF API and the quality metrics, from the outside: chains, rulesets, CLI agreement."""

from __future__ import annotations

import collections
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rfsrules import check, load_ruleset_text
from rfsrules.cli.app import app
from rfsrules.hof import (
    Failure, Success, apply_rules_to, create_log_entry, custom_check, extract_from, range_check, required,
    scan_data_for, validate_config,
)
from rfsrules.results import Violation
from rfsrules.ruleset.model import QualityConfig, Thresholds

REF = "2026-01-15T12:00:00Z"

EVENTS = """\
rfsrules: 1
name: events
version: 1.0.0
record_id: id
fields:
  id: {type: string, required: true, unique: true}
  data.value: {type: integer, min: 1, max: 1000}
  ts: {type: timestamp, max_age: 1h}
metadata_rules:
  fields:
    source_system: {type: string, required: true}
"""


def recording(items, log):
    for item in items:
        log.append(item)
        yield item


# ---- laziness and immutability ---------------------------------------------------------------------


def test_no_chain_reads_its_generator_before_collect():
    log: list = []
    records = [{"id": 1, "v": -1}, {"id": 2, "v": 5}, {"id": 3, "v": -3}]
    violations = (apply_rules_to(recording(records, log))
                  .using(lambda r: "negative" if r["v"] < 0 else None)
                  .with_context(batch_id="b1")
                  .collect_violations()
                  .filter_by(lambda v: v.severity == "medium")
                  .sort_by("line", reverse=True))
    scan = scan_data_for({"neg": lambda r: r["v"] < 0}).in_data(recording(records, log)).extract(
        lambda r, name: (r["id"], name)).filter_by(bool).sort_by(lambda m: m[0], reverse=True)
    plan = extract_from(recording(records, log)).transform_to("v").filter_by(lambda v: v < 0).sort_by(abs)
    groups = extract_from(recording(records, log)).group_by(lambda r: r["v"] < 0)
    assert log == []
    assert [v.line for v in violations.collect()] == [3, 1]
    assert [v["batch_id"] for v in violations] == ["b1", "b1"]
    assert len(log) == 3
    assert scan.collect() == [(3, "neg"), (1, "neg")]
    assert plan.collect() == [-1, -3]
    assert groups.collect() == [{"key": True, "items": [records[0], records[2]]},
                                {"key": False, "items": [records[1]]}]
    assert len(log) == 12  # each generator read once


def test_an_intermediate_chain_reused_twice_gives_the_same_result():
    calls: list = []

    def rule(record):
        calls.append(record["id"])
        return {"message": "m", "severity": "high" if record["id"] % 2 else "low"}

    base = apply_rules_to(iter([{"id": i} for i in range(1, 6)])).using(rule).collect_violations()
    high = base.filter_by(lambda v: v.severity == "high")
    low = base.filter_by(lambda v: v.severity == "low")
    assert [v.line for v in high] == [1, 3, 5]
    assert [v.line for v in low] == [2, 4]
    assert [v.line for v in high.sort_by("line", reverse=True)] == [5, 3, 1]
    assert [v.line for v in high] == [1, 3, 5]
    assert calls == [1, 2, 3, 4, 5]


def test_a_generator_that_raises_keeps_raising_instead_of_returning_a_truncated_result():
    def source():
        yield {"id": 1}
        yield {"id": 2}
        raise OSError("disk gone")

    chain = extract_from(source()).transform_to("id")
    for _ in range(2):
        with pytest.raises(OSError, match="disk gone"):
            chain.collect()
    with pytest.raises(OSError, match="disk gone"):
        chain.filter_by(bool).collect()  # a sibling chain on the same source
    assert chain.take(2).collect() == [1, 2]  # what does not reach the failure still works

    found = apply_rules_to(source()).using(lambda r: "v").collect_violations()
    for _ in range(2):
        with pytest.raises(OSError, match="disk gone"):
            len(found)


# ---- violations ---------------------------------------------------------------------------------------


def test_field_name_keys_read_violation_context_like_v_getitem():
    found = (apply_rules_to([{"a": 1}, {"a": 2}, {"a": 3}])
             .using(lambda r: {"message": "m", "stage": f"s{r['a'] % 2}"})
             .with_context(batch_id="b1")
             .collect_violations())
    assert found[0]["batch_id"] == "b1"
    assert [(g["key"], len(g["items"])) for g in found.group_by("batch_id")] == [("b1", 3)]
    assert [(g["key"], len(g["items"])) for g in found.group_by("stage")] == [("s1", 2), ("s0", 1)]
    assert [v.line for v in found.sort_by("stage")] == [2, 1, 3]
    assert found.filter_by("stage").count() == 3
    assert found.transform_to("batch_id").collect() == ["b1", "b1", "b1"]
    with pytest.raises(KeyError):
        found.group_by("nope").collect()


def test_violations_are_typed_and_convert_to_dicts():
    ruleset = load_ruleset_text(EVENTS)
    events = [{"id": "e1", "data": {"value": 5}, "ts": "2026-01-15T11:30:00Z"},
              {"id": "e2", "data": {"value": -9}, "ts": "2026-01-15T11:30:00Z"}]
    [v] = apply_rules_to(events).using(ruleset, ref_time=REF).with_context(stage="x").collect_violations()
    assert isinstance(v, Violation)
    assert (v.rule_id, v.severity, v.dimension, v.field, v.line, v.record_id, v.value) == (
        "data.value.range", "medium", "accuracy", "data.value", 2, "e2", -9)
    d = v.to_dict()
    assert {k: d[k] for k in ("rule_id", "severity", "dimension", "field", "line", "record_id", "value",
                              "message", "stage")} == {
        "rule_id": "data.value.range", "severity": "medium", "dimension": "accuracy", "field": "data.value",
        "line": 2, "record_id": "e2", "value": -9, "message": "value -9 is below the minimum 1", "stage": "x"}


def test_rule_objects_keep_the_record_id_and_metadata_rules_check_the_metadata():
    ruleset = load_ruleset_text(EVENTS)
    events = [{"id": "e1", "data": {"value": 5}, "ts": "2026-01-15T11:30:00Z"},
              {"id": "e2", "data": {"value": -9}, "ts": "2026-01-15T08:00:00Z"}]
    picked = [ruleset.rule("data.value.range"), ruleset.rule("ts.max_age")]
    whole = apply_rules_to(events).using(ruleset, ref_time=REF).collect_violations()
    loose = apply_rules_to(events).using(picked, ref_time=REF).collect_violations()
    assert [(v.rule_id, v.line, v.record_id) for v in whole] == [("data.value.range", 2, "e2"),
                                                                  ("ts.max_age", 2, "e2")]
    assert [v.to_dict() for v in loose] == [v.to_dict() for v in whole]
    by_ts = apply_rules_to(events, record_id="ts").using(picked, ref_time=REF).collect_violations()
    assert [v.record_id for v in by_ts] == ["2026-01-15T08:00:00Z"] * 2

    meta_rule = [ruleset.rule("metadata.source_system.required")]
    missing = apply_rules_to(events).using(meta_rule, metadata={"pipeline_stage": "x"}).collect_violations()
    assert [(v.rule_id, v.line, v.field, v.reason) for v in missing] == [
        ("metadata.source_system.required", None, "source_system", "missing_field")]
    assert apply_rules_to(events).using(meta_rule, metadata={"source_system": "api"}).collect_violations() == []


# ---- validate_config, Result, create_log_entry -----------------------------------------------------------


def test_seed_processing_status_rules():
    now = datetime(2026, 1, 15, 12, 0)
    rules = [
        required("source_system", "source system required"),
        required("pipeline_stage", "pipeline stage required"),
        custom_check("data_freshness", lambda x: (now - datetime.fromisoformat(x)).total_seconds() < 3600,
                     "older than 1h"),
        range_check("expected_records", 1, 1000000, "expected records out of range"),
    ]
    ok = {"source_system": "api", "pipeline_stage": "ingest", "data_freshness": "2026-01-15T11:30:00",
          "expected_records": 1000000}
    result = validate_config(ok).against_rules(rules)
    assert result.is_success() and not result.is_failure() and result.unwrap() is ok
    assert result.map(lambda m: m["source_system"]) == Success("api")
    assert result.bind(lambda m: Failure("no")) == Failure("no")
    bad = dict(ok, pipeline_stage=None, data_freshness="2026-01-15T11:00:00", expected_records=0)
    failed = validate_config(bad).against_rules(rules)
    assert failed.is_failure() and failed.map(len) is failed and failed.bind(Success) is failed
    assert [(e["field"], e["rule"], e["message"]) for e in failed.unwrap_error()] == [
        ("pipeline_stage", "required", "pipeline stage required"),
        ("data_freshness", "custom", "older than 1h"),
        ("expected_records", "range", "expected records out of range")]


@pytest.mark.parametrize(("value", "ok"), [
    (Decimal("5"), True), (Decimal("1000000"), True), (Decimal("0.5"), False), (Decimal("NaN"), False),
    (Decimal("sNaN"), False), (True, False), (float("nan"), False), ("5", False),
])
def test_range_check_reads_decimals_as_numbers(value, ok):
    result = validate_config({"n": value}).against_rules([range_check("n", 1, 1000000)])
    assert result.is_success() is ok


def test_an_explicit_timestamp_datetime_is_written_like_the_default():
    naive = create_log_entry("info", "m", timestamp=datetime(2024, 1, 15, 10, 0))
    aware = create_log_entry("info", "m", timestamp=datetime(2024, 1, 15, 19, 0,
                                                             tzinfo=timezone(timedelta(hours=9))))
    assert naive["timestamp"] == aware["timestamp"] == "2024-01-15T10:00:00.000Z"
    assert create_log_entry("info", "m", timestamp="as given")["timestamp"] == "as given"


# ---- the HOF chain and the CLI agree ------------------------------------------------------------------

AGREE = """\
rfsrules: 1
name: agree
version: 1.0.0
record_id: id
fields:
  id: {type: string, required: true, unique: true}
  v: {type: integer, min: 0, max: 9}
rules:
  - {id: ab, check: required, fields: [a, b]}
  - {id: tag-in, check: in, field: tag, values: [x, y]}
  - {id: rows, check: row_count, min: 5}
thresholds: {quality_score_min: 0, error_rate_max: 1}
"""

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.sampled_from(["x", "y", "z", "1"]))
RECORD = st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["a", "b", "c", 7, None]), "v": VALUES, "a": VALUES, "b": VALUES, "tag": VALUES})
LINE = st.one_of(RECORD.map(json.dumps), st.sampled_from(["oops", "[1, 2]", "{\"id\": "]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=12))
def test_hof_and_cli_agree_on_violation_counts(tmp_path, lines):
    ruleset_path = tmp_path / "agree.yaml"
    ruleset_path.write_text(AGREE)
    data = tmp_path / "batch.jsonl"
    data.write_text("".join(line + "\n" for line in lines))
    result = CliRunner().invoke(app, ["check", str(data), "-r", str(ruleset_path), "--format", "json",
                                      "--ref-time", REF, "--max-examples", "0"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    cli_counts = {r["id"]: r["violations"] for r in report["rules"] if r["violations"]}

    for source in (str(data), [_parsed(line) for line in lines]):
        found = apply_rules_to(source).using(str(ruleset_path), ref_time=REF).collect_violations()
        lines_by_rule = collections.defaultdict(set)
        for v in found:
            lines_by_rule[v.rule_id].add(v.line)
        assert {k: len(s) for k, s in lines_by_rule.items()} == cli_counts
    assert report["summary"]["records_total"] == len(lines)


def _parsed(line: str):
    try:
        return json.loads(line)
    except ValueError:
        return line  # an in-memory item that is not an object is malformed, like the line


# ---- quality metrics through the CLI -----------------------------------------------------------------


def _cli_json(tmp_path, ruleset: str, lines: list[str]) -> dict:
    (tmp_path / "r.yaml").write_text(ruleset)
    (tmp_path / "d.jsonl").write_text("".join(line + "\n" for line in lines))
    result = CliRunner().invoke(app, ["check", str(tmp_path / "d.jsonl"), "-r", str(tmp_path / "r.yaml"),
                                      "--format", "json", "--ref-time", REF])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_docs_worked_example_through_the_cli(tmp_path):
    ruleset = """\
rfsrules: 1
name: quality-example
version: 1.0.0
rules:
  - {id: need-id, check: required, field: id}
  - {id: v-range, check: range, field: v, min: 0}
"""
    lines = ['{"id": 1, "v": 1}', '{"v": 1}', '{"id": 3, "v": -1}', '{"id": 4, "v": -1}', "oops"]
    summary = _cli_json(tmp_path, ruleset, lines)["summary"]
    assert summary["quality"] == {"completeness": 0.6, "consistency": 0.8, "accuracy": 0.4, "timeliness": None,
                                  "overall": 0.6, "level": "poor"}
    assert summary["error_rate"] == 0.8 and summary["records_failed"] == 4 and summary["passed"] is False
    assert [(b["name"], b["value"], b["threshold"], b["severity"]) for b in summary["thresholds_breached"]] == [
        ("quality_score_min", 0.6, 0.7, "medium"), ("error_rate_max", 0.8, 0.05, "high")]


ONE_RULE = """\
rfsrules: 1
name: levels
version: 1.0.0
rules:
  - {id: t, check: type, field: n, type: integer, severity: low}
thresholds: {error_rate_max: 1}
"""


@pytest.mark.parametrize(("failed", "overall", "level", "breach"), [
    (0, 1.0, "excellent", None), (1, 0.9, "excellent", None), (2, 0.8, "good", None),
    (3, 0.7, "acceptable", None), (4, 0.6, "poor", "medium"), (5, 0.5, "poor", "medium"),
    (6, 0.4, "critical", "high"), (10, 0.0, "critical", "high"),
])
def test_level_cut_offs_and_quality_breach_at_the_exact_boundaries(tmp_path, failed, overall, level, breach):
    lines = ['{"n": "x"}'] * failed + ['{"n": 1}'] * (10 - failed)
    summary = _cli_json(tmp_path, ONE_RULE, lines)["summary"]
    assert (summary["quality"]["overall"], summary["quality"]["level"]) == (overall, level)
    breaches = [(b["name"], b["severity"]) for b in summary["thresholds_breached"]]
    assert breaches == ([] if breach is None else [("quality_score_min", breach)])
    assert summary["passed"] is (breach is None)


def test_mean_of_dimensions_lands_exactly_on_a_cut_off(tmp_path):
    ruleset = ONE_RULE.replace("thresholds:", "  - {id: r, check: range, field: n, min: 0}\nthresholds:")
    # consistency 1.0, accuracy 0.8: mean 0.9 -> excellent, not good
    summary = _cli_json(tmp_path, ruleset, ['{"n": -1}'] * 2 + ['{"n": 1}'] * 8)["summary"]
    assert summary["quality"]["overall"] == 0.9 and summary["quality"]["level"] == "excellent"


@pytest.mark.parametrize(("failed", "breached"), [(1, False), (2, True)])
def test_error_rate_max_is_a_strict_limit(tmp_path, failed, breached):
    ruleset = ONE_RULE.replace("error_rate_max: 1", "error_rate_max: 0.05, quality_score_min: 0")
    summary = _cli_json(tmp_path, ruleset, ['{"n": "x"}'] * failed + ['{"n": 1}'] * (20 - failed))["summary"]
    assert summary["error_rate"] == failed / 20
    expected = [{"name": "error_rate_max", "metric": "error_rate", "value": failed / 20, "threshold": 0.05,
                 "severity": "high"}] if breached else []
    assert summary["thresholds_breached"] == expected
    assert summary["passed"] is not breached


def test_seed_defaults():
    ruleset = load_ruleset_text("rfsrules: 1\nname: d\nversion: 1.0.0\n")
    assert dict(ruleset.quality.weights) == {"completeness": 0.25, "consistency": 0.25, "accuracy": 0.25,
                                             "timeliness": 0.25}
    assert ruleset.quality.levels[:4] == (("excellent", 0.9), ("good", 0.8), ("acceptable", 0.7), ("poor", 0.5))
    assert ruleset.quality == QualityConfig()
    t = ruleset.thresholds
    assert (t.quality_score_min, t.anomaly_score_max, t.processing_time_max, t.memory_usage_max,
            t.error_rate_max) == (0.7, 0.8, 30.0, 512 * 1024 * 1024, 0.05)
    assert t == Thresholds()
    report = check([{"id": 1}] * 9 + [{}], ruleset, ref_time=REF, measure_resources=False)
    assert report.summary.quality.level == "excellent"  # only consistency measured: 1.0
