"""Markdown for pull-request comments: verdict heading, summary and rules tables, collapsible examples."""

from __future__ import annotations

from typing import Sequence

from ..report import Report
from ..results import DIMENSIONS, RuleResult
from .common import (
    RenderOptions, as_reports, describe_breach, example_location, format_percent, format_record_id,
    format_score, format_value, gate_reasons, plural, printable, shown_examples, shows_value,
)

STATUS_ICONS = {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "⏭️"}


def render(reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
    """One report, or several (``--per-file``) separated by rules, as GitHub-flavoured Markdown."""
    options = options or RenderOptions()
    many = as_reports(reports)
    if isinstance(reports, Report):
        return render_report(many[0], options)
    passed = sum(1 for r in many if r.summary.passed)
    icon = "✅" if passed == len(many) else "❌"
    head = f"# {icon} rfsrules: {plural(len(many), 'report')}, {passed} passed, {len(many) - passed} failed\n\n"
    return head + "\n---\n\n".join(render_report(r, options) for r in many)


def cell(text: object) -> str:
    """Text made safe for a Markdown table cell (one line, control characters shown escaped, HTML and
    pipes escaped)."""
    value = printable(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return value or " "


def render_report(report: Report, options: RenderOptions) -> str:
    """The Markdown form of one report, ending with a newline."""
    report = report.masked()  # a no-op for reports from as_reports
    s = report.summary
    icon = "✅" if s.passed else "❌"
    word = "passed" if s.passed else "failed"
    out = [f"## {icon} rfsrules: {cell(report.ruleset_name)}@{cell(report.ruleset_version)} {word}", ""]
    if s.passed:
        out.append(f"**PASSED** (fail-on {s.fail_on})")
    else:
        out.append(f"**FAILED** (fail-on {s.fail_on}): {cell('; '.join(gate_reasons(report)))}")
    out += ["", "| Summary | |", "|---|---|"]
    out.append(f"| Sources | {cell(', '.join(s.sources) or '(none)')} |")
    out.append(f"| Records | {s.records_total} total, {s.records_checked} checked, "
               f"{s.records_malformed} malformed, {s.records_failed} failed |")
    out.append(f"| Violations | {s.violations_total} ({plural(s.failures_total, 'failure')}) |")
    q = s.quality
    if q is not None:
        out.append(f"| Quality | {format_score(q.overall)} ({q.level}) |")
        for dim in DIMENSIONS:
            out.append(f"| {dim.capitalize()} | {format_score(getattr(q, dim))} |")
    out.append(f"| Error rate | {format_percent(s.error_rate)} |")
    if s.completion_rate is not None:
        out.append(f"| Completion | {format_percent(s.completion_rate)} |")
    if s.metadata_valid is not None:
        out.append(f"| Metadata | {'valid' if s.metadata_valid else 'invalid'} |")
    breaches = "<br>".join(cell(f"{b.name}: {describe_breach(b)} [{b.severity}]") for b in s.breaches)
    out.append(f"| Thresholds breached | {breaches or 'none'} |")
    out.append(f"| Engine | {cell(s.engine)} |")
    if s.ref_time:
        out.append(f"| Reference time | {cell(s.ref_time)} |")
    out += ["", "### Rules", ""]
    out += _rules_table(report.rules)
    if report.metadata_rules:
        out += ["", "### Metadata rules", ""]
        out += _rules_table(report.metadata_rules)
    details = _examples(report, options)
    if details:
        out += [""] + details
    return "\n".join(out) + "\n"


def _rules_table(rules: Sequence[RuleResult]) -> list[str]:
    out = ["| Rule | Check | Severity | Dimension | Status | Violations |",
           "|---|---|---|---|---|---:|"]
    for r in rules:
        status = f"{STATUS_ICONS.get(r.status, '')} {r.status}".strip()
        out.append(f"| `{cell(r.id)}` | {cell(r.check)} | {cell(r.severity)} | {cell(r.dimension or '-')} "
                   f"| {status} | {r.violations} |")
    if not rules:
        out.append("| (no rules) | | | | | |")
    return out


def _examples(report: Report, options: RenderOptions) -> list[str]:
    multi_source = len(report.summary.sources) > 1
    sections: list[str] = []
    groups = [(r, False) for r in report.rules] + [(r, True) for r in report.metadata_rules]
    for rule, is_metadata in groups:
        if rule.status == "error":
            sections += [f"#### ⚠️ `{cell(rule.id)}` could not run", "", cell(rule.error or "unknown error"), ""]
            continue
        if rule.status != "failed":
            continue
        shown = shown_examples(rule, options)
        sections += [f"#### `{cell(rule.id)}`: {plural(rule.violations, 'violation')}", ""]
        if not shown:
            sections += ["(no examples kept)", ""]
            continue
        sections += ["| Where | Record id | Field | Value | Message |", "|---|---|---|---|---|"]
        for v in shown:
            where = example_location(v, multi_source, is_metadata)
            record_id = format_record_id(v.record_id) if v.record_id is not None and not is_metadata else ""
            value = format_value(v.value) if shows_value(v) else ""
            sections.append(f"| {cell(where)} | {cell(record_id)} | {cell(v.field or '')} | {cell(value)} "
                            f"| {cell(v.message)} |")
        if len(shown) < rule.failures:
            sections.append(f"\n{len(shown)} of {plural(rule.failures, 'failure')} shown.")
        sections.append("")
    if not sections:
        return []
    limit = "" if options.max_examples is None else f" (first {options.max_examples} per rule)"
    return ["<details>", f"<summary>Examples{limit}</summary>", ""] + sections + ["</details>"]
