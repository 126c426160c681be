"""Quality formulas (docs/quality.md): dimension scores, overall, level, breaches and the gate, with exact numbers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from rfsrules.quality import compute_breaches, compute_quality, level_for
from rfsrules.report import Report, Summary
from rfsrules.results import QualityScores, RuleResult
from rfsrules.ruleset.model import QualityConfig, Thresholds, frozen_mapping

DEFAULT = QualityConfig()


def quality(total=5, malformed=1, failed=None, measured=("completeness", "accuracy"), config=DEFAULT):
    return compute_quality(records_total=total, records_malformed=malformed,
                           failed_by_dimension=failed if failed is not None else {"completeness": 1, "accuracy": 2},
                           measured=set(measured), config=config)


def test_worked_example_of_the_docs():
    q = quality()
    assert (q.completeness, q.consistency, q.accuracy, q.timeliness) == (0.6, 0.8, 0.4, None)
    assert (q.overall, q.level) == (0.6, "poor")


def test_malformed_ignore_leaves_them_out_of_the_denominator():
    q = quality(config=QualityConfig(malformed="ignore"))
    assert (q.completeness, q.consistency, q.accuracy, q.overall) == (0.75, 1.0, 0.5, 0.75)


def test_unmeasured_perfect_counts_as_one():
    q = quality(config=QualityConfig(unmeasured="perfect"))
    assert (q.timeliness, q.overall, q.level) == (1.0, 0.7, "acceptable")


def test_consistency_is_always_measured():
    q = quality(total=4, malformed=0, failed={}, measured=())
    assert (q.completeness, q.consistency, q.accuracy, q.timeliness, q.overall) == (None, 1.0, None, None, 1.0)


def test_empty_batch_is_zero_and_critical():
    q = quality(total=0, malformed=0, failed={})
    assert (q.completeness, q.consistency, q.accuracy, q.overall, q.level) == (0.0, 0.0, 0.0, 0.0, "critical")


def test_weights_and_rounding():
    config = QualityConfig(weights=frozen_mapping({"completeness": 3, "consistency": 1, "accuracy": 0, "timeliness": 0}))
    q = quality(total=3, malformed=0, failed={"completeness": 1}, config=config)
    assert q.completeness == 0.6666666667
    assert q.overall == 0.75  # (3 * 2/3 + 1 * 1) / 4
    zero = QualityConfig(weights=frozen_mapping({"completeness": 0, "consistency": 0, "accuracy": 0, "timeliness": 0}))
    assert quality(config=zero).overall == 0.0


def test_scores_never_go_below_zero():
    q = quality(total=2, malformed=1, failed={"completeness": 2})
    assert q.completeness == 0.0


@pytest.mark.parametrize("score, level", [(1.0, "excellent"), (0.9, "excellent"), (0.8999, "good"), (0.8, "good"),
                                          (0.7, "acceptable"), (0.5, "poor"), (0.4999, "critical"), (0.0, "critical")])
def test_levels_follow_the_seed_cut_offs(score, level):
    assert level_for(score, DEFAULT) == level


def _scores(overall: float) -> QualityScores:
    return QualityScores(None, overall, None, None, overall, level_for(overall, DEFAULT))


def test_every_breach_with_its_severity():
    t = Thresholds()
    breaches = compute_breaches(quality=_scores(0.45), error_rate=0.2, thresholds=t, processing_time=31.0,
                                memory_usage=600 * 2**20, completion_rate=0.5, completion_min=0.95,
                                completion_severity="low")
    assert [(b.name, b.metric, b.value, b.threshold, b.severity) for b in breaches] == [
        ("quality_score_min", "overall_score", 0.45, 0.7, "high"),
        ("error_rate_max", "error_rate", 0.2, 0.05, "high"),
        ("processing_time_max", "processing_time_seconds", 31.0, 30.0, "medium"),
        ("memory_usage_max", "peak_memory_bytes", 600 * 2**20, 512 * 2**20, "medium"),
        ("completion_min", "completion_rate", 0.5, 0.95, "low"),
    ]


def test_limits_themselves_are_not_breaches():
    breaches = compute_breaches(quality=_scores(0.7), error_rate=0.05, thresholds=Thresholds(), processing_time=30.0,
                                memory_usage=512 * 2**20, completion_rate=0.95, completion_min=0.95)
    assert breaches == []
    assert compute_breaches(quality=_scores(0.6), error_rate=0, thresholds=Thresholds())[0].severity == "medium"


def test_configured_breach_severities():
    t = Thresholds(severities=frozen_mapping({"error_rate_max": "critical"}))
    (b,) = compute_breaches(quality=_scores(1.0), error_rate=0.5, thresholds=t)
    assert b.severity == "critical"


def _report(statuses, breaches=(), fail_on="high"):
    rules = [RuleResult(id=f"r{i}", check="c", severity=sev, dimension=None, status=status)
             for i, (sev, status) in enumerate(statuses)]
    summary = Summary(breaches=list(breaches))
    report = Report("t", "1", summary, rules=rules)
    report.gate(fail_on)
    return summary.passed


def test_gate():
    from rfsrules.results import ThresholdBreach

    assert _report([("high", "passed"), ("low", "failed")]) is True
    assert _report([("high", "failed")]) is False
    assert _report([("medium", "failed")], fail_on="medium") is False
    assert _report([("critical", "failed")], fail_on="none") is True
    assert _report([("low", "error")], fail_on="none") is False
    assert _report([], [ThresholdBreach("error_rate_max", "error_rate", 0.1, 0.05, "high")]) is False
    assert _report([], [ThresholdBreach("error_rate_max", "error_rate", 0.1, 0.05, "high")], fail_on="critical") is True
    assert _report([], [ThresholdBreach("quality_score_min", "overall_score", 0.6, 0.7, "medium")],
                   fail_on="none") is False


def test_engine_reproduces_the_worked_example(tmp_path):
    from rfsrules.ruleset.loader import load_ruleset_text
    from rfsrules.runner import check

    rs = load_ruleset_text("rfsrules: 1\nname: q\nversion: 1.0.0\nrules:\n"
                           "  - {id: need-id, check: required, field: id}\n"
                           "  - {id: v-range, check: range, field: v, min: 0}\n")
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": 1, "v": 1}\n{"v": 1}\n{"id": 3, "v": -1}\n{"id": 4, "v": -1}\noops\n')
    report = check(str(path), rs, ref_time=datetime(2026, 1, 15, tzinfo=timezone.utc), measure_resources=False)
    s = report.summary
    assert s.quality.to_dict() == {"completeness": 0.6, "consistency": 0.8, "accuracy": 0.4, "timeliness": None,
                                   "overall": 0.6, "level": "poor"}
    assert (s.records_failed, s.error_rate) == (4, 0.8)
    assert [(b.name, b.severity) for b in s.breaches] == [("quality_score_min", "medium"), ("error_rate_max", "high")]
    assert s.passed is False


def test_quality_breach_severity_follows_the_seed_unless_the_ruleset_sets_it():
    from rfsrules.ruleset.model import frozen_mapping

    seed = Thresholds()
    assert [b.severity for b in compute_breaches(quality=_scores(0.6), error_rate=0.0, thresholds=seed)] == ["medium"]
    assert [b.severity for b in compute_breaches(quality=_scores(0.3), error_rate=0.0, thresholds=seed)] == ["high"]
    strict = Thresholds(severities=frozen_mapping({**seed.severities, "quality_score_min": "critical"}))
    assert [b.severity for b in compute_breaches(quality=_scores(0.6), error_rate=0.0, thresholds=strict)] == ["critical"]


def test_loader_passes_the_quality_severity_through():
    from rfsrules.ruleset.loader import load_ruleset_text

    text = ("rfsrules: 1\nname: q\nversion: 1.0.0\nrules: [{id: r, check: row_count, min: 1}]\n"
            "thresholds:\n  severities: {quality_score_min: low}\n")
    assert load_ruleset_text(text).thresholds.severities["quality_score_min"] == "low"
    assert "quality_score_min" not in load_ruleset_text(text.split("thresholds:")[0]).thresholds.severities
