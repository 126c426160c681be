"""The human-readable text report: summary, rules table, examples and the PASSED/FAILED verdict."""

from __future__ import annotations

import unicodedata
from typing import Sequence

from ..report import Report
from ..results import DIMENSIONS, RuleResult
from .common import (
    RenderOptions, all_rules, as_reports, describe_breach, example_parts, format_percent, format_score,
    gate_reasons, plural, printable, shown_examples,
)

_COLORS = {"red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "bold": "\x1b[1m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"
_STATUS_COLOR = {"passed": "green", "failed": "red", "error": "red", "skipped": "dim"}
_LABEL_WIDTH = 12


def render(reports: Report | Sequence[Report], options: RenderOptions | None = None) -> str:
    """Render one report, or several (``--per-file``) followed by a one-line total, as plain text."""
    options = options or RenderOptions()
    many = as_reports(reports)
    if isinstance(reports, Report):
        return render_report(many[0], options)
    parts = [render_report(r, options) for r in many]
    passed = sum(1 for r in many if r.summary.passed)
    total = f"{plural(len(many), 'report')}: {passed} passed, {len(many) - passed} failed"
    return "\n".join(parts) + "\n" + _paint(total, "bold", options) + "\n"


def render_report(report: Report, options: RenderOptions) -> str:
    """The text form of one report, ending with a newline."""
    report = report.masked()  # a no-op for reports from as_reports
    lines: list[str] = []
    lines.extend(_summary_lines(report))
    lines.append("")
    widths = _column_widths(all_rules(report))
    lines.extend(_rule_table("rules", report.rules, widths, options))
    if report.metadata_rules:
        lines.append("")
        lines.extend(_rule_table("metadata rules", report.metadata_rules, widths, options))
    example_lines = _example_lines(report, options)
    if example_lines:
        lines.append("")
        lines.extend(example_lines)
    lines.append("")
    lines.append(_verdict(report, options))
    return "\n".join(lines) + "\n"


def _field(label: str, value: str) -> str:
    return f"{label + ':':<{_LABEL_WIDTH}} {value}"


def _summary_lines(report: Report) -> list[str]:
    s = report.summary
    out = [f"rfsrules check: {report.ruleset_name}@{report.ruleset_version} (engine {s.engine})"]
    if s.ref_time:
        out.append(_field("ref time", str(s.ref_time)))
    out.append(_field("sources", printable(", ".join(s.sources)) if s.sources else "(none)"))
    out.append(_field("records", f"{s.records_total} total, {s.records_checked} checked, "
                                 f"{s.records_malformed} malformed, {s.records_failed} failed"))
    failing = [r for r in all_rules(report) if r.status == "failed"]
    if s.violations_total or failing:
        out.append(_field("violations", f"{s.violations_total} in {plural(len(failing), 'rule')} "
                                        f"({plural(s.failures_total, 'failure')})"))
    else:
        out.append(_field("violations", "none"))
    q = s.quality
    if q is None:
        out.append(_field("quality", "n/a"))
    else:
        dims = ", ".join(f"{d} {format_score(getattr(q, d))}" for d in DIMENSIONS)
        out.append(_field("quality", f"{format_score(q.overall)} {q.level} ({dims})"))
    out.append(_field("error rate", format_percent(s.error_rate)))
    if s.completion_rate is not None:
        out.append(_field("completion", f"{format_percent(s.completion_rate)} of the expected records"))
    if s.metadata_valid is not None:
        out.append(_field("metadata", "valid" if s.metadata_valid else "INVALID (see metadata rules)"))
    if s.breaches:
        for i, b in enumerate(s.breaches):
            label = "thresholds" if i == 0 else ""
            text = f"{b.name}: {describe_breach(b)} [{b.severity}]"
            out.append(_field(label, text) if label else " " * (_LABEL_WIDTH + 1) + text)
    else:
        out.append(_field("thresholds", "none breached"))
    return out


_HEADER = ("RULE", "CHECK", "SEVERITY", "DIMENSION", "STATUS", "VIOLATIONS")


def _row(rule: RuleResult) -> tuple[str, ...]:
    return (rule.id, rule.check, rule.severity, rule.dimension or "-", rule.status, str(rule.violations))


def _width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _column_widths(rules: Sequence[RuleResult]) -> list[int]:
    rows = [_row(r) for r in rules] + [_HEADER]
    return [max(_width(row[i]) for row in rows) for i in range(len(_HEADER))]


def _rule_table(title: str, rules: Sequence[RuleResult], widths: list[int],
                options: RenderOptions) -> list[str]:
    header = _HEADER
    rows = [_row(r) for r in rules]
    out = [f"{title}:"]

    def fmt(row: tuple[str, ...], status_color: str | None = None) -> str:
        cells = [_pad(row[i], widths[i]) for i in range(5)] + [_pad(row[5], widths[5], right=True)]
        if status_color:
            cells[4] = _paint(cells[4], status_color, options)
        return "  " + "  ".join(cells).rstrip()

    out.append(fmt(header))
    for row in rows:
        out.append(fmt(row, _STATUS_COLOR.get(row[4])))
    if not rows:
        out.append("  (no rules)")
    return out


def _example_lines(report: Report, options: RenderOptions) -> list[str]:
    multi_source = len(report.summary.sources) > 1
    out: list[str] = []
    groups = [(r, False) for r in report.rules] + [(r, True) for r in report.metadata_rules]
    for rule, is_metadata in groups:
        if rule.status == "error":
            out.append(f"{rule.id}: could not run: {printable(rule.error or 'unknown error')}")
            continue
        if rule.status != "failed":
            continue
        shown = shown_examples(rule, options)
        head = f"{rule.id} [{rule.severity}]: {plural(rule.violations, 'violation')}"
        if rule.failures != rule.violations:
            head += f" ({plural(rule.failures, 'failure')})"
        if shown and len(shown) < rule.failures:
            head += f", first {len(shown)} shown"
        out.append(head)
        rows = [example_parts(v, multi_source, is_metadata) for v in shown]
        width = max((_width(row[0]) for row in rows), default=0)
        for row in rows:
            out.append("  " + "  ".join([_pad(row[0], width)] + row[1:]))
    if out:
        out.insert(0, "examples:")
        out = [out[0]] + ["  " + line for line in out[1:]]
    return out


def _verdict(report: Report, options: RenderOptions) -> str:
    s = report.summary
    if s.passed:
        below = [r for r in all_rules(report) if r.status == "failed"]
        note = f": {plural(len(below), 'rule')} failed below the gate" if below else ""
        return _paint("PASSED", "green", options) + f" (fail-on {s.fail_on}){note}"
    reasons = "; ".join(gate_reasons(report))
    return _paint("FAILED", "red", options) + f" (fail-on {s.fail_on}): {reasons}"


def _paint(text: str, color: str, options: RenderOptions) -> str:
    if not options.color:
        return text
    return f"{_COLORS[color]}{text}{_RESET}"
