"""JUnit XML: one testsuite per report, one testcase per rule (failure/error/skipped by status), one for thresholds."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

from ..report import Report
from ..results import RuleResult, mask_secrets
from .common import (
    RenderOptions, as_reports, describe_breach, example_parts, format_percent, format_score, gate_breaches,
    plural, severity_rank, shown_examples,
)

# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the document).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: object) -> str:
    """``text`` with characters XML 1.0 forbids replaced by ``\\xNN``/``\\uNNNN`` escapes."""
    def escape(m: re.Match) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _XML_INVALID.sub(escape, mask_secrets(str(text)))


def render(reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
    """A ``<testsuites>`` document with one ``<testsuite>`` per report."""
    options = options or RenderOptions()
    many = as_reports(reports)
    root = ET.Element("testsuites", {"name": "rfsrules"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    time_total = 0.0
    for report in many:
        suite = _suite(report, options)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        time_total += report.summary.duration_seconds or 0.0
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{time_total:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(report: Report, options: RenderOptions) -> ET.Element:
    s = report.summary
    name = f"{report.ruleset_name}@{report.ruleset_version}"
    if len(s.sources) == 1:
        name += f" {s.sources[0]}"
    groups = [(r, False) for r in report.rules] + [(r, True) for r in report.metadata_rules]
    failing_breaches = gate_breaches(report)
    suite = ET.Element("testsuite", {
        "name": xml_text(name),
        "tests": str(len(groups) + 1),
        "failures": str(sum(1 for r, _ in groups if r.status == "failed") + (1 if failing_breaches else 0)),
        "errors": str(sum(1 for r, _ in groups if r.status == "error")),
        "skipped": str(sum(1 for r, _ in groups if r.status == "skipped")),
        "time": f"{s.duration_seconds or 0.0:.3f}",
    })
    if s.ref_time:
        suite.set("timestamp", xml_text(s.ref_time))
    props = ET.SubElement(suite, "properties")
    q = s.quality
    values = {
        "engine": s.engine,
        "sources": ", ".join(s.sources),
        "records_total": s.records_total,
        "records_checked": s.records_checked,
        "records_malformed": s.records_malformed,
        "records_failed": s.records_failed,
        "violations_total": s.violations_total,
        "quality_overall": format_score(q.overall) if q else "n/a",
        "quality_level": q.level if q else "n/a",
        "error_rate": format_percent(s.error_rate),
        "passed": str(s.passed).lower(),
        "fail_on": s.fail_on,
    }
    if s.completion_rate is not None:
        values["completion_rate"] = format_percent(s.completion_rate)
    for i, breach in enumerate(s.breaches):
        values[f"threshold_breached.{i + 1}"] = f"{breach.name}: {describe_breach(breach)} [{breach.severity}]"
    for key, value in values.items():
        ET.SubElement(props, "property", {"name": key, "value": xml_text(value)})
    multi_source = len(s.sources) > 1
    classname = report.ruleset_name
    for rule, is_metadata in groups:
        suite.append(_case(rule, f"{classname}.metadata" if is_metadata else classname,
                           is_metadata, multi_source, options))
    suite.append(_thresholds_case(report, f"{classname}.thresholds", failing_breaches))
    return suite


def _thresholds_case(report: Report, classname: str, failing: list) -> ET.Element:
    """The batch thresholds as one testcase: failed when a breach fails the gate (at or above ``fail_on``,
    or quality below its minimum), so that a run failing on thresholds alone is not all green."""
    case = ET.Element("testcase", {"classname": xml_text(classname), "name": "thresholds"})
    breaches = report.summary.breaches
    if failing:
        worst = max(failing, key=lambda b: severity_rank(b.severity))
        failure = ET.SubElement(case, "failure", {
            "message": xml_text(f"{plural(len(failing), 'threshold')} breached: "
                                + ", ".join(b.name for b in failing)),
            "type": xml_text(worst.severity)})
        failure.text = xml_text("\n".join(f"{b.name}: {describe_breach(b)} [{b.severity}]" for b in breaches))
    elif breaches:  # breached below fail_on: reported, not failing
        out = ET.SubElement(case, "system-out")
        out.text = xml_text("\n".join(f"{b.name}: {describe_breach(b)} [{b.severity}] (below fail-on "
                                       f"{report.summary.fail_on})" for b in breaches))
    return case



def _case(rule: RuleResult, classname: str, is_metadata: bool, multi_source: bool,
          options: RenderOptions) -> ET.Element:
    case = ET.Element("testcase", {"classname": xml_text(classname), "name": xml_text(rule.id)})
    if rule.status == "failed":
        message = f"{plural(rule.violations, 'violation')} of {rule.check} [{rule.severity}]"
        failure = ET.SubElement(case, "failure", {"message": xml_text(message), "type": xml_text(rule.severity)})
        failure.text = xml_text(_examples_text(rule, is_metadata, multi_source, options))
    elif rule.status == "error":
        error = ET.SubElement(case, "error", {"message": xml_text(rule.error or "the check raised"),
                                              "type": "check_error"})
        error.text = xml_text(rule.error or "")
    elif rule.status == "skipped":
        ET.SubElement(case, "skipped", {"message": "not run (no input for this rule)"})
    return case


def _examples_text(rule: RuleResult, is_metadata: bool, multi_source: bool, options: RenderOptions) -> str:
    lines = [f"{rule.id} ({rule.check}, {rule.severity}, {rule.dimension or '-'}): "
             f"{plural(rule.violations, 'violation')}, {plural(rule.failures, 'failure')}"]
    if rule.where:
        lines.append(f"defined at {rule.where}")
    for v in shown_examples(rule, options):
        lines.append("  ".join(example_parts(v, multi_source, is_metadata)))
    return "\n".join(lines)
