"""Report renderers (text, json, junit, markdown) on hand-built reports: exact content and well-formedness."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfsrules.cli.check import OutputFormat
from rfsrules.errors import UnknownNameError
from rfsrules.outputs import FORMATS, RenderOptions, render
from rfsrules.outputs.junit import xml_text
from rfsrules.outputs.markdown import cell
from rfsrules.paths import MISSING
from rfsrules.report import REPORT_FORMAT, Report, Summary
from rfsrules.results import QualityScores, RuleResult, ThresholdBreach, Violation

ANSI = re.compile(r"\x1b\[")


def violation(rule_id, line, field, value, message, *, reason="out_of_range", record_id="evt_1",
              severity="high", source="events.jsonl"):
    return Violation(rule_id, severity, message, check="x", dimension="accuracy", reason=reason,
                     field=field, line=line, record_id=record_id, value=value, source=source)


def make_report(*, passed=False, sources=("events.jsonl",), fail_on="high") -> Report:
    """A failing report: a required rule (2 violations), a range rule (3), a batch rule, an error rule."""
    summary = Summary(
        records_total=10, records_checked=9, records_malformed=1, records_failed=5,
        violations_total=7, failures_total=8,
        quality=QualityScores(completeness=0.8, consistency=0.9, accuracy=0.7, timeliness=None,
                              overall=0.8, level="good"),
        error_rate=0.5, completion_rate=0.9090909, metadata_valid=False,
        breaches=[ThresholdBreach("error_rate_max", "error_rate", 0.5, 0.05, "high")],
        passed=passed, fail_on=fail_on, engine="python", duration_seconds=0.25,
        peak_memory_bytes=1234, ref_time="2026-01-15T12:00:00+00:00", sources=list(sources),
    )
    rules = [
        RuleResult("parse", "parse", "critical", "consistency", "record", violations=1, failures=1,
                   examples=[violation("parse", 4, None, None, "invalid JSON: unexpected end of data",
                                       reason="malformed_json", record_id=None, severity="critical")],
                   status="failed"),
        RuleResult("timestamp.required", "required", "high", "completeness", "value", violations=2, failures=2,
                   examples=[violation("timestamp.required", 2, "timestamp", MISSING,
                                       "missing required field 'timestamp'", reason="missing_field",
                                       record_id="evt_2"),
                             violation("timestamp.required", 7, "timestamp", None,
                                       "field 'timestamp' is null", reason="null_value", record_id="evt_7")],
                   status="failed"),
        RuleResult("data.value.range", "range", "medium", "accuracy", "value", violations=3, failures=4,
                   examples=[violation("data.value.range", n, "data.value", -999,
                                       "value -999 is below the minimum 1", record_id=f"evt_{n}",
                                       severity="medium") for n in (3, 5, 8, 9)],
                   status="failed"),
        RuleResult("batch-not-empty", "row_count", "critical", "completeness", "batch", status="passed"),
        RuleResult("boom", "plugin.check", "medium", "accuracy", "value", status="error",
                   error="ZeroDivisionError: division by zero (plugin demo)", plugin="demo"),
    ]
    metadata_rules = [
        RuleResult("metadata.source_system.required", "required", "high", "completeness", "value",
                   violations=1, failures=1,
                   examples=[violation("metadata.source_system.required", 1, "source_system", MISSING,
                                       "missing required field 'source_system'", reason="missing_field",
                                       record_id=None)],
                   status="failed"),
    ]
    return Report("pipeline-events", "1.0.0", summary, rules, metadata_rules, context={"run": 7})


def test_formats_table_matches_cli_choices():
    assert list(FORMATS) == [f.value for f in OutputFormat] == ["text", "json", "junit", "markdown"]


def test_unknown_format_suggests():
    with pytest.raises(UnknownNameError, match=r"unknown format 'jsn' \(did you mean 'json'\?\)"):
        render("jsn", make_report())


# --- text -----------------------------------------------------------------------------------------

def test_text_summary_lines_exact():
    out = FORMATS["text"](make_report(), RenderOptions(max_examples=5))
    lines = out.splitlines()
    assert lines[0] == "rfsrules check: pipeline-events@1.0.0 (engine python)"
    assert "ref time:    2026-01-15T12:00:00+00:00" in lines
    assert "sources:     events.jsonl" in lines
    assert "records:     10 total, 9 checked, 1 malformed, 5 failed" in lines
    assert "violations:  7 in 4 rules (8 failures)" in lines
    assert ("quality:     0.800 good (completeness 0.800, consistency 0.900, accuracy 0.700, "
            "timeliness n/a)") in lines
    assert "error rate:  50.0%" in lines
    assert "completion:  90.9% of the expected records" in lines
    assert "metadata:    INVALID (see metadata rules)" in lines
    assert "thresholds:  error_rate_max: error_rate 0.5 > max 0.05 [high]" in lines
    assert lines[-1] == ("FAILED (fail-on high): 3 failing rules at or above high; "
                         "1 threshold breached at or above high; 1 rule could not run")
    assert not ANSI.search(out)


def test_text_rules_table_and_examples():
    out = FORMATS["text"](make_report(), RenderOptions(max_examples=2))
    assert "  RULE                             CHECK         SEVERITY  DIMENSION     STATUS  VIOLATIONS" in out
    assert "  data.value.range                 range         medium    accuracy      failed           3" in out
    assert "  batch-not-empty                  row_count     critical  completeness  passed           0" in out
    assert "metadata rules:" in out
    assert "  data.value.range [medium]: 3 violations (4 failures), first 2 shown" in out
    assert "    line 3  id=evt_3  data.value = -999  value -999 is below the minimum 1" in out
    assert "    line 5  id=evt_5  data.value = -999  value -999 is below the minimum 1" in out
    assert "line 8  id=evt_8" not in out
    # a missing field shows the field without a value; a null shows the value
    assert "    line 2  id=evt_2  timestamp  missing required field 'timestamp'" in out
    assert "    line 7  id=evt_7  timestamp = null  field 'timestamp' is null" in out
    assert "    line 4  invalid JSON: unexpected end of data" in out
    assert "  boom: could not run: ZeroDivisionError: division by zero (plugin demo)" in out
    assert "    metadata  source_system  missing required field 'source_system'" in out


def test_text_examples_name_the_file_with_several_sources():
    out = FORMATS["text"](make_report(sources=("a.jsonl", "events.jsonl")), RenderOptions(max_examples=1))
    assert "    events.jsonl:3  id=evt_3  data.value = -999" in out
    assert "sources:     a.jsonl, events.jsonl" in out


def test_text_passed_notes_rules_below_gate():
    report = make_report(passed=True, fail_on="critical")
    for r in report.rules:
        if r.status == "error":
            r.status = "passed"
    out = FORMATS["text"](report, RenderOptions())
    assert out.splitlines()[-1] == "PASSED (fail-on critical): 4 rules failed below the gate"


def test_text_color_only_when_asked():
    plain = FORMATS["text"](make_report(), RenderOptions(color=False))
    colored = FORMATS["text"](make_report(), RenderOptions(color=True))
    assert not ANSI.search(plain)
    assert "\x1b[31mFAILED\x1b[0m" in colored
    assert ANSI.sub("", colored).replace("[31m", "") != ""


def test_text_per_file_total_line():
    out = FORMATS["text"]([make_report(), make_report(passed=True)], RenderOptions())
    assert out.count("rfsrules check: pipeline-events@1.0.0") == 2
    assert out.splitlines()[-1] == "2 reports: 1 passed, 1 failed"


# --- json -----------------------------------------------------------------------------------------

def test_json_is_report_to_dict():
    report = make_report()
    out = FORMATS["json"](report, RenderOptions(max_examples=2))
    data = json.loads(out)
    assert data == json.loads(json.dumps(report.to_dict(2)))
    assert data["format"] == REPORT_FORMAT
    assert list(data) == ["format", "ruleset", "summary", "rules", "metadata_rules", "context"]
    assert [len(r["examples"]) for r in data["rules"]] == [1, 2, 2, 0, 0]
    assert data["rules"][1]["examples"][0]["value"] is None  # MISSING is null in JSON
    assert out.startswith('{\n  "format": "rfsrules.report/1",\n') and out.endswith("}\n")


def test_json_per_file_wrapper():
    data = json.loads(FORMATS["json"]([make_report(), make_report()], RenderOptions()))
    assert data["format"] == "rfsrules.reports/1"
    assert [r["format"] for r in data["reports"]] == [REPORT_FORMAT, REPORT_FORMAT]


def test_json_huge_integers_fall_back_to_stdlib():
    report = make_report()
    report.rules[2].examples[0].value = 10**30
    data = json.loads(FORMATS["json"](report, RenderOptions()))
    assert data["rules"][2]["examples"][0]["value"] == 10**30


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                          st.floats(allow_nan=True, allow_infinity=True)), min_size=1, max_size=5))
def test_json_any_example_value_serialises(values):
    report = make_report()
    for v, value in zip(report.rules[2].examples, values):
        v.value = value
    data = orjson.loads(FORMATS["json"](report, RenderOptions()))
    assert len(data["rules"][2]["examples"]) == 4


# --- junit ----------------------------------------------------------------------------------------

def test_junit_one_testcase_per_rule():
    root = ET.fromstring(FORMATS["junit"](make_report(), RenderOptions(max_examples=3)))
    assert root.tag == "testsuites"
    assert root.get("tests") == "7" and root.get("failures") == "5" and root.get("errors") == "1"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "pipeline-events@1.0.0 events.jsonl"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "parse", "timestamp.required", "data.value.range", "batch-not-empty", "boom",
        "metadata.source_system.required", "thresholds"]
    assert cases[5].get("classname") == "pipeline-events.metadata"
    assert cases[6].get("classname") == "pipeline-events.thresholds"
    breach = cases[6].find("failure")  # error_rate_max [high] fails the gate at the default fail-on high
    assert (breach.get("message"), breach.get("type")) == ("1 threshold breached: error_rate_max", "high")
    assert breach.text == "error_rate_max: error_rate 0.5 > max 0.05 [high]"
    failure = cases[2].find("failure")
    assert failure.get("message") == "3 violations of range [medium]"
    assert failure.get("type") == "medium"
    assert "line 3  id=evt_3  data.value = -999  value -999 is below the minimum 1" in failure.text
    assert "line 9" not in failure.text  # max_examples=3
    assert cases[3].find("failure") is None and cases[3].find("error") is None
    assert cases[4].find("error").get("message") == "ZeroDivisionError: division by zero (plugin demo)"
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["records_total"] == "10" and props["quality_level"] == "good"
    assert props["threshold_breached.1"] == "error_rate_max: error_rate 0.5 > max 0.05 [high]"


def test_junit_per_file_has_one_suite_per_report():
    root = ET.fromstring(FORMATS["junit"]([make_report(), make_report()], RenderOptions()))
    assert len(root.findall("testsuite")) == 2
    assert root.get("tests") == "14"


def test_junit_escapes_markup_and_control_characters():
    report = make_report()
    report.rules[2].examples[0].message = 'bad <tag> & "quote" \x00\x1b end'
    report.rules[2].examples[0].value = "\x07<x>"
    text = FORMATS["junit"](report, RenderOptions())
    root = ET.fromstring(text)  # parses: well-formed XML
    failure = root.find("testsuite").findall("testcase")[2].find("failure")
    assert 'bad <tag> & "quote" \\x00\\x1b end' in failure.text
    assert xml_text("a\x0bb\ud800") == "a\\x0bb\\ud800"


# --- markdown -------------------------------------------------------------------------------------

def test_markdown_tables_and_details():
    out = FORMATS["markdown"](make_report(), RenderOptions(max_examples=2))
    lines = out.splitlines()
    assert lines[0] == "## ❌ rfsrules: pipeline-events@1.0.0 failed"
    assert "| Records | 10 total, 9 checked, 1 malformed, 5 failed |" in lines
    assert "| Quality | 0.800 (good) |" in lines
    assert "| Timeliness | n/a |" in lines
    assert "| Thresholds breached | error_rate_max: error_rate 0.5 &gt; max 0.05 [high] |" in lines
    assert "| Rule | Check | Severity | Dimension | Status | Violations |" in lines
    assert "| `data.value.range` | range | medium | accuracy | ❌ failed | 3 |" in lines
    assert "| `batch-not-empty` | row_count | critical | completeness | ✅ passed | 0 |" in lines
    assert "### Metadata rules" in lines
    assert "<details>" in lines and "</details>" in lines
    assert "<summary>Examples (first 2 per rule)</summary>" in lines
    assert "| line 3 | evt_3 | data.value | -999 | value -999 is below the minimum 1 |" in lines
    assert "2 of 4 failures shown." in lines
    assert "#### ⚠️ `boom` could not run" in lines


def test_markdown_passed_heading_and_cell_escaping():
    out = FORMATS["markdown"](make_report(passed=True), RenderOptions())
    assert out.startswith("## ✅ rfsrules: pipeline-events@1.0.0 passed\n")
    # a newline stays visible as an escape (shown as \n once GitHub renders the doubled backslash)
    assert cell("a|b<c>\nd`e") == "a\\|b&lt;c&gt;\\\\nd\\`e"
    assert cell("") == " "


def test_markdown_per_file_heading():
    out = FORMATS["markdown"]([make_report(), make_report(passed=True)], RenderOptions())
    assert out.startswith("# ❌ rfsrules: 2 reports, 1 passed, 1 failed\n")
    assert len(re.findall(r"^## ", out, flags=re.M)) == 2


def test_scores_are_cut_not_rounded_so_a_level_reads_right():
    """A score just below a cut-off never reads as the cut-off itself (0.6999 is "poor", not 0.700)."""
    from rfsrules.outputs.common import format_score

    assert [format_score(v) for v in (0.6999, 0.7, 0.69999999999, 1.0, 0.0, 2 / 3, 0.9995, None)] == \
        ["0.699", "0.700", "0.699", "1.000", "0.000", "0.666", "0.999", "n/a"]


def test_junit_thresholds_below_fail_on_pass_but_are_shown():
    report = make_report()
    report.summary.fail_on = "critical"
    case = ET.fromstring(FORMATS["junit"](report, RenderOptions())).find("testsuite").findall("testcase")[-1]
    assert case.get("name") == "thresholds" and case.find("failure") is None
    assert case.find("system-out").text == "error_rate_max: error_rate 0.5 > max 0.05 [high] (below fail-on critical)"
