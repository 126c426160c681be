"""The seed's DataPipelineMonitor port (examples/seed_monitor.py) runs and behaves as the seed describes."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from rfsrules.hof import apply_rules_to

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "seed_monitor.py"
NOW = datetime(2024, 1, 15, 12, 0, tzinfo=timezone.utc)


def clock():
    return NOW


@pytest.fixture(scope="module")
def seed_monitor():
    """The example loaded as a module; its sibling seed_monitor_helpers is found as when run as a script."""
    sys.path.insert(0, str(EXAMPLE.parent))
    spec = importlib.util.spec_from_file_location("seed_monitor_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)
        sys.modules.pop("seed_monitor_helpers", None)
        sys.path.remove(str(EXAMPLE.parent))


@pytest.fixture(scope="module")
def run(seed_monitor):
    return asyncio.run(seed_monitor.run_monitoring(batches=3, interval=0, seed=1, clock=clock))


def first_batch(seed_monitor, seed=1):
    async def take():
        async for batch in seed_monitor.simulate_data_stream(1, 0, seed, clock):
            return batch

    return asyncio.run(take())


def test_main_prints_the_daily_report(seed_monitor, capsys):
    report = seed_monitor.main(batches=2, interval=0, seed=1)
    out = capsys.readouterr().out
    start, end = out.index("{"), out.index("\n📈 Final summary:")
    assert json.loads(out[start:end]) == json.loads(json.dumps(report, default=str))
    assert report["total_batches"] == 2
    assert "  • batches processed: 2" in out
    assert f"  • total records: {report['total_records']:,}" in out


def test_simulation_is_deterministic(seed_monitor):
    one, two = first_batch(seed_monitor), first_batch(seed_monitor)
    assert one.records == two.records and one.source == two.source
    assert first_batch(seed_monitor, seed=2).records != one.records


def test_batches_records_scores_and_alerts(run):
    monitor, report = run
    assert monitor.batch_count == 3 and report["total_batches"] == 3
    assert len(monitor.metrics_history) == 3
    assert report["total_records"] == sum(m["record_count"] for m in monitor.metrics_history)
    assert all(50 <= m["record_count"] <= 500 for m in monitor.metrics_history)
    assert 0.0 <= report["average_quality_score"] <= 1.0
    assert all(0.0 <= m["quality_score"] <= 1.0 for m in monitor.metrics_history)
    with_findings = [m for m in monitor.metrics_history if m["quality_issues_count"] + m["anomaly_count"] > 0]
    assert report["total_alerts"] == monitor.alert_count == len(monitor.alerts) == len(with_findings)
    assert [a["number"] for a in monitor.alerts] == list(range(1, monitor.alert_count + 1))
    assert monitor.processing_errors == []
    assert report["date"] == "2024-01-15"


def test_daily_report_grouped_by_source_sorted_by_quality(run):
    monitor, report = run
    sources = report["sources"]
    names = [s["source"] for s in sources]
    assert len(names) == len(set(names)) == len({m["source"] for m in monitor.metrics_history})
    scores = [s["average_quality_score"] for s in sources]
    assert scores == sorted(scores, reverse=True)
    assert sum(s["total_batches"] for s in sources) == 3
    assert sum(s["total_records"] for s in sources) == report["total_records"]
    for s in sources:
        mine = [m for m in monitor.metrics_history if m["source"] == s["source"]]
        assert s["total_anomalies"] == sum(m["anomaly_count"] for m in mine)
        assert s["average_quality_score"] == pytest.approx(sum(m["quality_score"] for m in mine) / len(mine))
        assert s["data_quality_trend"] in ("improving", "stable", "declining", "insufficient_data")
    assert report["recommendations"][-1].startswith("🚀")


def test_problem_records_produce_violations_with_the_right_severities(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    batch = first_batch(seed_monitor)
    missing = [i for i, r in enumerate(batch.records, 1) if "timestamp" not in r]
    bad_value = [i for i, r in enumerate(batch.records, 1) if r["data"]["value"] == -999]
    assert missing and bad_value  # seed 1 produces both kinds of problem
    assert len(missing) + len(bad_value) < len(batch.records) * 0.25

    found = apply_rules_to(batch.records).using(monitor.quality_rules, per="batch").collect_violations()
    by_rule = {g["key"]: g["items"] for g in found.group_by("rule_id")}
    assert set(by_rule) == {"required_fields", "value_range"}
    assert [(v.line, v.field, v.severity, v.reason) for v in by_rule["required_fields"]] == [
        (line, "timestamp", "high", "missing_field") for line in missing]
    assert [(v.line, v.severity, v.reason, v.value) for v in by_rule["value_range"]] == [
        (line, "medium", "out_of_range", -999) for line in bad_value]
    assert all(v.record_id == batch.records[v.line - 1]["id"] for v in found)

    issues = asyncio.run(monitor._check_data_quality(batch))
    assert [(v.rule_id, v.line) for v in issues] == [("required_fields", line) for line in missing]
    assert all(v.context["batch_id"] == batch.id and v.context["source"] == batch.source for v in issues)

    metrics = monitor._calculate_quality_metrics(batch.records)
    n = len(batch.records)
    assert metrics.completeness == pytest.approx((n - len(missing)) / n)
    assert metrics.accuracy == pytest.approx((n - len(bad_value)) / n)
    assert (metrics.consistency, metrics.timeliness) == (1.0, 1.0)
    assert metrics.quality_level.value == "excellent"


def test_anomalies_scores_filter_and_order(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    batch = first_batch(seed_monitor)
    anomalies = asyncio.run(monitor._detect_anomalies(batch))
    missing = [r["id"] for r in batch.records if "timestamp" not in r]
    # -999 values are outliers (base score 0.7), which the seed's "> 0.7" filter drops
    assert [(a["record_id"], a["pattern"], a["anomaly_score"], a["severity"]) for a in anomalies] == [
        (rid, "missing_data", 0.8, "high") for rid in missing]
    assert anomalies[0]["details"] == {"missing_fields": ["timestamp"]}


def test_detectors_and_details(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    good = {"id": "api_calls_1_0", "timestamp": NOW.isoformat(), "data": {"value": 500, "status": "active"},
            "user_id": "user_1", "session_id": "session_1"}
    monitor._update_baseline([{"data": {"value": v}} for v in (100, 200, 300)])
    assert monitor._baseline_mean == 200 and monitor.baseline_stddev == 100
    spike = {**good, "data": {"value": 700, "status": "active"}, "critical_field": True}
    assert monitor._detect_spike_anomaly(spike) and not monitor._detect_spike_anomaly(good)
    assert monitor._calculate_anomaly_score(spike, "unexpected_spike") == 1.0
    assert monitor._get_anomaly_details(spike, "unexpected_spike") == {"value": 700, "baseline_mean": 200.0,
                                                                      "factor": 3.5}
    assert monitor._detect_outlier_anomaly({"data": {"value": -999}})
    assert monitor._get_anomaly_details({"data": {"value": 600}}, "outlier_values") == {
        "value": 600, "valid_range": [1, 1000], "z_score": 4.0}
    odd = {**good, "id": "X-1", "user_id": "u", "timestamp": "yesterday"}
    assert monitor._detect_format_anomaly(odd) and not monitor._detect_format_anomaly(good)
    assert monitor._get_anomaly_details(odd, "format_inconsistency") == {
        "invalid_fields": ["id", "timestamp", "user_id"]}
    late = {**good, "timestamp": (NOW - timedelta(hours=2)).isoformat()}
    assert monitor._detect_timing_anomaly(late) and not monitor._detect_timing_anomaly(good)
    assert monitor._get_anomaly_details(late, "unusual_timing")["age_seconds"] == 7200.0
    drift = {**good, "data": {"value": "12", "status": "paused"}}
    assert monitor._detect_data_drift_anomaly(drift) and not monitor._detect_data_drift_anomaly(good)
    assert [monitor._get_anomaly_severity(p) for p in seed_monitor.ANOMALY_BASE_SCORES] == [
        "critical", "high", "medium", "low", "high", "medium"]


def test_quality_rules_on_crafted_records(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    records = [
        {"id": "a", "timestamp": NOW.isoformat(), "data": {"value": 5}},
        {"id": "a", "timestamp": (NOW - timedelta(hours=3)).isoformat(), "data": {"value": True}},
        {"id": 7, "timestamp": "soon", "data": None},
        {"id": "d", "timestamp": (NOW + timedelta(hours=1)).isoformat(), "data": {"value": 1001}},
    ]
    found = apply_rules_to(records).using(monitor.quality_rules, per="batch").collect_violations()
    assert [(v.rule_id, v.line, v.field, v.reason, v.severity) for v in found] == [
        ("required_fields", 3, "data", "null_value", "high"),
        ("type_consistency", 2, "data.value", "wrong_type", "high"),
        ("type_consistency", 3, "id", "wrong_type", "high"),
        ("type_consistency", 3, "timestamp", "wrong_type", "high"),
        ("value_range", 2, "data.value", "not_comparable", "medium"),
        ("value_range", 4, "data.value", "out_of_range", "medium"),
        ("duplicate_records", 2, "id", "duplicate_value", "high"),
        ("data_freshness", 2, "timestamp", "stale", "medium"),
        ("data_freshness", 3, "timestamp", "invalid_timestamp", "medium"),
        ("data_freshness", 4, "timestamp", "in_future", "medium"),
    ]
    assert found.filter_by(lambda v: v.rule_id == "duplicate_records")[0].message == "duplicate of line 1"
    metrics = monitor._calculate_quality_metrics(records)
    assert (metrics.completeness, metrics.consistency, metrics.accuracy, metrics.timeliness) == (
        0.75, 0.5, 0.5, 0.25)
    assert metrics.overall_score == 0.5 and metrics.quality_level.value == "poor"


def test_alert_severity_policy_and_critical_handling(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    decide = monitor._determine_alert_severity
    assert decide({"quality_issues": [{"severity": "critical"}], "anomalies": []}) == "critical"
    assert decide({"quality_issues": [], "anomalies": [{"anomaly_score": 0.95}]}) == "critical"
    assert decide({"quality_issues": [{"severity": "low"}] * 11, "anomalies": []}) == "high"
    assert decide({"quality_issues": [{"severity": "high"}], "anomalies": []}) == "high"
    assert decide({"quality_issues": [{"severity": "medium"}], "anomalies": [{"anomaly_score": 0.8}]}) == "medium"
    alert = {"batch_id": "b9", "quality_issues": [{"severity": "critical", "message": "broken"}],
             "anomalies": [{"record_id": "r", "pattern": "unexpected_spike", "anomaly_score": 1.0}]}
    asyncio.run(monitor._send_alerts(alert))
    assert monitor.alerts == [{"number": 1, "batch_id": "b9", "severity": "critical",
                               "message": "batch b9: 1 quality issue(s), 1 anomaly pattern(s) found"}]
    (entry,) = monitor.critical_alerts
    assert entry["level"] == "CRITICAL" and entry["critical_issues"] == ["broken"]
    assert entry["top_anomalies"] == [{"record_id": "r", "pattern": "unexpected_spike", "anomaly_score": 1.0}]


def test_processing_errors_are_recorded_and_monitoring_continues(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)

    async def broken(batch):
        raise RuntimeError("disk full")

    monitor._collect_performance_metrics = broken
    count = asyncio.run(monitor.monitor_data_stream(seed_monitor.simulate_data_stream(2, 0, 1, clock)))
    assert count == 2 and monitor.metrics_history == []
    assert [(e["level"], e["batch_id"], e["error"]) for e in monitor.processing_errors] == [
        ("ERROR", "batch_1", "RuntimeError: disk full"), ("ERROR", "batch_2", "RuntimeError: disk full")]


def test_metadata_validation(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    batch = first_batch(seed_monitor)
    status = asyncio.run(monitor._check_processing_status(batch))
    assert status["metadata_valid"] is True and status["completion_rate"] == 1.0
    batch.metadata = {"pipeline_stage": "ingestion", "expected_records": 0,
                      "data_freshness": (NOW - timedelta(hours=2)).isoformat()}
    status = asyncio.run(monitor._check_processing_status(batch))
    assert status["metadata_valid"] is False and status["completion_rate"] == 1.0
    assert status["metadata_errors"] == [
        {"field": "source_system", "rule": "required", "message": "source system is required"},
        {"field": "data_freshness", "rule": "custom", "message": "data is more than 1 hour old"},
        {"field": "expected_records", "rule": "range", "message": "expected record count out of range"},
    ]


def test_quality_trend_and_empty_report(seed_monitor):
    monitor = seed_monitor.DataPipelineMonitor(clock=clock)
    trend = monitor._calculate_quality_trend
    assert trend([{"quality_score": 0.9}]) == "insufficient_data"
    assert trend([{"quality_score": 0.8}, {"quality_score": 0.9}]) == "improving"
    assert trend([{"quality_score": 0.9}, {"quality_score": 0.8}]) == "declining"
    assert trend([{"quality_score": 0.9}, {"quality_score": 0.91}]) == "stable"
    assert asyncio.run(monitor.generate_daily_report("2024-01-16")) == {"error": "no data for 2024-01-16"}
