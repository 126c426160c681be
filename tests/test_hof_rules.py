"""apply_rules_to: laziness, callable return conventions, raising rules, context merge, ViolationList, rulesets."""

from __future__ import annotations

import importlib.util

import pytest

from rfsrules.hof import Chain, ViolationList, apply_rules_to
from rfsrules.results import Violation

RECORDS = [{"id": "a", "v": 5}, {"id": "b", "v": -1}, {"id": "c", "v": 2000}, {"id": "d"}]


def negative(record):
    if record.get("v", 0) < 0:
        return {"message": "negative", "field": "v", "value": record["v"], "severity": "high"}
    return None


def test_nothing_runs_before_the_violations_are_used():
    calls = []

    def rule(record):
        calls.append(record["id"])

    application = apply_rules_to(RECORDS).using([rule]).with_context({"batch": 1})
    violations = application.collect_violations()
    high = violations.filter_by(lambda v: v.severity == "high")
    assert calls == []
    assert high.collect() == []
    assert calls == ["a", "b", "c", "d"]
    list(violations)
    len(high)
    assert calls == ["a", "b", "c", "d"]  # rules run once per collect_violations() result


def test_plans_are_immutable():
    base = apply_rules_to(RECORDS)
    one = base.using(negative)
    two = one.with_context(batch="x")
    assert one.collect_violations()[0].context == {}
    assert two.collect_violations()[0].context == {"batch": "x"}
    with pytest.raises(TypeError, match=r"call using\(rules\) before collect_violations\(\)"):
        base.collect_violations()


def test_per_record_dict_violation_gets_line_and_defaults():
    (v,) = apply_rules_to(RECORDS).using([negative]).collect_violations()
    assert v.to_dict() == {
        "rule_id": "negative", "check": "callable", "severity": "high", "dimension": None, "reason": None,
        "message": "negative", "field": "v", "line": 2, "record_id": None, "value": -1, "source": None,
    }


def test_record_id_option_fills_record_ids():
    (v,) = apply_rules_to(RECORDS, record_id="id").using([negative]).collect_violations()
    assert v.record_id == "b"


def test_dict_keys_map_onto_fields_and_the_rest_goes_to_context():
    def rule(records):
        return {"rule": "custom", "message": "m", "dimension": "accuracy", "line": 7, "record_id": "r7",
                "reason": "out_of_range", "type": "quality_threshold", "threshold": 0.7}

    (v,) = apply_rules_to(RECORDS).using([rule], per="batch").collect_violations()
    assert (v.rule_id, v.severity, v.dimension, v.line, v.record_id, v.reason) == (
        "custom", "medium", "accuracy", 7, "r7", "out_of_range")
    assert v.context == {"type": "quality_threshold", "threshold": 0.7}
    assert v["threshold"] == 0.7 and v.get("type") == "quality_threshold" and v.get("nope", 1) == 1


def test_rule_id_key_wins_over_rule_and_default_message():
    (v,) = apply_rules_to([{}]).using(lambda r: {"rule_id": "x", "rule": "y"}).collect_violations()
    assert v.rule_id == "x" and v.message == "rule x failed"


@pytest.mark.parametrize("returned", [None, False, [], (), {}, "", iter(())])
def test_empty_returns_mean_no_violation(returned):
    assert apply_rules_to([{}]).using(lambda r: returned).collect_violations().collect() == []


def test_string_return_is_one_violation():
    def too_big(record):
        return "too big" if record.get("v", 0) > 100 else None

    (v,) = apply_rules_to(RECORDS).using(too_big).collect_violations()
    assert (v.rule_id, v.severity, v.message, v.line, v.check) == ("too_big", "medium", "too big", 3, "callable")


def test_violation_return_is_kept_as_is():
    made = Violation("own", "low", "mine", field="f", line=99)
    (v,) = apply_rules_to([{}]).using(lambda r: made).collect_violations()
    assert v is made


def test_list_tuple_and_generator_returns_give_several():
    def many(records):
        yield "first"
        yield {"message": "second", "severity": "critical"}
        yield None
        yield Violation("third", "low", "third")

    found = apply_rules_to(RECORDS).using([many, lambda rs: ["a", "b"], lambda rs: ("c",)],
                                          per="batch").collect_violations()
    assert [(v.rule_id, v.severity, v.message) for v in found] == [
        ("many", "medium", "first"), ("many", "critical", "second"), ("third", "low", "third"),
        ("rule_1", "medium", "a"), ("rule_1", "medium", "b"), ("rule_2", "medium", "c"),
    ]
    assert all(v.line is None for v in found[:2])


def test_batch_rule_is_called_once_with_the_whole_list():
    seen = []

    def rule(records):
        seen.append(list(records))

    apply_rules_to(iter(RECORDS)).using(rule, per="batch").collect_violations().collect()
    assert seen == [RECORDS]


def test_raising_rule_becomes_one_critical_violation_and_others_still_run():
    def broken(records):
        raise ValueError("boom")

    found = apply_rules_to(RECORDS).using([broken, lambda rs: "still runs"], per="batch").collect_violations()
    assert [v.to_dict() for v in found] == [
        {"rule_id": "broken", "check": "callable", "severity": "critical", "dimension": None,
         "reason": "check_error", "message": "ValueError: boom", "field": None, "line": None,
         "record_id": None, "value": None, "source": None},
        {"rule_id": "rule_1", "check": "callable", "severity": "medium", "dimension": None, "reason": None,
         "message": "still runs", "field": None, "line": None, "record_id": None, "value": None,
         "source": None},
    ]


def test_raising_per_record_rule_reports_each_failing_record():
    found = apply_rules_to(RECORDS, record_id="id").using(lambda r: {"message": str(r["v"])}).collect_violations()
    assert [(v.rule_id, v.severity, v.line, v.record_id, v.message) for v in found] == [
        ("rule_0", "medium", 1, "a", "5"), ("rule_0", "medium", 2, "b", "-1"), ("rule_0", "medium", 3, "c", "2000"),
        ("rule_0", "critical", 4, "d", "KeyError: 'v'"),
    ]


@pytest.mark.parametrize("returned, message", [
    (True, "RuleReturnError: rule returned True; return None/False/empty when the input passes, "
           "or a dict, str, Violation or a list of them for violations"),
    (42, "RuleReturnError: rule returned a value of type int; "
         "expected None, a dict, a str, a Violation or a list of them"),
    ([1], "RuleReturnError: rule returned a list holding a value of type int; expected dicts, strings or Violations"),
    ({"severity": "urgent"},
     "RuleReturnError: invalid severity 'urgent' (expected one of low, medium, high, critical)"),
])
def test_bad_returns_become_check_errors(returned, message):
    (v,) = apply_rules_to([{}]).using(lambda r: returned).collect_violations()
    assert (v.severity, v.reason, v.message, v.line) == ("critical", "check_error", message, 1)


def test_rule_ids_and_defaults_from_attributes():
    def rule(record):
        return "x"

    rule.rule_id = "named"
    rule.severity = "HIGH"
    rule.dimension = "timeliness"
    (v,) = apply_rules_to([{}]).using(rule).collect_violations()
    assert (v.rule_id, v.severity, v.dimension) == ("named", "high", "timeliness")


def test_context_merge_never_overrides_fixed_fields_or_rule_context():
    def rule(records):
        return {"message": "m", "batch_id": "from-rule", "extra": 1}

    found = (apply_rules_to(RECORDS).using(rule, per="batch")
             .with_context({"batch_id": "ctx", "source": "user_events", "severity": "low"})
             .with_context(record_count=4)
             .collect_violations())
    (v,) = found
    assert v.severity == "medium" and v.source is None
    assert v.context == {"batch_id": "from-rule", "source": "user_events", "severity": "low", "record_count": 4,
                         "extra": 1}
    assert v["record_count"] == 4 and v["source"] is None
    assert v.to_dict()["batch_id"] == "from-rule"


def test_context_is_merged_into_check_errors():
    def broken(record):
        raise RuntimeError("x")

    (v,) = apply_rules_to([{}]).using(broken).with_context(batch_id="b1").collect_violations()
    assert v.context == {"batch_id": "b1"} and v.reason == "check_error"


def test_violation_list_steps_keep_their_kind():
    found = apply_rules_to(RECORDS).using(lambda r: f"id {r['id']}").collect_violations()
    assert isinstance(found, ViolationList)
    assert isinstance(found.filter_by(lambda v: True), ViolationList)
    assert isinstance(found.sort_by("line", reverse=True), ViolationList)
    assert isinstance(found.take(1), ViolationList) and isinstance(found.distinct("message"), ViolationList)
    grouped = found.group_by("rule_id")
    assert type(grouped) is Chain
    assert [(g["key"], len(g["items"])) for g in grouped] == [("rule_0", 4)]
    assert found.sort_by("line", reverse=True).transform_to("message").collect() == ["id d", "id c", "id b", "id a"]
    assert found.count() == 4 and len(found) == 4 and bool(found)
    assert found == found.collect() and found[0] == found.collect()[0]


def test_seed_style_filter_and_collect():
    rules = [lambda records: [{"message": "bad", "severity": s} for s in ("low", "high", "critical", "medium")]]
    quality = (apply_rules_to(RECORDS).using(rules, per="batch").with_context({"batch_id": "b"})
               .collect_violations().filter_by(lambda v: v.severity in ["high", "critical"]))
    issues = quality.collect() + [{"type": "quality_threshold", "severity": "medium"}]
    assert [i.get("severity") for i in issues] == ["high", "critical", "medium"]


def test_using_rejects_unknown_rule_kinds_and_per_values():
    with pytest.raises(TypeError, match="rule #1 is a int"):
        apply_rules_to([]).using([negative, 3])
    with pytest.raises(ValueError, match="per must be 'record' or 'batch'"):
        apply_rules_to([]).using(negative, per="row")


def test_callable_rules_need_in_memory_records():
    found = apply_rules_to("data.jsonl").using(negative).collect_violations()
    with pytest.raises(TypeError, match="callable rules need in-memory records"):
        found.collect()


# ---- rulesets (need rfsrules.runner from the engine helper) -----------------------------------------

HAVE_RUNNER = importlib.util.find_spec("rfsrules.runner") is not None and \
    importlib.util.find_spec("rfsrules.ruleset.loader") is not None

RULESET_TEXT = """\
rfsrules: 1
name: hof-test
version: 1.0.0
record_id: id
fields:
  id: {type: string, required: true, unique: true}
  v: {type: integer, min: 0, max: 100}
rules:
  - id: enough-rows
    check: row_count
    min: 10
    severity: low
"""

DATA = [{"id": "a", "v": 5}, {"id": "b", "v": -1}, {"id": "a", "v": 500}, {"v": "x"}, {"id": "e", "v": None}]


@pytest.mark.skipif(not HAVE_RUNNER, reason="rfsrules.runner / rfsrules.ruleset.loader not available yet")
def test_ruleset_violations_match_the_engine_report():
    from rfsrules.ruleset.loader import load_ruleset_text
    from rfsrules.runner import check

    ruleset = load_ruleset_text(RULESET_TEXT)
    report = check(DATA, ruleset, max_examples=None)
    found = apply_rules_to(DATA).using(ruleset).with_context(batch_id="b1").collect_violations()
    failures = sum(r.failures for r in report.rules + report.metadata_rules)
    assert len(found) == failures == report.summary.failures_total
    assert [(v.rule_id, v.line) for v in found] == [(v.rule_id, v.line) for v in report.violations()]
    assert all(v.context.get("batch_id") == "b1" for v in found)
    by_rule = {g["key"]: len(g["items"]) for g in found.group_by("rule_id")}
    assert by_rule == {"id.required": 1, "id.unique": 1, "v.type": 1, "v.range": 3, "enough-rows": 1}


@pytest.mark.skipif(not HAVE_RUNNER, reason="rfsrules.runner / rfsrules.ruleset.loader not available yet")
def test_ir_rules_and_callables_mix_in_order():
    from rfsrules.ruleset.loader import load_ruleset_text

    ruleset = load_ruleset_text(RULESET_TEXT)
    range_rule = ruleset.rule("v.range")

    def minus_one(record):
        return "v is -1" if record.get("v") == -1 else None

    found = apply_rules_to(DATA).using([range_rule, minus_one]).collect_violations()
    assert [(v.rule_id, v.line) for v in found] == [("v.range", 2), ("v.range", 3), ("v.range", 4), ("minus_one", 2)]
